import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import { broadcastTo, expectTensor, forEachRow, planBroadcast, sumToShape } from './broadcast.js';
import { div, mul, sub } from './elementwise.js';

/** Which axes to reduce: one axis, several, or (omitted) all of them. Negative axes count from the end. */
export type Axes = number | readonly number[];

/**
 * Normalizes `axis` against a rank: sorted, non-negative, unique. Omitted means every axis. A 0-d
 * tensor accepts axis 0 or −1 (as PyTorch) and reduces nothing.
 */
export function normalizeAxes(op: string, shape: readonly number[], axis: Axes | undefined): number[] {
  const rank = shape.length;
  if (axis === undefined) return shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list) || list.length === 0) {
    throw new AtrousError('bad_argument', `${op}: axis must be a number or a non-empty array of numbers (omit it to reduce every axis), got ${JSON.stringify(axis)}`);
  }
  const span = Math.max(rank, 1);
  const out: number[] = [];
  for (const a of list) {
    if (!Number.isInteger(a)) throw new AtrousError('not_integer', `${op}: axis ${String(a)} is not an integer`);
    if (a < -span || a >= span) throw new AtrousError('bad_argument', `${op}: axis ${a} is out of range for ${fmtShape(shape)} (rank ${rank})`);
    const n = a < 0 ? a + span : a;
    if (out.includes(n)) throw new AtrousError('bad_argument', `${op}: axis ${a} is listed twice (axes ${JSON.stringify(axis)})`);
    out.push(n);
  }
  return out.filter((n) => n < rank).sort((p, q) => p - q);
}

/** The reduced shape with kept size-1 axes, and the result's shape under `keepdim`. */
function reducedShapes(shape: readonly number[], axes: readonly number[], keepdim: boolean): { kept: number[]; out: number[] } {
  const kept = shape.map((n, i) => (axes.includes(i) ? 1 : n));
  return { kept, out: keepdim ? kept : shape.filter((_, i) => !axes.includes(i)) };
}

/**
 * Sum over `axis` (one, several, or all when omitted), as `torch.sum`. Accumulates in float64.
 * @example sum(x) // shape []; sum(x, [2, 3], true) // [N, C, 1, 1]
 */
export function sum(x: Tensor, axis?: Axes, keepdim = false): Tensor {
  expectTensor('sum', 'x', x);
  const axes = normalizeAxes('sum', x.shape, axis);
  const { kept, out } = reducedShapes(x.shape, axes, keepdim);
  const s = sumToShape(x.detach(), kept);
  // With nothing to sum, sumToShape hands back x's own data; the result must not alias its input.
  const y = new Tensor(s.data === x.data ? x.data.slice() : s.data, out);
  const from = x.shape;
  return record('sum', y, [x], (g) => [broadcastTo(new Tensor(g.data, kept), from)]);
}

/**
 * Mean over `axis` (one, several, or all when omitted), as `torch.mean`; NaN over an empty axis.
 * @example mean(x, -1); mean(x) // shape []
 */
export function mean(x: Tensor, axis?: Axes, keepdim = false): Tensor {
  expectTensor('mean', 'x', x);
  const axes = normalizeAxes('mean', x.shape, axis);
  const { kept, out } = reducedShapes(x.shape, axes, keepdim);
  const count = axes.reduce((p, a) => p * x.shape[a], 1);
  const s = sumToShape(x.detach(), kept);
  const y = zeros(out, x.dtype);
  for (let i = 0; i < y.size; i++) y.data[i] = s.data[i] / count;
  const from = x.shape;
  return record('mean', y, [x], (g) => [div(broadcastTo(new Tensor(g.data, kept), from), count)]);
}

/**
 * Finds the largest value of each reduced group and where it is. Groups are walked in row-major
 * order with a strict `>`, so the first maximum wins a tie; a NaN wins over numbers (as PyTorch).
 */
