import { needsGrad, record } from '../autograd/node.js';
import { AtrousError } from '../errors.js';
import { getThreads, nativePointwise } from '../kernels/registry.js';
import { Tensor, type TypedData, uninitialized, zeros } from '../tensor/tensor.js';
import { broadcastShapes, describe, expectSameDtype, forEachRow, planBroadcast, sameShape, sumToShape } from './broadcast.js';
import { relu, reluGradInto, reluInto } from './unary.js';

/** A tensor, or a plain number standing for a scalar of the other operand's dtype. */
export type Operand = Tensor | number;

// Row kernels by code: one tight loop each, chosen once per row (never per element).
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const POW = 4;
const MAX = 5;
const MIN = 6;
/** 1 where a > b, 0.5 on ties (PyTorch splits a tie's gradient evenly), else 0. */
const GT_HALF = 7;
/** a · (1 − b): the other side of a GT_HALF mask. */
const MUL_COMPLEMENT = 8;
/** d(x^y)/dx = y·x^(y−1), and 0 where y = 0 (as PyTorch, so 0^0 has gradient 0, not NaN). */
const POW_DX = 9;
/** d(x^y)/dy = x^y·log x given a = x^y, b = x; 0 where x = 0 and x^y is finite (y ≥ 0), as PyTorch. */
const POW_DY = 10;

function row(code: number, od: TypedData, o: number, ad: TypedData, a: number, sa: number, bd: TypedData, b: number, sb: number, n: number): void {
  const end = o + n;
  switch (code) {
    case ADD: for (; o < end; o++, a += sa, b += sb) od[o] = ad[a] + bd[b]; return;
    case SUB: for (; o < end; o++, a += sa, b += sb) od[o] = ad[a] - bd[b]; return;
    case MUL: for (; o < end; o++, a += sa, b += sb) od[o] = ad[a] * bd[b]; return;
    case DIV: for (; o < end; o++, a += sa, b += sb) od[o] = ad[a] / bd[b]; return;
    case POW: for (; o < end; o++, a += sa, b += sb) od[o] = ad[a] ** bd[b]; return;
    // NaN propagates from either side, as torch.maximum/minimum.
    case MAX: for (; o < end; o++, a += sa, b += sb) { const x = ad[a]; const y = bd[b]; od[o] = x > y || x !== x ? x : y; } return;
    case MIN: for (; o < end; o++, a += sa, b += sb) { const x = ad[a]; const y = bd[b]; od[o] = x < y || x !== x ? x : y; } return;
    case GT_HALF: for (; o < end; o++, a += sa, b += sb) { const x = ad[a]; const y = bd[b]; od[o] = x > y ? 1 : x === y ? 0.5 : 0; } return;
    case MUL_COMPLEMENT: for (; o < end; o++, a += sa, b += sb) od[o] = ad[a] * (1 - bd[b]); return;
    case POW_DX: for (; o < end; o++, a += sa, b += sb) { const y = bd[b]; od[o] = y === 0 ? 0 : y * ad[a] ** (y - 1); } return;
    case POW_DY: for (; o < end; o++, a += sa, b += sb) { const p = ad[a]; const x = bd[b]; od[o] = x === 0 && Number.isFinite(p) ? 0 : p * Math.log(x); } return;
    default: throw new Error(`elementwise: unknown kernel ${code}`);
  }
}

/** Below this many elements a native call costs more than the JS loop it replaces. */
const NATIVE_MIN = 4096;

