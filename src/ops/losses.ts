import { needsGrad, record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, type TypedData, uninitialized, zeros } from '../tensor/tensor.js';
import { describe, expectSameDtype, expectTensor, sameShape } from './broadcast.js';
import { neg } from './elementwise.js';

/** How per-element losses become the result: their mean (default), their sum, or all of them. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Class indices: a tensor (of integral values) or a flat array, shaped like the input minus axis 1. */
export type ClassTarget = Tensor | Int32Array | readonly number[];

export interface LossOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
}

export interface NllLossOptions extends LossOptions {
  /** Targets equal to this contribute nothing and are left out of the mean. Default −100, as PyTorch. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the target becomes (1 − ε)·one-hot + ε/C, as PyTorch's `label_smoothing`. Default 0. */
  labelSmoothing?: number;
}

export interface BceWithLogitsOptions extends LossOptions {
  /** Weight of the positive term (PyTorch's `pos_weight`, here one number for every element). Default 1. */
  posWeight?: number;
}

function reductionOf(op: string, opts: LossOptions): Reduction {
  const r = opts.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new AtrousError('bad_argument', `${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`);
  }
  return r;
}

/** [N, C, d1, ...] as N, C and S = d1·d2·…; the target's shape is [N, d1, ...]. */
function classLayout(op: string, input: Tensor): { N: number; C: number; S: number; targetShape: number[] } {
  if (input.rank < 2) {
    throw new AtrousError('rank_mismatch', `${op}: input ${fmtShape(input.shape)} must be [N, C] or [N, C, d1, ...] (classes on axis 1)`);
  }
  const [N, C, ...rest] = input.shape;
  if (C === 0) throw new AtrousError('bad_argument', `${op}: input ${fmtShape(input.shape)} has no classes (axis 1 is empty)`);
  return { N, C, S: rest.reduce((p, n) => p * n, 1), targetShape: [N, ...rest] };
}

function fmtIndex(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return `[${idx.join(',')}]`;
}

/** Checks class targets against the input and returns them as Int32Array (flat, row-major). */
function classTargets(op: string, input: Tensor, target: ClassTarget, C: number, targetShape: number[], ignoreIndex: number): Int32Array {
  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    if (!sameShape(target.shape, targetShape)) {
      throw new AtrousError('bad_argument', `${op}: target ${fmtShape(target.shape)} must be ${fmtShape(targetShape)} for input ${fmtShape(input.shape)} (the input's shape without the class axis 1)`);
    }
    values = target.data;
  } else if (target instanceof Int32Array || Array.isArray(target)) {
    const size = targetShape.reduce((p, n) => p * n, 1);
    if (target.length !== size) {
      throw new AtrousError('bad_argument', `${op}: target has ${target.length} values but input ${fmtShape(input.shape)} needs ${size} (shape ${fmtShape(targetShape)})`);
    }
    values = target;
  } else {
    throw new AtrousError('bad_tensor', `${op}: target must be a Tensor, Int32Array or number[] of class indices, got ${describe(target)}`);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const t = values[i];
    if (t === ignoreIndex) {
      out[i] = t;
      continue;
    }
    if (!Number.isInteger(t) || t < 0 || t >= C) {
      const what = Number.isInteger(t) ? `is not a class index in [0, ${C})` : 'is not an integer class index';
      throw new AtrousError('bad_argument', `${op}: target${fmtIndex(i, targetShape)} = ${String(t)} ${what} (input ${fmtShape(input.shape)}, ignoreIndex ${ignoreIndex})`);
    }
    out[i] = t;
  }
  return out;
}

function ignoreIndexOf(op: string, opts: NllLossOptions): number {
  const v = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw new AtrousError('not_integer', `${op}: ignoreIndex must be a 32-bit integer, got ${String(v)}`);
  }
  return v;
}

/** Reduces per-element losses (float64) into the result tensor. `count` divides the mean. */
function reduced(loss: Float64Array, shape: readonly number[], reduction: Reduction, count: number, like: Tensor): Tensor {
  if (reduction === 'none') {
    const t = zeros(shape, like.dtype);
    t.data.set(loss);
    return t;
  }
  let s = 0;
  for (let i = 0; i < loss.length; i++) s += loss[i];
  return reducedSum(s, reduction, count, like);
}

/** The 0-d result of a 'mean' or 'sum' reduction whose `count` losses summed to s. */
function reducedSum(s: number, reduction: Reduction, count: number, like: Tensor): Tensor {
  const t = zeros([], like.dtype);
  t.data[0] = reduction === 'mean' ? s / count : s;
  return t;
}

