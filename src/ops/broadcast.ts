import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, zeros } from '../tensor/tensor.js';

/**
 * The shape two operands broadcast to, with NumPy/PyTorch rules: align trailing axes; each pair of
 * sizes must be equal or one of them 1 (a missing leading axis counts as 1). As
 * `torch.broadcast_shapes`; `op` names the caller in the error.
 * @example broadcastShapes([2, 1, 3], [4, 1]) // [2, 4, 3]
 */
export function broadcastShapes(a: readonly number[], b: readonly number[], op = 'broadcastShapes'): number[] {
  checkShape(op, a);
  checkShape(op, b);
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new AtrousError('bad_argument', `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast: axis ${i - rank} has sizes ${da} and ${db} (each pair must match or one be 1)`);
    }
  }
  return out;
}

function checkShape(op: string, s: readonly number[]): void {
  if (!Array.isArray(s) || s.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new AtrousError('bad_argument', `${op}: ${JSON.stringify(s)} is not a shape (an array of non-negative integers)`);
  }
}

/** Whether two shapes are identical (same rank, same sizes). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * How to walk an output of `size` elements in row-major order while reading two operands that
 * broadcast to it. Axes are coalesced where both operands stay contiguous (or both stay broadcast),
 * so `[N,C,H,W] + [1,C,1,1]` walks three axes `[N, C, H·W]` with inner rows of H·W.
 * Strides are in elements of each operand; 0 marks a broadcast axis.
 */
