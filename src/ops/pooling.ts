import { record } from '../autograd/node.js';
import { AtrousError, fmtShape, fmtSizes } from '../errors.js';
import { convOutSize, effectiveKernelSize } from '../shape/conv-size.js';
import { nonNegativePerAxis, type PerAxis, positivePerAxis } from '../shape/params.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor } from './op-args.js';

/** Options of `maxPool1d` / `maxPool2d`: PyTorch's keyword arguments. */
export interface MaxPoolOptions {
  kernelSize: PerAxis;
  /** Default: `kernelSize`. */
  stride?: PerAxis | null;
  /** Implicit −∞ on both sides of each axis, at most half the kernel size. Default 0. */
  padding?: PerAxis;
  /** Spacing between the window's taps. Default 1. */
  dilation?: PerAxis;
  /** Round the output size up, keeping a partial last window if it starts inside the input or left padding. Default false. */
  ceilMode?: boolean;
}

/** Options of `avgPool1d` / `avgPool2d`: PyTorch's keyword arguments. */
export interface AvgPoolOptions {
  kernelSize: PerAxis;
  /** Default: `kernelSize`. */
  stride?: PerAxis | null;
  /** Implicit zeros on both sides of each axis, at most half the kernel size. Default 0. */
  padding?: PerAxis;
  /** Count padded zeros in the divisor (PyTorch's default, true), or divide by the real elements only. */
  countIncludePad?: boolean;
  ceilMode?: boolean;
}

/** Pooling geometry with 1D promoted to 2D (a unit H axis): planes = N·C, each [inH, inW]. */
interface PoolPlan {
  planes: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
  outShape: number[];
}

function planPool(op: string, nd: 1 | 2, x: Tensor, opts: MaxPoolOptions, dilation: PerAxis, ceilMode: boolean): PoolPlan {
  checkTensor(op, 'x', x);
  if (x.rank !== nd + 1 && x.rank !== nd + 2) {
    const want = nd === 1 ? '[N, C, L] or [C, L]' : '[N, C, H, W] or [C, H, W]';
    throw new AtrousError('rank_mismatch', `${op}: expected x of shape ${want}, got ${fmtShape(x.shape)}`);
  }
  if (opts === null || typeof opts !== 'object' || opts.kernelSize === undefined) {
    throw new AtrousError('bad_argument', `${op}: options must give kernelSize`);
  }
  const k = positivePerAxis(op, 'kernelSize', opts.kernelSize, nd);
  const s = opts.stride === undefined || opts.stride === null ? k : positivePerAxis(op, 'stride', opts.stride, nd);
  const p = nonNegativePerAxis(op, 'padding', opts.padding ?? 0, nd);
  const d = positivePerAxis(op, 'dilation', dilation, nd);
  if (typeof ceilMode !== 'boolean') throw new AtrousError('bad_argument', `${op}: ceilMode must be a boolean, got ${String(ceilMode)}`);
  // PyTorch's rule: pad ≤ kernel/2, so every window holds at least one real element.
  if (p.some((v, i) => v > Math.floor(k[i] / 2))) {
    throw new AtrousError('bad_argument', `${op}: padding ${fmtSizes(p)} must be at most half the kernel size ${fmtSizes(k)}`);
  }
  const spatial = x.shape.slice(x.rank - nd);
  const out = spatial.map((n, i) => {
    // Ceil mode = floor mode with stride−1 extra at the end, minus a last window that would start
    // past the input and left padding (PyTorch's pooling_output_shape).
    let o = convOutSize(n, k[i], s[i], d[i], p[i], p[i] + (ceilMode ? s[i] - 1 : 0));
    if (ceilMode && (o - 1) * s[i] >= n + p[i]) o--;
    if (o < 1) {
      throw new AtrousError(
        'empty_output',
        `${op}: input ${fmtShape(x.shape)} is too small for kernel ${fmtSizes(k)} (dilated ${fmtSizes(k.map((v, j) => effectiveKernelSize(v, d[j])))}) with padding ${fmtSizes(p)}: output size ${o}`,
      );
    }
    return o;
  });
  const lead = x.shape.slice(0, x.rank - nd);
  const two = <T>(v: T[], unit: T): [T, T] => (nd === 1 ? [unit, v[0]] : [v[0], v[1]]);
  const [inH, inW] = two(spatial, 1);
  const [outH, outW] = two(out, 1);
  return {
    planes: lead.reduce((a, b) => a * b, 1),
    inH, inW, outH, outW,
    k: two(k, 1), s: two(s, 1), p: two(p, 0), d: two(d, 1),
    outShape: [...lead, ...out],
  };
}

/**
 * Max pooling over windows of the last axis, as `torch.nn.functional.max_pool1d`: x `[N, C, L]` or
 * `[C, L]`. Padding counts as −∞; dilation spaces the taps. Differentiable: each output's gradient
 * goes to the element that won its window (the first one on ties).
 * @example maxPool1d(x, { kernelSize: 3, stride: 1, padding: 1, dilation: 2 })
 */
export function maxPool1d(x: Tensor, opts: MaxPoolOptions): Tensor {
  return maxPool('maxPool1d', 1, x, opts);
}

/**
 * Max pooling over the last two axes, as `torch.nn.functional.max_pool2d`: x `[N, C, H, W]` or
 * `[C, H, W]`. Output size per axis: `floor((in + 2p − d·(k−1) − 1) / s) + 1` (`ceil` in ceil mode).
 * @example maxPool2d(x, { kernelSize: 2 }) // [1, 8, 32, 32] → [1, 8, 16, 16]
 */
export function maxPool2d(x: Tensor, opts: MaxPoolOptions): Tensor {
  return maxPool('maxPool2d', 2, x, opts);
}