/**
 * The upstream gradient per element: `per[i]` under 'none', else one scale (g, or g/count for the
 * mean). Read as `per === null ? k : per[i]`, a branch rather than a call per element.
 */
function upstream(g: Tensor, reduction: Reduction, count: number): { per: TypedData | null; k: number } {
  if (reduction === 'none') return { per: g.data, k: 0 };
  return { per: null, k: reduction === 'mean' ? g.data[0] / count : g.data[0] };
}

/**
 * Per position i = n·S + s of [N, C, S] logits: lse[i] = log Σ_c exp(x) (after subtracting the
 * max, so it never overflows) and, when asked, sx[i] = Σ_c x. Rows (S = 1) run as tight loops;
 * planes (S > 1) stream each class's S contiguous values with per-position accumulators.
 */
function classStats(xd: TypedData, N: number, C: number, S: number, withSum: boolean): { lse: Float64Array; sx: Float64Array | null } {
  const lse = new Float64Array(N * S);
  const sx = withSum ? new Float64Array(N * S) : null;
  if (S === 1) {
    for (let n = 0, p = 0; n < N; n++, p += C) {
      let m = -Infinity;
      for (let c = p; c < p + C; c++) if (xd[c] > m || xd[c] !== xd[c]) m = xd[c];
      let se = 0;
      for (let c = p; c < p + C; c++) se += Math.exp(xd[c] - m);
      lse[n] = m + Math.log(se);
      if (sx !== null) for (let c = p; c < p + C; c++) sx[n] += xd[c];
    }
    return { lse, sx };
  }
  const m = new Float64Array(S);
  const se = new Float64Array(S);
  for (let n = 0; n < N; n++) {
    const base = n * C * S;
    const at = n * S;
    m.fill(-Infinity);
    se.fill(0);
    for (let c = 0; c < C; c++) {
      const p = base + c * S;
      for (let s = 0; s < S; s++) if (xd[p + s] > m[s] || xd[p + s] !== xd[p + s]) m[s] = xd[p + s];
    }
    for (let c = 0; c < C; c++) {
      const p = base + c * S;
      for (let s = 0; s < S; s++) se[s] += Math.exp(xd[p + s] - m[s]);
      if (sx !== null) for (let s = 0; s < S; s++) sx[at + s] += xd[p + s];
    }
    for (let s = 0; s < S; s++) lse[at + s] = m[s] + Math.log(se[s]);
  }
  return { lse, sx };
}

/**
 * Cross-entropy of logits against class indices, as `torch.nn.functional.cross_entropy`: logits
 * [N, C] or [N, C, d1, ...] (per-pixel segmentation, classes on axis 1), target [N] or [N, d1, ...].
 * Fused log-softmax + NLL: the loss per element is lse − (1 − ε)·x_t − ε·mean_c(x_c) with
 * lse = log Σ_c exp(x_c) (computed after subtracting the max), and the gradient
 * softmax − (1 − ε)·onehot − ε/C. Targets equal to `ignoreIndex` (default −100) count as 0 and are
 * left out of the mean, which is NaN when every target is ignored (as PyTorch).
 * @example crossEntropy(logits, [3, 0, 1]) // logits [3, C]
 * @example crossEntropy(seg, labels, { ignoreIndex: 255, labelSmoothing: 0.1 }) // seg [N, C, H, W], labels [N, H, W]
 */