/** out = a ⊙ b with broadcasting; a plain loop when the shapes match. */
function compute(op: string, code: number, a: Tensor, b: Tensor): Tensor {
  if (sameShape(a.shape, b.shape)) {
    const out = uninitialized(a.shape, a.dtype); // one full pass writes every element
    // Residual sums are the big same-shape adds of training: vectorised native code where it runs.
    const native = code === ADD && out.data instanceof Float32Array && out.size >= NATIVE_MIN ? nativePointwise() : null;
    if (native) native.add(a.data as Float32Array, b.data as Float32Array, out.data as Float32Array, getThreads());
    else row(code, out.data, 0, a.data, 0, 1, b.data, 0, 1, out.size);
    return out;
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = zeros(shape, a.dtype);
  const plan = planBroadcast(a.shape, b.shape, shape);
  const inner = plan.dims.length - 1;
  const n = plan.dims[inner];
  const sa = plan.aStrides[inner];
  const sb = plan.bStrides[inner];
  const od = out.data;
  const ad = a.data;
  const bd = b.data;
  forEachRow(plan, (o, ia, ib) => row(code, od, o, ad, ia, sa, bd, ib, sb, n));
  return out;
}

/** Validates the operands and turns a plain number into a 0-d tensor of the other's dtype. */
function operands(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  const at = a instanceof Tensor;
  const bt = b instanceof Tensor;
  if (at && bt) {
    expectSameDtype(op, a, b);
    return [a, b];
  }
  if (at && typeof b === 'number') return [a, scalarLike(b, a)];
  if (bt && typeof a === 'number') return [scalarLike(a, b), b];
  const bad = at || typeof a === 'number' ? b : a;
  if (!at && !bt && typeof a === 'number' && typeof b === 'number') {
    throw new AtrousError('bad_tensor', `${op}: at least one operand must be a Tensor (got two numbers)`);
  }
  throw new AtrousError('bad_tensor', `${op}: operands must be Tensors or numbers, got ${describe(bad)}`);
}

function scalarLike(v: number, like: Tensor): Tensor {
  return new Tensor(like.dtype === 'float64' ? new Float64Array([v]) : new Float32Array([v]), []);
}

/** Multiplies a fresh tensor by s in place (only for tensors this module just allocated). */
function scaleFresh(t: Tensor, s: number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] *= s;
  return t;
}

/**
 * a + b with broadcasting, as `torch.add`. Either side may be a number.
 * @example add(x, 1); add(tensor([[1], [2]]), tensor([10, 20])).toArray() // [[11, 21], [12, 22]]
 */
export function add(a: Operand, b: Operand): Tensor {
  const [x, y] = operands('add', a, b);
  return record('add', compute('add', ADD, x, y), [x, y], (g) => [
    needsGrad(x) ? sumToShape(g, x.shape) : null,
    needsGrad(y) ? sumToShape(g, y.shape) : null,
  ]);
}

/**
 * relu(a + b) as one op, for a residual block's output (a TCN's): the sum goes through ReLU in
 * place, so one array and one pass over memory fewer than add then relu, with the same values and
 * gradients (both inputs get dy masked where the output is not positive). Broadcasting or mixed
 * dtypes take the two ops.
 */
export function addRelu(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || a.dtype !== b.dtype || !sameShape(a.shape, b.shape)) return relu(add(a, b));
  const out = compute('add', ADD, a, b);
  reluInto(out.data, out.data);
  return record('addRelu', out, [a, b], (g) => {
    const d = uninitialized(g.shape, g.dtype);
    reluGradInto(g.data, out.data, d.data);
    return [needsGrad(a) ? d : null, needsGrad(b) ? d : null];
  });
}

/**
 * a − b with broadcasting, as `torch.sub`. Either side may be a number.
 * @example sub(1, p) // 1 − p
 */
export function sub(a: Operand, b: Operand): Tensor {
  const [x, y] = operands('sub', a, b);
  return record('sub', compute('sub', SUB, x, y), [x, y], (g) => [
    needsGrad(x) ? sumToShape(g, x.shape) : null,
    needsGrad(y) ? neg(sumToShape(g, y.shape)) : null,
  ]);
}

/**
 * a · b elementwise with broadcasting, as `torch.mul`. Either side may be a number.
 * @example mul(x, 2); mul(x, mask) // mask [N, 1, H, W] broadcast over channels
 */
export function mul(a: Operand, b: Operand): Tensor {
  const [x, y] = operands('mul', a, b);
  return record('mul', compute('mul', MUL, x, y), [x, y], (g) => [
    needsGrad(x) ? sumToShape(compute('mul', MUL, g, y), x.shape) : null,
    needsGrad(y) ? sumToShape(compute('mul', MUL, g, x), y.shape) : null,
  ]);
}

/**
 * a / b elementwise with broadcasting, as `torch.div` (true division; x/0 is ±Infinity or NaN).
 * @example div(x, 255)
 */