function maxPool(op: string, nd: 1 | 2, x: Tensor, opts: MaxPoolOptions): Tensor {
  const pl = planPool(op, nd, x, opts, opts?.dilation ?? 1, opts?.ceilMode ?? false);
  const { planes, inH, inW, outH, outW } = pl;
  const [kH, kW] = pl.k;
  const [sH, sW] = pl.s;
  const [pH, pW] = pl.p;
  const [dH, dW] = pl.d;
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const out = new Tensor(buffer(x, planes * outPlane), pl.outShape);
  // Winner of each window as an offset within its input plane (−1 if the window had no element).
  const arg = new Int32Array(planes * outPlane);
  const xd = x.data;
  const od = out.data;
  for (let c = 0; c < planes; c++) {
    const base = c * inPlane;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH - pH;
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * sW - pW;
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < kH; i++) {
          const h = h0 + i * dH;
          if (h < 0 || h >= inH) continue;
          for (let j = 0; j < kW; j++) {
            const w = w0 + j * dW;
            if (w < 0 || w >= inW) continue;
            const v = xd[base + h * inW + w];
            // Strictly greater keeps the first maximum; NaN wins and propagates, as in PyTorch.
            if (at < 0 || v > best || v !== v) {
              best = v;
              at = h * inW + w;
            }
          }
        }
        const o = c * outPlane + oh * outW + ow;
        od[o] = best;
        arg[o] = at;
      }
    }
  }
  const xShape = x.shape;
  return record(op, out, [x], (g) => {
    const dx = new Tensor(buffer(g, planes * inPlane), xShape);
    const gd = g.data;
    const dd = dx.data;
    for (let c = 0; c < planes; c++) {
      for (let o = c * outPlane, end = o + outPlane; o < end; o++) {
        if (arg[o] >= 0) dd[c * inPlane + arg[o]] += gd[o];
      }
    }
    return [dx];
  });
}

/**
 * Average pooling over the last axis, as `torch.nn.functional.avg_pool1d`: x `[N, C, L]` or `[C, L]`.
 * Differentiable (each output's gradient is shared evenly by its window).
 * @example avgPool1d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false })
 */
export function avgPool1d(x: Tensor, opts: AvgPoolOptions): Tensor {
  return avgPool('avgPool1d', 1, x, opts);
}

/**
 * Average pooling over the last two axes, as `torch.nn.functional.avg_pool2d`: x `[N, C, H, W]` or
 * `[C, H, W]`. With `countIncludePad` (default) the divisor is the window clipped to the padded
 * input; without it, the number of real elements.
 * @example avgPool2d(x, { kernelSize: 2 }) // [1, 8, 32, 32] → [1, 8, 16, 16]
 */
export function avgPool2d(x: Tensor, opts: AvgPoolOptions): Tensor {
  return avgPool('avgPool2d', 2, x, opts);
}

/**
 * Per output index along one axis: the clipped window [start, end) in the input and the window's
 * length clipped to the padded input (`in + pad` at the end: a ceil-mode window may run past it).
 */
function avgAxis(outN: number, inN: number, k: number, s: number, p: number): { start: Int32Array; end: Int32Array; span: Int32Array } {
  const start = new Int32Array(outN);
  const end = new Int32Array(outN);
  const span = new Int32Array(outN);
  for (let o = 0; o < outN; o++) {
    const a = o * s - p;
    const b = Math.min(a + k, inN + p);
    span[o] = b - a;
    start[o] = Math.max(a, 0);
    end[o] = Math.min(b, inN);
  }
  return { start, end, span };
}

function avgPool(op: string, nd: 1 | 2, x: Tensor, opts: AvgPoolOptions): Tensor {
  const pl = planPool(op, nd, x, opts, 1, opts?.ceilMode ?? false);
  const includePad = opts.countIncludePad ?? true;
  if (typeof includePad !== 'boolean') throw new AtrousError('bad_argument', `${op}: countIncludePad must be a boolean, got ${String(includePad)}`);
  const { planes, inH, inW, outH, outW } = pl;
  const H = avgAxis(outH, inH, pl.k[0], pl.s[0], pl.p[0]);
  const W = avgAxis(outW, inW, pl.k[1], pl.s[1], pl.p[1]);
  // 1 / divisor per output position; the same for every plane.
  const inv = new Float64Array(outH * outW);
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const n = includePad ? H.span[oh] * W.span[ow] : (H.end[oh] - H.start[oh]) * (W.end[ow] - W.start[ow]);
      inv[oh * outW + ow] = 1 / n;
    }
  }
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const out = new Tensor(buffer(x, planes * outPlane), pl.outShape);
  const xd = x.data;
  const od = out.data;
  for (let c = 0; c < planes; c++) {
    const base = c * inPlane;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let sum = 0;
        for (let h = H.start[oh]; h < H.end[oh]; h++) {
          for (let w = W.start[ow], r = base + h * inW; w < W.end[ow]; w++) sum += xd[r + w];
        }
        od[c * outPlane + oh * outW + ow] = sum * inv[oh * outW + ow];
      }
    }
  }
  const xShape = x.shape;
  return record(op, out, [x], (g) => {
    const dx = new Tensor(buffer(g, planes * inPlane), xShape);
    const gd = g.data;
    const dd = dx.data;
    for (let c = 0; c < planes; c++) {
      const base = c * inPlane;
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const v = gd[c * outPlane + oh * outW + ow] * inv[oh * outW + ow];
          for (let h = H.start[oh]; h < H.end[oh]; h++) {
            for (let w = W.start[ow], r = base + h * inW; w < W.end[ow]; w++) dd[r + w] += v;
          }
        }
      }
    }
    return [dx];
  });
}