export function crossEntropy(logits: Tensor, target: ClassTarget, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  expectTensor(op, 'logits', logits);
  const reduction = reductionOf(op, opts);
  const ignore = ignoreIndexOf(op, opts);
  const eps = opts.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    throw new AtrousError('bad_argument', `${op}: labelSmoothing must be a number in [0, 1], got ${String(eps)}`);
  }
  const { N, C, S, targetShape } = classLayout(op, logits);
  const tg = classTargets(op, logits, target, C, targetShape, ignore);
  const xd = logits.data;
  const { lse, sx } = classStats(xd, N, C, S, eps > 0);
  const loss = new Float64Array(N * S);
  let count = 0;
  for (let i = 0; i < tg.length; i++) {
    const t = tg[i];
    if (t === ignore) continue;
    count++;
    const n = Math.floor(i / S);
    const xt = xd[(n * C + t) * S + (i - n * S)];
    loss[i] = sx === null ? lse[i] - xt : lse[i] - (1 - eps) * xt - (eps * sx[i]) / C;
  }
  const out = reduced(loss, targetShape, reduction, count, logits);
  return record(op, out, [logits], (g) => {
    const { per, k } = upstream(g, reduction, count);
    // Upstream weight per position, 0 where the target is ignored (those rows get no gradient).
    const w = new Float64Array(N * S);
    for (let i = 0; i < w.length; i++) w[i] = tg[i] === ignore ? 0 : per === null ? k : per[i];
    const dx = zeros(logits.shape, logits.dtype);
    const dd = dx.data;
    const off = eps / C;
    if (S === 1) {
      for (let n = 0, p = 0; n < N; n++, p += C) {
        const wn = w[n];
        if (wn === 0) continue;
        const l = lse[n];
        for (let c = p; c < p + C; c++) dd[c] = wn * (Math.exp(xd[c] - l) - off);
      }
    } else {
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          const p = (n * C + c) * S;
          for (let s = 0, i = n * S; s < S; s++, i++) if (w[i] !== 0) dd[p + s] = w[i] * (Math.exp(xd[p + s] - lse[i]) - off);
        }
      }
    }
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      const n = Math.floor(i / S);
      dd[(n * C + tg[i]) * S + (i - n * S)] -= w[i] * (1 - eps);
    }
    return [dx];
  });
}

/**
 * Negative log-likelihood of log-probabilities against class indices, as
 * `torch.nn.functional.nll_loss`: the loss per element is −logProbs[n, t, ...]. Shapes, targets
 * and `ignoreIndex` as in `crossEntropy` (which equals nllLoss(logSoftmax(x, 1), t), fused).
 * @example nllLoss(logSoftmax(logits, 1), target)
 */
export function nllLoss(logProbs: Tensor, target: ClassTarget, opts: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  expectTensor(op, 'logProbs', logProbs);
  const reduction = reductionOf(op, opts);
  const ignore = ignoreIndexOf(op, opts);
  const { N, C, S, targetShape } = classLayout(op, logProbs);
  const tg = classTargets(op, logProbs, target, C, targetShape, ignore);
  const xd = logProbs.data;
  const loss = new Float64Array(N * S);
  let count = 0;
  for (let i = 0; i < tg.length; i++) {
    if (tg[i] === ignore) continue;
    count++;
    const n = Math.floor(i / S);
    loss[i] = -xd[(n * C + tg[i]) * S + (i - n * S)];
  }
  const out = reduced(loss, targetShape, reduction, count, logProbs);
  return record(op, out, [logProbs], (g) => {
    const { per, k } = upstream(g, reduction, count);
    const dx = zeros(logProbs.shape, logProbs.dtype);
    for (let i = 0; i < tg.length; i++) {
      if (tg[i] === ignore) continue;
      const n = Math.floor(i / S);
      dx.data[(n * C + tg[i]) * S + (i - n * S)] = -(per === null ? k : per[i]);
    }
    return [dx];
  });
}

/** Both operands of an elementwise loss: Tensors of one dtype and one shape (no broadcasting). */
function pair(op: string, a: Tensor, b: Tensor, names: [string, string]): void {
  expectTensor(op, names[0], a);
  expectTensor(op, names[1], b);
  expectSameDtype(op, a, b);
  if (!sameShape(a.shape, b.shape)) {
    // PyTorch broadcasts here with a warning that it is likely a bug; atrous refuses.
    throw new AtrousError('bad_argument', `${op}: ${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} must have the same shape`);
  }
}

/**
 * Squared error (a − b)², as `torch.nn.functional.mse_loss`; a and b must have the same shape.
 * Gradients flow to both.
 * @example mseLoss(pred, target) // mean over every element
 */
export function mseLoss(a: Tensor, b: Tensor, opts: LossOptions = {}): Tensor {
  return pointwiseLoss('mseLoss', a, b, opts, false);
}

/**
 * Absolute error |a − b|, as `torch.nn.functional.l1_loss`; the gradient at a = b is 0.
 * @example l1Loss(pred, target, { reduction: 'sum' })
 */
export function l1Loss(a: Tensor, b: Tensor, opts: LossOptions = {}): Tensor {
  return pointwiseLoss('l1Loss', a, b, opts, true);
}

