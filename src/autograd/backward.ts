import { AtrousError, fmtShape } from '../errors.js';
import { getThreads, nativePointwise } from '../kernels/registry.js';
import { recordingBirths, recycle } from '../tensor/buffer-pool.js';
import { Tensor, uninitialized } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

/**
 * Reverse-mode differentiation from `root`: visits the recorded nodes in reverse topological order,
 * sums the gradients that reach each tensor, and accumulates into `.grad` of the leaves that require
 * gradients (tensors with no `gradFn`, such as parameters). Each node runs once and is then freed, so
 * a second `backward()` through the same graph is an error, as in PyTorch without `retain_graph`.
 */
export function runBackward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new AtrousError('bad_argument', `backward: the tensor ${fmtShape(root.shape)} does not require gradients (no input had requiresGrad, or it was computed under noGrad)`);
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new AtrousError('bad_argument', `backward: gradient can be implied only for a one-element tensor; pass one shaped ${fmtShape(root.shape)}`);
    }
    seed = new Tensor(root.dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]), root.shape);
  } else {
    checkGrad('backward', root, gradient);
    seed = gradient;
  }
  const order = topoOrder(root);
  recordingBirths((isBorn) => noGrad(() => new GradientPass(root, seed, isBorn).run(order)));
}

/**
 * The state of one backward pass. Its loop lives in methods rather than in closures made per call:
 * V8 optimised the per-call closures again and again (`node --trace-opt`: 18 times in 40 TCN
 * training steps, on the core the kernels' second thread needs), a method once.
 */
class GradientPass {
  private readonly grads: Map<Tensor, Tensor>;
  // Sums the engine allocated itself: only these may be added to in place. A rule's result may
  // alias the caller's seed or another tensor (identity, reshape), so the first one is kept as is.
  private readonly owned = new Set<Tensor>();
  // References to each gradient buffer: one per entry in `grads`, plus one while a rule's results
  // are being handed out. A buffer allocated during this pass whose count falls to 0 is dead —
  // nothing outside the engine ever saw it — and goes back to the pool (tensor/buffer-pool.ts).
  private readonly refs = new Map<ArrayBufferLike, number>();

  constructor(root: Tensor, seed: Tensor, private readonly isBorn: (buf: ArrayBufferLike) => boolean) {
    this.grads = new Map<Tensor, Tensor>([[root, seed]]);
    this.hold(seed);
  }

  run(order: readonly Tensor[]): void {
    const { grads } = this;
    for (const t of order) {
      const g = grads.get(t);
      grads.delete(t);
      const node = t.gradFn;
      if (node === null) {
        if (g !== undefined) {
          accumulateLeaf(t, g);
          this.release(g);
        }
        continue;
      }
      if (node.backward === null) {
        throw new AtrousError('bad_argument', `backward: the graph through ${node.op} was already used by a backward pass; recompute the forward`);
      }
      if (g === undefined) continue; // no path from root carries a gradient here
      const inputGrads = node.backward(g);
      const inputs = node.inputs;
      node.backward = null;
      node.inputs = [];
      const handed: Tensor[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        const gx = inputGrads[i];
        if (!x.requiresGrad || gx === null || gx === undefined) continue;
        checkGrad(node.op, x, gx);
        this.hold(gx);
        handed.push(gx);
        this.accumulate(x, gx);
      }
      this.release(g);
      for (const gx of handed) this.release(gx);
    }
  }

  /** Adds gx to the gradient summed so far for x. */
  private accumulate(x: Tensor, gx: Tensor): void {
    const prev = this.grads.get(x);
    if (prev === undefined) {
      this.grads.set(x, gx);
      this.hold(gx);
    } else if (this.owned.has(prev)) {
      addInto(prev, gx);
    } else {
      const sum = added(prev, gx);
      this.owned.add(sum);
      this.grads.set(x, sum);
      this.hold(sum);
      this.release(prev);
    }
  }

  private hold(t: Tensor): void {
    const buf = t.data.buffer;
    this.refs.set(buf, (this.refs.get(buf) ?? 0) + 1);
  }

  private release(t: Tensor): void {
    const buf = t.data.buffer;
    const n = (this.refs.get(buf) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(buf, n);
      return;
    }
    this.refs.delete(buf);
    if (this.isBorn(buf)) recycle(buf);
  }
}

/** Tensors reachable from `root` through gradFn links, each after every tensor that uses it. */
function topoOrder(root: Tensor): Tensor[] {
  const post: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // Iterative DFS: deep nets (hundreds of layers × several ops) would overflow a recursive one.
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.gradFn?.inputs ?? [];
    if (top.next < inputs.length) {
      const x = inputs[top.next++];
      if (x.requiresGrad && !seen.has(x)) {
        seen.add(x);
        stack.push({ t: x, next: 0 });
      }
    } else {
      post.push(top.t);
      stack.pop();
    }
  }
  return post.reverse();
}

function checkGrad(op: string, x: Tensor, g: Tensor): void {
  if (!(g instanceof Tensor) || g.shape.length !== x.shape.length || g.shape.some((n, i) => n !== x.shape[i])) {
    throw new AtrousError('bad_tensor', `${op}: gradient ${g instanceof Tensor ? fmtShape(g.shape) : String(g)} does not match the tensor ${fmtShape(x.shape)}`);
  }
  if (g.dtype !== x.dtype) throw new AtrousError('bad_tensor', `${op}: gradient is ${g.dtype} but the tensor is ${x.dtype}`);
}

function copy(t: Tensor): Tensor {
  return new Tensor(t.data.slice(), t.shape);
}

/** a + b in a new tensor: one pass, where copying a and then adding b would take two. */
function added(a: Tensor, b: Tensor): Tensor {
  const out = uninitialized(a.shape, a.dtype); // pooled memory the engine can recycle; sumInto writes every element
  sumInto(a, b, out);
  return out;
}

/** a += b, in place on a. */
function addInto(a: Tensor, b: Tensor): Tensor {
  sumInto(a, b, a);
  return a;
}

/** out = a + b elementwise (out may be a): native for float32 where the native backend runs. */
function sumInto(a: Tensor, b: Tensor, out: Tensor): void {
  const od = out.data;
  const ad = a.data;
  const bd = b.data;
  const native = od instanceof Float32Array ? nativePointwise() : null;
  if (native) native.add(ad as Float32Array, bd as Float32Array, od as Float32Array, getThreads());
  else for (let i = 0; i < od.length; i++) od[i] = ad[i] + bd[i];
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  // Copy on first write: a rule may hand back a tensor that aliases another one (reshape, identity).
  if (leaf.grad === null) leaf.grad = copy(g);
  else addInto(leaf.grad, g);
}
