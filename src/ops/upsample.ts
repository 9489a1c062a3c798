import { record } from '../autograd/node.js';
import { AtrousError, fmtShape, fmtSizes } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor, sizeOf } from './op-args.js';

/** How big the output is: a scale per spatial axis or the sizes themselves (give exactly one). */
export interface UpsampleOptions {
  /** Output size = floor(in · scaleFactor) per axis; may be fractional, and below 1 to shrink. */
  scaleFactor?: number | readonly number[];
  /** Output spatial size, one number for every axis or one per axis. */
  size?: number | readonly number[];
}

/** Options of `upsampleBilinear2d`. */
export interface BilinearOptions extends UpsampleOptions {
  /** Map corner pixel centres onto each other (PyTorch's `align_corners`). Default false. */
  alignCorners?: boolean;
}

interface Resize {
  nd: number;
  inSizes: number[];
  outSizes: number[];
  /** The user's scale factors, or null when sizes were given (PyTorch then uses in/out). */
  scales: number[] | null;
}

function planResize(op: string, x: Tensor, ranks: readonly number[], opts: UpsampleOptions): Resize {
  checkTensor(op, 'x', x);
  if (!ranks.includes(x.rank)) {
    const want = ranks.map((r) => (r === 3 ? '[N, C, L]' : '[N, C, H, W]')).join(' or ');
    throw new AtrousError('rank_mismatch', `${op}: expected x of shape ${want}, got ${fmtShape(x.shape)}`);
  }
  const nd = x.rank - 2;
  const inSizes = x.shape.slice(2);
  const { scaleFactor, size } = opts ?? {};
  if ((scaleFactor === undefined || scaleFactor === null) === (size === undefined || size === null)) {
    throw new AtrousError('bad_argument', `${op}: give exactly one of scaleFactor and size`);
  }
  const perAxis = (what: string, v: number | readonly number[]): number[] => {
    const arr = typeof v === 'number' ? new Array<number>(nd).fill(v) : Array.isArray(v) ? [...v] : [];
    if (arr.length !== nd) {
      throw new AtrousError('wrong_length', `${op}: ${what} must be a number or ${nd} numbers for x ${fmtShape(x.shape)}, got ${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`);
    }
    return arr;
  };
  let outSizes: number[];
  let scales: number[] | null = null;
  if (size !== undefined && size !== null) {
    outSizes = perAxis('size', size);
    for (const v of outSizes) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new AtrousError('not_integer', `${op}: size must hold integers, got ${String(v)}`);
      if (v < 1) throw new AtrousError('non_positive', `${op}: size must be positive, got ${fmtSizes(outSizes)}`);
    }
  } else {
    scales = perAxis('scaleFactor', scaleFactor as number | readonly number[]);
    for (const v of scales) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new AtrousError('bad_argument', `${op}: scaleFactor must hold finite positive numbers, got ${String(v)}`);
      }
    }
    outSizes = inSizes.map((n, i) => Math.floor(n * scales![i]));
    if (outSizes.some((n) => n < 1)) {
      throw new AtrousError('empty_output', `${op}: x ${fmtShape(x.shape)} scaled by ${fmtSizes(scales)} gives output size ${fmtSizes(outSizes)}`);
    }
  }
  if (inSizes.some((n) => n === 0)) throw new AtrousError('empty_output', `${op}: x ${fmtShape(x.shape)} has an empty spatial axis`);
  return { nd, inSizes, outSizes, scales };
}

/**
 * PyTorch's 'nearest' source index along one axis (UpSample.h, nearest_idx): in float32 whatever the
 * dtype, `min(floor(dst · scale), in − 1)` with scale = 1/scaleFactor when one was given, else in/out;
 * out = in copies and out = 2·in halves the index exactly.
 */