function pointwiseLoss(op: string, a: Tensor, b: Tensor, opts: LossOptions, l1: boolean): Tensor {
  pair(op, a, b, ['input', 'target']);
  const reduction = reductionOf(op, opts);
  const ad = a.data;
  const bd = b.data;
  const n = a.size;
  let out: Tensor;
  if (reduction === 'none') {
    const loss = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = ad[i] - bd[i];
      loss[i] = l1 ? Math.abs(d) : d * d;
    }
    out = reduced(loss, a.shape, reduction, n, a);
  } else {
    // Summed as it goes, in the same order and float64 as reduced() sums the per-element losses
    // (the same bits), without their n-element array: a training step's MSE on a 64x128x128
    // output took 5 ms, mostly allocating and filling that array.
    let s = 0;
    if (l1) for (let i = 0; i < n; i++) s += Math.abs(ad[i] - bd[i]);
    else
      for (let i = 0; i < n; i++) {
        const d = ad[i] - bd[i];
        s += d * d;
      }
    out = reducedSum(s, reduction, n, a);
  }
  return record(op, out, [a, b], (g) => {
    const { per, k } = upstream(g, reduction, n);
    const da = uninitialized(a.shape, a.dtype);
    pointwiseLossGrad(ad, bd, da.data, per, k, l1);
    return [needsGrad(a) ? da : null, needsGrad(b) ? neg(da) : null];
  });
}

// The loops of pointwiseLoss's backward pass, here rather than in the closure it records: a
// closure made per call runs its first (and, in a training step, only) call before V8 has
// optimised it, about 3 ns an element over a 64x128x128 output.
/** dd = ∂loss/∂a for every element: per[i] (reduction 'none') or k times the loss's derivative. */
function pointwiseLossGrad(ad: TypedData, bd: TypedData, dd: TypedData, per: TypedData | null, k: number, l1: boolean): void {
  const n = dd.length;
  if (per !== null) {
    for (let i = 0; i < n; i++) {
      const d = ad[i] - bd[i];
      const w = per[i];
      dd[i] = l1 ? (d > 0 ? w : d < 0 ? -w : 0) : 2 * d * w;
    }
  } else if (l1) {
    for (let i = 0; i < n; i++) {
      const d = ad[i] - bd[i];
      dd[i] = d > 0 ? k : d < 0 ? -k : 0;
    }
  } else {
    for (let i = 0; i < n; i++) dd[i] = 2 * (ad[i] - bd[i]) * k;
  }
}

/**
 * Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`, in
 * the stable form (1 − t)·x + w·(log(1 + e^(−|x|)) + max(−x, 0)) with w = 1 + (posWeight − 1)·t,
 * which never evaluates exp of a positive number. Target values are probabilities in [0, 1]
 * (not checked, as PyTorch). Gradients: dx = (1 − t) − w·σ(−x), dt = −x + (posWeight − 1)·softplus(−x).
 * @example binaryCrossEntropyWithLogits(maskLogits, mask) // both [N, 1, H, W]
 */
export function binaryCrossEntropyWithLogits(x: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  pair(op, x, target, ['input', 'target']);
  const reduction = reductionOf(op, opts);
  const pw = opts.posWeight ?? 1;
  if (typeof pw !== 'number' || !Number.isFinite(pw)) {
    throw new AtrousError('bad_argument', `${op}: posWeight must be a finite number, got ${String(pw)}`);
  }
  const xd = x.data;
  const td = target.data;
  const loss = new Float64Array(x.size);
  for (let i = 0; i < loss.length; i++) {
    const v = xd[i];
    const t = td[i];
    const spNeg = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(-v, 0); // softplus(−x)
    loss[i] = (1 - t) * v + (1 + (pw - 1) * t) * spNeg;
  }
  const out = reduced(loss, x.shape, reduction, x.size, x);
  return record(op, out, [x, target], (g) => {
    const { per, k } = upstream(g, reduction, x.size);
    const dx = needsGrad(x) ? zeros(x.shape, x.dtype) : null;
    const dt = needsGrad(target) ? zeros(target.shape, target.dtype) : null;
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i];
      const t = td[i];
      const w = per === null ? k : per[i];
      // σ(−x) without overflow: e^(−|x|) is at most 1.
      const e = Math.exp(-Math.abs(v));
      const sigNeg = v >= 0 ? e / (1 + e) : 1 / (1 + e);
      if (dx !== null) dx.data[i] = w * ((1 - t) - (1 + (pw - 1) * t) * sigNeg);
      if (dt !== null) dt.data[i] = w * (-v + (pw - 1) * (Math.log1p(e) + Math.max(-v, 0)));
    }
    return [dx, dt];
  });
}
