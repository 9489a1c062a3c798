import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor, sizeOf } from './op-args.js';

/**
 * Pooling to a chosen output size, and over all spatial axes (the heads of classifiers and of
 * dilated context modules). Companion of pooling.ts.
 */

/**
 * Average pooling to a fixed output size, as `torch.nn.functional.adaptive_avg_pool2d(x, size)`:
 * output cell `o` of an axis averages input `floor(o·in/out) .. ceil((o+1)·in/out) − 1`. x
 * `[N, C, H, W]` or `[C, H, W]`; `outSize` is one number for both axes or `[h, w]`, where `null`
 * keeps that axis's input size. Differentiable.
 * @example adaptiveAvgPool2d(x, 1)        // [N, C, H, W] → [N, C, 1, 1]
 * @example adaptiveAvgPool2d(x, [3, null]) // [N, C, 10, 7] → [N, C, 3, 7]
 */
export function adaptiveAvgPool2d(x: Tensor, outSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkTensor(op, 'x', x);
  if (x.rank !== 3 && x.rank !== 4) {
    throw new AtrousError('rank_mismatch', `${op}: expected x of shape [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  }
  const inH = x.shape[x.rank - 2];
  const inW = x.shape[x.rank - 1];
  if (inH === 0 || inW === 0) throw new AtrousError('empty_output', `${op}: x ${fmtShape(x.shape)} has an empty spatial axis`);
  const given = typeof outSize === 'number' ? [outSize, outSize] : Array.isArray(outSize) ? [...outSize] : [];
  if (given.length !== 2) {
    throw new AtrousError('wrong_length', `${op}: outSize must be a number or [h, w], got ${Array.isArray(outSize) ? `[${outSize.join(',')}]` : String(outSize)}`);
  }
  const [outH, outW] = given.map((v, i) => {
    if (v === null) return i === 0 ? inH : inW;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new AtrousError('not_integer', `${op}: outSize must hold integers or null, got ${String(v)}`);
    if (v < 1) throw new AtrousError('non_positive', `${op}: outSize must be positive, got ${v}`);
    return v;
  });
  const H = adaptiveAxis(inH, outH);
  const W = adaptiveAxis(inW, outW);
  const planes = sizeOf(x.shape, 0, x.rank - 2);
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const out = new Tensor(buffer(x, planes * outPlane), [...x.shape.slice(0, x.rank - 2), outH, outW]);
  const xd = x.data;
  const od = out.data;
  for (let c = 0; c < planes; c++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let sum = 0;
        for (let h = H.start[oh]; h < H.end[oh]; h++) {
          for (let w = W.start[ow], r = c * inPlane + h * inW; w < W.end[ow]; w++) sum += xd[r + w];
        }
        od[c * outPlane + oh * outW + ow] = sum / ((H.end[oh] - H.start[oh]) * (W.end[ow] - W.start[ow]));
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
        for (let ow = 0; ow < outW; ow++) {
          const v = gd[c * outPlane + oh * outW + ow] / ((H.end[oh] - H.start[oh]) * (W.end[ow] - W.start[ow]));
          for (let h = H.start[oh]; h < H.end[oh]; h++) {
            for (let w = W.start[ow], r = c * inPlane + h * inW; w < W.end[ow]; w++) dd[r + w] += v;
          }
        }
      }
    }
    return [dx];
  });
}

/** PyTorch's adaptive windows along one axis: [floor(o·in/out), ceil((o+1)·in/out)). */
function adaptiveAxis(inN: number, outN: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(outN);
  const end = new Int32Array(outN);
  for (let o = 0; o < outN; o++) {
    start[o] = Math.floor((o * inN) / outN);
    end[o] = Math.ceil(((o + 1) * inN) / outN);
  }
  return { start, end };
}

function checkGlobal(op: string, x: Tensor): { planes: number; spatial: number } {
  checkTensor(op, 'x', x);
  if (x.rank < 3) throw new AtrousError('rank_mismatch', `${op}: expected x of shape [N, C, ...spatial] with at least one spatial axis, got ${fmtShape(x.shape)}`);
  const spatial = sizeOf(x.shape, 2);
  if (spatial === 0) throw new AtrousError('empty_output', `${op}: x ${fmtShape(x.shape)} has an empty spatial axis`);
  return { planes: x.shape[0] * x.shape[1], spatial };
}

/**
 * Mean over every spatial axis: `[N, C, ...]` → `[N, C]`, as `adaptive_avg_pool2d(x, 1).flatten(1)`
 * (or `x.mean(dim=(2, 3, ...))`) in PyTorch. Differentiable.
 * @example globalAvgPool(zeros([8, 64, 7, 7])).shape // [8, 64]
 */
export function globalAvgPool(x: Tensor): Tensor {
  const { planes, spatial } = checkGlobal('globalAvgPool', x);
  const out = new Tensor(buffer(x, planes), [x.shape[0], x.shape[1]]);
  const xd = x.data;
  for (let c = 0; c < planes; c++) {
    let sum = 0;
    for (let i = c * spatial, end = i + spatial; i < end; i++) sum += xd[i];
    out.data[c] = sum / spatial;
  }
  const xShape = x.shape;
  return record('globalAvgPool', out, [x], (g) => {
    const dx = new Tensor(buffer(g, planes * spatial), xShape);
    for (let c = 0; c < planes; c++) dx.data.fill(g.data[c] / spatial, c * spatial, (c + 1) * spatial);
    return [dx];
  });
}

/**
 * Maximum over every spatial axis: `[N, C, ...]` → `[N, C]`, as `adaptive_max_pool2d(x, 1).flatten(1)`
 * (or `x.amax(dim=(2, 3, ...))`) in PyTorch. Differentiable: the gradient goes to the first maximum.
 * @example globalMaxPool(zeros([8, 64, 100])).shape // [8, 64]
 */
export function globalMaxPool(x: Tensor): Tensor {
  const { planes, spatial } = checkGlobal('globalMaxPool', x);
  const out = new Tensor(buffer(x, planes), [x.shape[0], x.shape[1]]);
  const arg = new Int32Array(planes);
  const xd = x.data;
  for (let c = 0; c < planes; c++) {
    const base = c * spatial;
    let best = xd[base];
    let at = 0;
    for (let i = 1; i < spatial; i++) {
      const v = xd[base + i];
      // First maximum on ties; NaN wins and propagates, as in PyTorch.
      if (v > best || (v !== v && best === best)) {
        best = v;
        at = i;
      }
    }
    out.data[c] = best;
    arg[c] = at;
  }
  const xShape = x.shape;
  return record('globalMaxPool', out, [x], (g) => {
    const dx = new Tensor(buffer(g, planes * spatial), xShape);
    for (let c = 0; c < planes; c++) dx.data[c * spatial + arg[c]] = g.data[c];
    return [dx];
  });
}