function nearestAxis(inN: number, outN: number, scale: number | null): Int32Array {
  const idx = new Int32Array(outN);
  const f = Math.fround;
  const s = scale !== null ? f(1 / scale) : f(inN / outN);
  for (let o = 0; o < outN; o++) {
    if (outN === inN) idx[o] = o;
    else if (outN === 2 * inN) idx[o] = o >> 1;
    else idx[o] = Math.min(Math.floor(f(o * s)), inN - 1);
  }
  return idx;
}

/**
 * Nearest-neighbour resize of the last axis (x `[N, C, L]`) or last two axes (x `[N, C, H, W]`), as
 * `torch.nn.functional.interpolate(x, scale_factor | size, mode='nearest')`: output index `o` reads
 * input `floor(o · in/out)` (with a given scale factor, `floor(o / scaleFactor)`, as PyTorch).
 * Differentiable (gradients of the copies add up at their source).
 * @example upsampleNearest(x, { scaleFactor: 2 }) // [1, 8, 16, 16] → [1, 8, 32, 32]
 */
export function upsampleNearest(x: Tensor, opts: UpsampleOptions): Tensor {
  const op = 'upsampleNearest';
  const r = planResize(op, x, [3, 4], opts);
  const sc = (i: number) => (r.scales === null ? null : r.scales[i]);
  const [inH, inW] = r.nd === 1 ? [1, r.inSizes[0]] : r.inSizes;
  const [outH, outW] = r.nd === 1 ? [1, r.outSizes[0]] : r.outSizes;
  const ih = r.nd === 1 ? new Int32Array(1) : nearestAxis(inH, outH, sc(0));
  const iw = nearestAxis(inW, outW, sc(r.nd - 1));
  const planes = x.shape[0] * x.shape[1];
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const out = new Tensor(buffer(x, planes * outPlane), [x.shape[0], x.shape[1], ...r.outSizes]);
  const xd = x.data;
  const od = out.data;
  for (let c = 0; c < planes; c++) {
    for (let oh = 0; oh < outH; oh++) {
      const src = c * inPlane + ih[oh] * inW;
      const dst = c * outPlane + oh * outW;
      for (let ow = 0; ow < outW; ow++) od[dst + ow] = xd[src + iw[ow]];
    }
  }
  const xShape = x.shape;
  return record(op, out, [x], (g) => {
    const dx = new Tensor(buffer(g, sizeOf(xShape)), xShape);
    const gd = g.data;
    const dd = dx.data;
    for (let c = 0; c < planes; c++) {
      for (let oh = 0; oh < outH; oh++) {
        const src = c * inPlane + ih[oh] * inW;
        const dst = c * outPlane + oh * outW;
        for (let ow = 0; ow < outW; ow++) dd[src + iw[ow]] += gd[dst + ow];
      }
    }
    return [dx];
  });
}