function maxScan(op: string, x: Tensor, axes: readonly number[], kept: readonly number[]): { best: Float64Array; at: Int32Array } {
  const groups = kept.reduce((p, n) => p * n, 1);
  if (x.size === 0 && groups > 0) {
    throw new AtrousError('empty_output', `${op}: cannot reduce over an empty axis of ${fmtShape(x.shape)} (axes ${JSON.stringify(axes)})`);
  }
  const best = new Float64Array(groups);
  const at = new Int32Array(groups).fill(-1);
  const xd = x.data;
  const plan = planBroadcast(kept, x.shape, x.shape);
  const n = plan.dims[plan.dims.length - 1];
  const sr = plan.aStrides[plan.aStrides.length - 1];
  forEachRow(plan, (o, r) => {
    for (let i = 0; i < n; i++, r += sr) {
      const v = xd[o + i];
      const b = best[r];
      if (at[r] < 0 || v > b || (v !== v && b === b)) {
        best[r] = v;
        at[r] = o + i;
      }
    }
  });
  return { best, at };
}

/**
 * Largest value over `axis` (one, several, or all when omitted), as `torch.amax` / the values of
 * `torch.max(x, dim)`. The gradient goes to the first maximum in row-major order on ties (PyTorch's
 * `max(dim)` does the same; its `amax` would split ties evenly). Empty groups are an error.
 * @example max(logits, 1) // [N, C] → [N]
 */
export function max(x: Tensor, axis?: Axes, keepdim = false): Tensor {
  expectTensor('max', 'x', x);
  const axes = normalizeAxes('max', x.shape, axis);
  const { kept, out } = reducedShapes(x.shape, axes, keepdim);
  const { best, at } = maxScan('max', x, axes, kept);
  const y = zeros(out, x.dtype);
  y.data.set(best);
  return record('max', y, [x], (g) => {
    const dx = zeros(x.shape, x.dtype);
    for (let r = 0; r < at.length; r++) dx.data[at[r]] += g.data[r];
    return [dx];
  });
}

/**
 * Index of the largest value along one axis, as `torch.argmax` (first index on ties; a NaN counts as
 * largest). Not differentiable. Returns a tensor of x's dtype holding integer indices (exact up to
 * 2²⁴ in float32), so it composes with the other ops (e.g. comparing with labels). With `axis`
 * omitted the index is into the flattened tensor and the shape is [].
 * @example argmax(logits, 1) // [N, C, H, W] → [N, H, W] predicted classes
 */
export function argmax(x: Tensor, axis?: number, keepdim = false): Tensor {
  expectTensor('argmax', 'x', x);
  if (axis !== undefined && typeof axis !== 'number') {
    throw new AtrousError('bad_argument', `argmax: axis must be one number (or omitted), got ${JSON.stringify(axis)}`);
  }
  const axes = normalizeAxes('argmax', x.shape, axis);
  const { kept, out } = reducedShapes(x.shape, axes, axis === undefined ? false : keepdim);
  const { at } = maxScan('argmax', x, axes, kept);
  const y = zeros(out, x.dtype);
  if (axis === undefined || axes.length === 0) {
    for (let r = 0; r < at.length; r++) y.data[r] = axis === undefined ? at[r] : 0;
  } else {
    const a = axes[0];
    const stride = x.shape.slice(a + 1).reduce((p, n) => p * n, 1);
    for (let r = 0; r < at.length; r++) y.data[r] = Math.floor(at[r] / stride) % x.shape[a];
  }
  return y;
}

/** Options of `variance`. */
export interface VarianceOptions {
  /** Divide by n − 1 (Bessel's correction, PyTorch's default) rather than n. Default true. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/**
 * Variance over `axis` (one, several, or all when omitted), as `torch.var`: two passes (mean, then
 * squared deviations) for accuracy.
 * With one value per group and `unbiased`, the result is NaN (0/0), as PyTorch.
 * @example variance(x, [0, 2, 3], { unbiased: false, keepdim: true }) // batch-norm statistics
 */
export function variance(x: Tensor, axis?: Axes, opts: VarianceOptions = {}): Tensor {
  expectTensor('variance', 'x', x);
  const axes = normalizeAxes('variance', x.shape, axis);
  const count = axes.reduce((p, a) => p * x.shape[a], 1);
  const d = sub(x, mean(x, axis, true));
  return div(sum(mul(d, d), axis, opts.keepdim ?? false), count - ((opts.unbiased ?? true) ? 1 : 0));
}
