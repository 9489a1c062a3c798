import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { type Tensor, type TypedData, zeros } from '../tensor/tensor.js';
import { expectTensor } from './broadcast.js';

/**
 * x viewed as [outer, n, inner] around `axis`: element (o, c, j) sits at (o·n + c)·inner + j.
 * A softmax over a channel axis (axis 1 of [N, C, H, W]) walks inner = H·W contiguous values per
 * class, so every pass below streams memory in order.
 */
export interface AxisView {
  outer: number;
  n: number;
  inner: number;
}

/** Splits `shape` around one axis (negative counts from the end). */
export function axisView(op: string, shape: readonly number[], axis: number): AxisView {
  const rank = shape.length;
  if (!Number.isInteger(axis)) throw new AtrousError('not_integer', `${op}: axis ${String(axis)} is not an integer`);
  if (rank === 0 || axis < -rank || axis >= rank) {
    throw new AtrousError('bad_argument', `${op}: axis ${axis} is out of range for ${fmtShape(shape)} (rank ${rank})`);
  }
  const a = axis < 0 ? axis + rank : axis;
  const prod = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);
  return { outer: prod(shape.slice(0, a)), n: shape[a], inner: prod(shape.slice(a + 1)) };
}

/**
 * For each (o, j): m = max over c, s = Σ exp(x − m); writes y = exp(x − m)/s, or x − m − log s for
 * the log form. Subtracting the max keeps exp ≤ 1, so no overflow for any finite input.
 */
function forward(xd: TypedData, yd: TypedData, v: AxisView, logForm: boolean): void {
  const { outer, n, inner } = v;
  if (inner === 1) {
    forwardRows(xd, yd, outer, n, logForm);
    return;
  }
  const m = new Float64Array(inner);
  const s = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    m.fill(-Infinity);
    s.fill(0);
    for (let c = 0; c < n; c++) {
      const p = base + c * inner;
      for (let j = 0; j < inner; j++) {
        const x = xd[p + j];
        // A NaN becomes the "max", so the whole slice turns NaN, as PyTorch.
        if (x > m[j] || x !== x) m[j] = x;
      }
    }
    for (let c = 0; c < n; c++) {
      const p = base + c * inner;
      for (let j = 0; j < inner; j++) {
        const e = Math.exp(xd[p + j] - m[j]);
        s[j] += e;
        if (!logForm) yd[p + j] = e;
      }
    }
    if (logForm) {
      for (let j = 0; j < inner; j++) s[j] = m[j] + Math.log(s[j]);
      for (let c = 0; c < n; c++) {
        const p = base + c * inner;
        for (let j = 0; j < inner; j++) yd[p + j] = xd[p + j] - s[j];
      }
    } else {
      for (let j = 0; j < inner; j++) s[j] = 1 / s[j];
      for (let c = 0; c < n; c++) {
        const p = base + c * inner;
        for (let j = 0; j < inner; j++) yd[p + j] *= s[j];
      }
    }
  }
}

/** The same for contiguous rows (the last axis), without the per-position arrays. */
function forwardRows(xd: TypedData, yd: TypedData, rows: number, n: number, logForm: boolean): void {
  for (let r = 0, p = 0; r < rows; r++, p += n) {
    let m = -Infinity;
    for (let c = p; c < p + n; c++) if (xd[c] > m || xd[c] !== xd[c]) m = xd[c];
    let s = 0;
    if (logForm) {
      for (let c = p; c < p + n; c++) s += Math.exp(xd[c] - m);
      const shift = m + Math.log(s);
      for (let c = p; c < p + n; c++) yd[c] = xd[c] - shift;
    } else {
      for (let c = p; c < p + n; c++) {
        const e = Math.exp(xd[c] - m);
        s += e;
        yd[c] = e;
      }
      const k = 1 / s;
      for (let c = p; c < p + n; c++) yd[c] *= k;
    }
  }
}

/**
 * dx from the output y alone: softmax dx = y·(g − Σ g·y); log-softmax dx = g − exp(y)·Σ g.
 */
function backward(gd: TypedData, yd: TypedData, dd: TypedData, v: AxisView, logForm: boolean): void {
  const { outer, n, inner } = v;
  const s = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    s.fill(0);
    for (let c = 0; c < n; c++) {
      const p = base + c * inner;
      if (logForm) for (let j = 0; j < inner; j++) s[j] += gd[p + j];
      else for (let j = 0; j < inner; j++) s[j] += gd[p + j] * yd[p + j];
    }
    for (let c = 0; c < n; c++) {
      const p = base + c * inner;
      if (logForm) for (let j = 0; j < inner; j++) dd[p + j] = gd[p + j] - Math.exp(yd[p + j]) * s[j];
      else for (let j = 0; j < inner; j++) dd[p + j] = yd[p + j] * (gd[p + j] - s[j]);
    }
  }
}

function softmaxOp(op: string, x: Tensor, axis: number, logForm: boolean): Tensor {
  expectTensor(op, 'x', x);
  const v = axisView(op, x.shape, axis);
  const y = zeros(x.shape, x.dtype);
  forward(x.data, y.data, v, logForm);
  return record(op, y, [x], (g) => {
    const dx = zeros(x.shape, x.dtype);
    backward(g.data, y.data, dx.data, v, logForm);
    return [dx];
  });
}

/**
 * exp(x) / Σ exp(x) along `axis` (default −1), as `torch.softmax`; stable for any finite input.
 * @example softmax(logits, 1) // [N, C, H, W]: class probabilities per pixel
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('softmax', x, axis, false);
}

/**
 * log(softmax(x)) along `axis` (default −1), as `torch.log_softmax`, computed as x − max − log Σ
 * exp(x − max) so it stays finite where softmax would underflow to 0.
 * @example logSoftmax(logits) // [N, C]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('logSoftmax', x, axis, true);
}