/** Per output index: the two source indices and their weights. */
interface LinearAxis {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/**
 * PyTorch's linear source indices and weights along one axis (UpSample.h:
 * area_pixel_compute_scale, area_pixel_compute_source_index, guard_index_and_lambda), in the
 * tensor's precision (`round` is Math.fround for float32):
 * - alignCorners: src = o · (in − 1)/(out − 1);
 * - otherwise src = max(0, scale · (o + 0.5) − 0.5), scale = 1/scaleFactor if given, else in/out;
 * then i0 = min(floor(src), in − 1), i1 = min(i0 + 1, in − 1), w1 = clamp(src − i0, 0, 1).
 * out = in copies.
 */
function linearAxis(inN: number, outN: number, scaleFactor: number | null, alignCorners: boolean, round: (v: number) => number): LinearAxis {
  const a: LinearAxis = { i0: new Int32Array(outN), i1: new Int32Array(outN), w0: new Float64Array(outN), w1: new Float64Array(outN) };
  let scale: number;
  if (alignCorners) scale = outN > 1 ? round((inN - 1) / (outN - 1)) : 0;
  else scale = scaleFactor !== null ? round(1 / scaleFactor) : round(inN / outN);
  for (let o = 0; o < outN; o++) {
    if (outN === inN) {
      a.i0[o] = o;
      a.i1[o] = o;
      a.w0[o] = 1;
      continue;
    }
    let src = alignCorners ? round(scale * o) : round(round(scale * round(o + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const i0 = Math.min(Math.floor(src), inN - 1);
    const w1 = round(Math.min(Math.max(round(src - i0), 0), 1));
    a.i0[o] = i0;
    a.i1[o] = i0 < inN - 1 ? i0 + 1 : i0;
    a.w1[o] = w1;
    a.w0[o] = round(1 - w1);
  }
  return a;
}

/**
 * Bilinear resize of the last two axes of x `[N, C, H, W]`, exactly as
 * `torch.nn.functional.interpolate(x, scale_factor | size, mode='bilinear', align_corners)`:
 * without `alignCorners`, pixel centres map by `src = (dst + 0.5)·scale − 0.5`, clamped at 0
 * (scale = in/out, or 1/scaleFactor when a scale factor is given); with it, the corner pixels of
 * input and output coincide. Differentiable (each output's gradient is spread over its four
 * sources by the same weights).
 * @example upsampleBilinear2d(x, { size: [64, 64] })
 * @example upsampleBilinear2d(x, { scaleFactor: 2, alignCorners: true })
 */
export function upsampleBilinear2d(x: Tensor, opts: BilinearOptions): Tensor {
  const op = 'upsampleBilinear2d';
  const r = planResize(op, x, [4], opts);
  const alignCorners = opts.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new AtrousError('bad_argument', `${op}: alignCorners must be a boolean, got ${String(alignCorners)}`);
  const round = x.dtype === 'float32' ? Math.fround : (v: number) => v;
  const [inH, inW] = r.inSizes;
  const [outH, outW] = r.outSizes;
  const H = linearAxis(inH, outH, r.scales === null ? null : r.scales[0], alignCorners, round);
  const W = linearAxis(inW, outW, r.scales === null ? null : r.scales[1], alignCorners, round);
  const planes = x.shape[0] * x.shape[1];
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const out = new Tensor(buffer(x, planes * outPlane), [x.shape[0], x.shape[1], outH, outW]);
  const xd = x.data;
  const od = out.data;
  for (let c = 0; c < planes; c++) {
    for (let oh = 0; oh < outH; oh++) {
      const r0 = c * inPlane + H.i0[oh] * inW;
      const r1 = c * inPlane + H.i1[oh] * inW;
      const h0 = H.w0[oh];
      const h1 = H.w1[oh];
      const dst = c * outPlane + oh * outW;
      for (let ow = 0; ow < outW; ow++) {
        const a = W.i0[ow];
        const b = W.i1[ow];
        const w0 = W.w0[ow];
        const w1 = W.w1[ow];
        od[dst + ow] = h0 * (w0 * xd[r0 + a] + w1 * xd[r0 + b]) + h1 * (w0 * xd[r1 + a] + w1 * xd[r1 + b]);
      }
    }
  }
  const xShape = x.shape;
  return record(op, out, [x], (g) => {
    const dx = new Tensor(buffer(g, planes * inPlane), xShape);
    const gd = g.data;
    const dd = dx.data;
    for (let c = 0; c < planes; c++) {
      for (let oh = 0; oh < outH; oh++) {
        const r0 = c * inPlane + H.i0[oh] * inW;
        const r1 = c * inPlane + H.i1[oh] * inW;
        const h0 = H.w0[oh];
        const h1 = H.w1[oh];
        const src = c * outPlane + oh * outW;
        for (let ow = 0; ow < outW; ow++) {
          const v = gd[src + ow];
          const a = W.i0[ow];
          const b = W.i1[ow];
          const w0 = W.w0[ow];
          const w1 = W.w1[ow];
          dd[r0 + a] += h0 * w0 * v;
          dd[r0 + b] += h0 * w1 * v;
          dd[r1 + a] += h1 * w0 * v;
          dd[r1 + b] += h1 * w1 * v;
        }
      }
    }
    return [dx];
  });
}
