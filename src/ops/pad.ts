import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor, sizeOf } from './op-args.js';

/**
 * Constant padding as `torch.nn.functional.pad(x, pads, mode='constant', value)`: `pads` lists
 * `[before, after]` pairs starting from the LAST axis, `[left, right, top, bottom, front, back]`,
 * and may cover fewer axes than `x` has. A negative amount crops that side, as in PyTorch.
 * Differentiable in `x`: the gradient is the output gradient cropped back (the same pad negated).
 * @example pad(x, [1, 1, 2, 0]) // x [N, C, H, W] → [N, C, H + 2, W + 2], zeros above and at the sides
 * @example pad(x, [-1, 0])      // drops the first column
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  checkTensor('pad', 'x', x);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length > 2 * x.rank) {
    throw new AtrousError(
      'wrong_length',
      `pad: pads ${Array.isArray(pads) ? `[${pads.join(',')}]` : String(pads)} must hold an even number of values, at most 2 per axis of ${fmtShape(x.shape)}`,
    );
  }
  for (const p of pads) {
    if (typeof p !== 'number' || !Number.isInteger(p)) throw new AtrousError('not_integer', `pad: pads [${pads.join(',')}] must be integers`);
  }
  if (typeof value !== 'number') throw new AtrousError('bad_argument', `pad: value must be a number, got ${String(value)}`);
  // before[a], after[a] per axis a, in natural axis order.
  const before = new Array<number>(x.rank).fill(0);
  const after = new Array<number>(x.rank).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const a = x.rank - 1 - i;
    before[a] = pads[2 * i];
    after[a] = pads[2 * i + 1];
  }
  const shape = x.shape.map((n, a) => n + before[a] + after[a]);
  shape.forEach((n, a) => {
    if (n < 0) {
      throw new AtrousError(
        'empty_output',
        `pad: axis ${a} of ${fmtShape(x.shape)} has length ${x.shape[a]}; padding ${before[a]} and ${after[a]} leaves ${n}`,
      );
    }
  });
  const out = padRaw(x, shape, before, value);
  const inverse = before.map((b) => -b);
  const xShape = x.shape;
  return record('pad', out, [x], (g) => [padRaw(g, xShape, inverse, 0)]);
}

/**
 * A `shape`-sized tensor filled with `value`, with `x` written at offset `before` (negative
 * offsets crop). Copies the overlap one innermost run at a time.
 */
function padRaw(x: Tensor, shape: readonly number[], before: readonly number[], value: number): Tensor {
  const r = x.rank;
  const out = new Tensor(buffer(x, sizeOf(shape)), shape);
  if (value !== 0) out.data.fill(value);
  // Per axis: the input range [lo, lo + count) lands at output start lo + before.
  const lo = x.shape.map((_, a) => Math.max(0, -before[a]));
  const count = x.shape.map((n, a) => Math.min(n, shape[a] - before[a]) - lo[a]);
  if (count.some((c) => c <= 0) || out.size === 0) return out;
  if (r === 0) {
    out.data[0] = x.data[0];
    return out;
  }
  const xs = x.strides;
  const os = out.strides;
  const run = count[r - 1];
  const idx = new Array<number>(r).fill(0);
  const src = x.data;
  const dst = out.data;
  const rows = sizeOf(count, 0, r - 1);
  for (let row = 0; row < rows; row++) {
    let s = lo[r - 1];
    let d = lo[r - 1] + before[r - 1];
    for (let a = 0; a < r - 1; a++) {
      s += (lo[a] + idx[a]) * xs[a];
      d += (lo[a] + idx[a] + before[a]) * os[a];
    }
    for (let j = 0; j < run; j++) dst[d + j] = src[s + j];
    for (let a = r - 2; a >= 0; a--) {
      if (++idx[a] < count[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}