export function div(a: Operand, b: Operand): Tensor {
  const [x, y] = operands('div', a, b);
  const out = compute('div', DIV, x, y);
  return record('div', out, [x, y], (g) => [
    needsGrad(x) ? sumToShape(compute('div', DIV, g, y), x.shape) : null,
    // d(x/y)/dy = −(x/y)/y = −out/y.
    needsGrad(y) ? scaleFresh(sumToShape(compute('div', DIV, compute('mul', MUL, g, out), y), y.shape), -1) : null,
  ]);
}

/**
 * x^y elementwise with broadcasting, as `torch.pow`. The exponent may be a number (a fast unary
 * path) or a tensor; the base may be a number (`pow(2, x)`). The gradient with respect to a tensor
 * exponent is x^y·log x, defined only for x > 0: it is NaN for a negative base, and 0 at x = 0 when
 * y ≥ 0 (PyTorch's convention). The gradient with respect to x is y·x^(y−1), and 0 where y = 0.
 * @example pow(x, 2); pow(x, 0.5); pow(base, exponentTensor)
 */
export function pow(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === 'number') return powScalar(a, b);
  const [x, y] = operands('pow', a, b);
  const out = compute('pow', POW, x, y);
  return record('pow', out, [x, y], (g) => [
    needsGrad(x) ? sumToShape(compute('pow', MUL, g, compute('pow', POW_DX, x, y)), x.shape) : null,
    needsGrad(y) ? sumToShape(compute('pow', MUL, g, compute('pow', POW_DY, out, x)), y.shape) : null,
  ]);
}

function powScalar(x: Tensor, c: number): Tensor {
  const out = zeros(x.shape, x.dtype);
  const xd = x.data;
  const od = out.data;
  if (c === 2) for (let i = 0; i < xd.length; i++) od[i] = xd[i] * xd[i];
  else for (let i = 0; i < xd.length; i++) od[i] = xd[i] ** c;
  return record('pow', out, [x], (g) => {
    const dx = zeros(x.shape, x.dtype);
    if (c !== 0) {
      const gd = g.data;
      const d = dx.data;
      for (let i = 0; i < d.length; i++) d[i] = gd[i] * c * xd[i] ** (c - 1);
    }
    return [dx];
  });
}

/**
 * The elementwise larger value, with broadcasting, as `torch.maximum` (NaN if either is NaN).
 * On ties each side gets half the gradient, as in PyTorch.
 * @example maximum(x, 0) // ReLU by another name
 */
export function maximum(a: Operand, b: Operand): Tensor {
  const [x, y] = operands('maximum', a, b);
  return record('maximum', compute('maximum', MAX, x, y), [x, y], (g) => selectGrads(g, x, y, compute('maximum', GT_HALF, x, y)));
}

/**
 * The elementwise smaller value, with broadcasting, as `torch.minimum` (NaN if either is NaN).
 * On ties each side gets half the gradient, as in PyTorch.
 * @example minimum(x, 6) // the top of ReLU6
 */
export function minimum(a: Operand, b: Operand): Tensor {
  const [x, y] = operands('minimum', a, b);
  return record('minimum', compute('minimum', MIN, x, y), [x, y], (g) => selectGrads(g, x, y, compute('minimum', GT_HALF, y, x)));
}

/** Gradients of a selection: `m` (output shape) is the share that went to x, 1 − m to y. */
function selectGrads(g: Tensor, x: Tensor, y: Tensor, m: Tensor): (Tensor | null)[] {
  return [
    needsGrad(x) ? sumToShape(compute('select', MUL, g, m), x.shape) : null,
    needsGrad(y) ? sumToShape(compute('select', MUL_COMPLEMENT, g, m), y.shape) : null,
  ];
}

/**
 * −x, as `torch.neg`.
 * @example neg(tensor([1, -2])).toArray() // [-1, 2]
 */
export function neg(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new AtrousError('bad_tensor', `neg: x must be a Tensor, got ${describe(x)}`);
  const out = zeros(x.shape, x.dtype);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < xd.length; i++) od[i] = -xd[i];
  return record('neg', out, [x], (g) => [neg(g)]);
}