export interface BroadcastPlan {
  readonly size: number;
  /** Coalesced axis sizes, outermost first; the last is the row length. */
  readonly dims: readonly number[];
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

function contiguousStrides(shape: readonly number[], rank: number): number[] {
  // Strides of `shape` right-aligned in `rank` axes; broadcast (size-1 or missing) axes get 0.
  const st = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[rank - shape.length + i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return st;
}

/** Plans the walk of `out` (already known to be the broadcast of `a` and `b`). */
export function planBroadcast(a: readonly number[], b: readonly number[], out: readonly number[]): BroadcastPlan {
  const rank = out.length;
  const as = contiguousStrides(a, rank);
  const bs = contiguousStrides(b, rank);
  const dims: number[] = [];
  const aStrides: number[] = [];
  const bStrides: number[] = [];
  let size = 1;
  for (let d = 0; d < rank; d++) {
    const n = out[d];
    size *= n;
    if (n === 1) continue;
    const last = dims.length - 1;
    // The outer axis folds into this one when stepping it once equals stepping this one n times.
    if (last >= 0 && aStrides[last] === as[d] * n && bStrides[last] === bs[d] * n) {
      dims[last] *= n;
      aStrides[last] = as[d];
      bStrides[last] = bs[d];
    } else {
      dims.push(n);
      aStrides.push(as[d]);
      bStrides.push(bs[d]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    aStrides.push(0);
    bStrides.push(0);
  }
  return { size, dims, aStrides, bStrides };
}

/**
 * Calls `visit(outOffset, aOffset, bOffset)` once per row of the plan (not per element): the
 * caller's loop then runs `dims[last]` elements with the inner strides.
 */
export function forEachRow(plan: BroadcastPlan, visit: (o: number, a: number, b: number) => void): void {
  const { dims, aStrides, bStrides } = plan;
  if (plan.size === 0) return;
  const inner = dims.length - 1;
  const n = dims[inner];
  const rows = plan.size / n;
  const idx = new Int32Array(inner);
  let a = 0;
  let b = 0;
  for (let row = 0, o = 0; row < rows; row++, o += n) {
    visit(o, a, b);
    // Odometer over the outer axes, moving each operand's offset incrementally.
    for (let d = inner - 1; d >= 0; d--) {
      a += aStrides[d];
      b += bStrides[d];
      if (++idx[d] < dims[d]) break;
      a -= aStrides[d] * dims[d];
      b -= bStrides[d] * dims[d];
      idx[d] = 0;
    }
  }
}

function checkTarget(op: string, from: Tensor, shape: readonly number[], reducing: boolean): void {
  if (!(from instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: expected a Tensor, got ${describe(from)}`);
  checkShape(op, shape);
  const small = reducing ? shape : from.shape;
  const big = reducing ? from.shape : shape;
  let ok = small.length <= big.length;
  for (let i = 1; ok && i <= small.length; i++) {
    const s = small[small.length - i];
    ok = s === 1 || s === big[big.length - i];
  }
  if (!ok) {
    throw new AtrousError('bad_argument', reducing
      ? `${op}: a gradient ${fmtShape(from.shape)} cannot be summed to ${fmtShape(shape)} (that shape does not broadcast to it)`
      : `${op}: ${fmtShape(from.shape)} does not broadcast to ${fmtShape(shape)}`);
  }
}

/** Sums `g` over its broadcast axes into a fresh array of `shape`'s size, accumulating in float64. */
function sumInto(g: Tensor, shape: readonly number[]): Tensor {
  const out = zeros(shape, g.dtype);
  const acc = g.dtype === 'float64' ? (out.data as Float64Array) : new Float64Array(out.size);
  const gd = g.data;
  const plan = planBroadcast(shape, g.shape, g.shape);
  const n = plan.dims[plan.dims.length - 1];
  const sa = plan.aStrides[plan.aStrides.length - 1];
  forEachRow(plan, (o, a) => {
    if (sa === 0) {
      let s = 0;
      for (let i = 0; i < n; i++) s += gd[o + i];
      acc[a] += s;
    } else {
      for (let i = 0; i < n; i++) acc[a + i] += gd[o + i];
    }
  });
  if (acc !== out.data) out.data.set(acc);
  return out;
}

/**
 * Reduces a gradient `g` of a broadcast result back to the shape of the input that was broadcast,
 * by summing over the axes broadcasting added or stretched (PyTorch's `sum_to_size`). Returns `g`
 * itself (or a view) when nothing needs summing. Differentiable: its backward is `broadcastTo`.
 * @example sumToShape(ones([2, 4, 3]), [4, 1]) // [4, 1] filled with 6
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  checkTarget('sumToShape', g, shape, true);
  if (sameShape(g.shape, shape)) return g;
  const from = g.shape;
  const out = g.size === shape.reduce((p, n) => p * n, 1) ? new Tensor(g.data, shape) : sumInto(g, shape);
  return record('sumToShape', out, [g], (gg) => [broadcastTo(gg, from)]);
}

/**
 * A copy of `x` repeated along broadcast axes to `shape` (PyTorch's `expand`, materialized).
 * Differentiable: its backward is `sumToShape`.
 * @example broadcastTo(tensor([1, 2]), [3, 2]).toArray() // [[1, 2], [1, 2], [1, 2]]
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTarget('broadcastTo', x, shape, false);
  if (sameShape(x.shape, shape)) return x;
  const from = x.shape;
  let out: Tensor;
  if (x.size === shape.reduce((p, n) => p * n, 1)) {
    out = new Tensor(x.data, shape);
  } else {
    out = zeros(shape, x.dtype);
    const od = out.data;
    const xd = x.data;
    const plan = planBroadcast(from, shape, shape);
    const n = plan.dims[plan.dims.length - 1];
    const sa = plan.aStrides[plan.aStrides.length - 1];
    forEachRow(plan, (o, a) => {
      if (sa === 0) od.fill(xd[a], o, o + n);
      else od.set(xd.subarray(a, a + n), o);
    });
  }
  return record('broadcastTo', out, [x], (g) => [sumToShape(g, from)]);
}

/** A readable name for a wrong argument in an error message. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array (wrap it with tensor())';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

/** Checks that `v` is a Tensor, naming the op and the argument otherwise. */
export function expectTensor(op: string, name: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: ${name} must be a Tensor, got ${describe(v)}`);
  return v;
}

/** Checks that two tensors share a dtype (no implicit promotion, as the rest of atrous). */
export function expectSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new AtrousError('bad_tensor', `${op}: operands must share a dtype, got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)}`);
  }
}
