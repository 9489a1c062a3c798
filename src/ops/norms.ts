import { needsGrad, record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { nativePointwise } from '../kernels/registry.js';
import type { NativeAddon } from '../kernels/native/loader.js';
import { Tensor, type TypedData, uninitialized, zeros } from '../tensor/tensor.js';

/**
 * Normalisation layers as fused ops: one pass for the statistics (float64 sums), one for the
 * output, and a hand-written backward per op, so a norm costs one tape node instead of ten.
 *
 * Layouts: batch and group norm read x as `[N, C, S]` with S the product of the spatial axes;
 * layer and group norm normalise contiguous rows.
 */

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array (wrap it with tensor())';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

/** Checks x and the optional tensors: Tensors (or null), one dtype, each optional one shaped `shape`. */
function checkArgs(op: string, x: unknown, optional: Record<string, unknown>, shape: readonly number[]): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: x must be a Tensor, got ${describe(x)}`);
  for (const [name, t] of Object.entries(optional)) {
    if (t === null || t === undefined) continue;
    if (!(t instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: ${name} must be a Tensor or null, got ${describe(t)}`);
    if (t.dtype !== x.dtype) throw new AtrousError('bad_tensor', `${op}: ${name} is ${t.dtype} but x is ${x.dtype}`);
    if (t.shape.join() !== shape.join()) {
      throw new AtrousError('channel_mismatch', `${op}: ${name} ${fmtShape(t.shape)} must be ${fmtShape(shape)} for x ${fmtShape(x.shape)}`);
    }
  }
}

function checkEps(op: string, eps: number): void {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new AtrousError('bad_argument', `${op}: eps must be a finite non-negative number, got ${String(eps)}`);
  }
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Options of `batchNorm`, as the keyword arguments of `F.batch_norm`. */
export interface BatchNormOptions {
  /** Use (and update) batch statistics; otherwise normalise with the running ones. Default false. */
  training?: boolean;
  /** Weight of the new batch in the running estimates: r ← (1 − m)·r + m·batch. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

/**
 * Batch normalisation over `[N, C, ...]` (1D, 2D or 3D, or plain `[N, C]`), as
 * `torch.nn.functional.batch_norm`. Training mode normalises with the batch mean and biased
 * variance per channel and, when running statistics are given, updates them in place (unbiased
 * variance, `momentum`), unrecorded. Eval mode uses the running statistics. `weight`/`bias` are
 * `[C]` or null. Differentiable in x, weight and bias.
 * @example const y = batchNorm(x, rm, rv, gamma, beta, { training: true }) // rm, rv updated
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  opts: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  if (x instanceof Tensor && x.rank < 2) {
    throw new AtrousError('rank_mismatch', `${op}: expected x [N, C, ...] of rank ≥ 2, got ${fmtShape(x.shape)}`);
  }
  checkArgs(op, x, { runningMean, runningVar, weight, bias }, x instanceof Tensor ? [x.shape[1]] : []);
  const { training = false, momentum = 0.1, eps = 1e-5 } = opts;
  checkEps(op, eps);
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new AtrousError('bad_argument', `${op}: momentum must be a number in [0, 1], got ${String(momentum)}`);
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new AtrousError('bad_argument', `${op}: give both runningMean and runningVar, or neither`);
  }
  const [N, C] = x.shape;
  const S = product(x.shape.slice(2));
  const M = N * S;
  if (training && M <= 1) {
    throw new AtrousError('bad_argument', `${op}: x ${fmtShape(x.shape)} has ${M} value per channel; training needs more than 1`);
  }
  if (!training && runningMean === null) {
    throw new AtrousError('bad_argument', `${op}: eval mode (training: false) normalises with runningMean and runningVar; none were given`);
  }
  const xd = x.data;
  const mean = new Float64Array(C);
  const invstd = new Float64Array(C);
  const stats = training ? channelMoments(xd, N, C, S) : null;
  for (let c = 0; c < C; c++) {
    if (!stats) {
      mean[c] = runningMean!.data[c];
      invstd[c] = 1 / Math.sqrt(runningVar!.data[c] + eps);
      continue;
    }
    const mu = stats.sum[c] / M;
    const q = stats.sqdev[c];
    mean[c] = mu;
    invstd[c] = 1 / Math.sqrt(q / M + eps);
    if (runningMean !== null) {
      runningMean.data[c] = (1 - momentum) * runningMean.data[c] + momentum * mu;
      runningVar!.data[c] = (1 - momentum) * runningVar!.data[c] + momentum * (q / (M - 1));
    }
  }
  const y = uninitialized(x.shape, x.dtype); // channelAffine writes every element
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = invstd[c] * (weight === null ? 1 : weight.data[c]);
    shift[c] = (bias === null ? 0 : bias.data[c]) - mean[c] * scale[c];
  }
  channelAffine(xd, y.data, N, C, S, scale, shift, null, null);
  return record(op, y, [x, weight, bias], (g) => {
    const gd = g.data;
    const dx = needsGrad(x) ? uninitialized(x.shape, x.dtype) : null;
    const dw = needsGrad(weight) ? zeros([C], x.dtype) : null;
    const db = needsGrad(bias) ? zeros([C], x.dtype) : null;
    const sums = channelSumDot(gd, xd, N, C, S);
    const kg = new Float64Array(C);
    const kx = new Float64Array(C);
    const k0 = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      const mu = mean[c];
      const is = invstd[c];
      const sg = sums.sum[c];
      // Σ g·x̂ = σ⁻¹·(Σ g·x − μ·Σ g)
      const sgx = is * (sums.dot[c] - mu * sg);
      if (dw !== null) dw.data[c] = sgx;
      if (db !== null) db.data[c] = sg;
      const k = is * (weight === null ? 1 : weight.data[c]);
      // Training: the batch statistics depend on x too, which subtracts the mean of g and its
      // projection on x̂: dx = w·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)). Eval: just w·σ⁻¹·g.
      // As dx = k·g + kx·x + k0, one fused pass.
      const mg = training ? sg / M : 0;
      const mgx = training ? sgx / M : 0;
      kg[c] = k;
      kx[c] = -k * is * mgx;
      k0[c] = -k * mg - kx[c] * mu;
    }
    if (dx !== null) channelAffine(xd, dx.data, N, C, S, kx, k0, gd, kg);
    return [dx, dw, db];
  });
}

/** The native addon when it can run batch norm's loops on these arrays (float32, native backend). */
function nativeFor(...arrays: TypedData[]): NativeAddon | null {
  return arrays.every((a) => a instanceof Float32Array) ? nativePointwise() : null;
}

/** Per channel of x [N, C, S]: Σx and Σ(x − mean)², in float64. */
function channelMoments(xd: TypedData, N: number, C: number, S: number): { sum: Float64Array; sqdev: Float64Array } {
  const sum = new Float64Array(C);
  const sqdev = new Float64Array(C);
  const native = N * C * S > 0 ? nativeFor(xd) : null;
  if (native) {
    native.channelMoments(xd as Float32Array, N, sum, sqdev);
    return { sum, sqdev };
  }
  for (let c = 0; c < C; c++) {
    sum[c] = channelSum(xd, N, C, S, c);
    sqdev[c] = channelSqDev(xd, N, C, S, c, sum[c] / (N * S));
  }
  return { sum, sqdev };
}

/** Per channel Σg and Σg·x, in float64. */
function channelSumDot(gd: TypedData, xd: TypedData, N: number, C: number, S: number): { sum: Float64Array; dot: Float64Array } {
  const sum = new Float64Array(C);
  const dot = new Float64Array(C);
  const native = N * C * S > 0 ? nativeFor(gd, xd) : null;
  if (native) {
    native.channelSumDot(gd as Float32Array, xd as Float32Array, N, sum, dot);
    return { sum, dot };
  }
  for (let c = 0; c < C; c++) {
    sum[c] = channelSum(gd, N, C, S, c);
    dot[c] = channelDot(gd, xd, N, C, S, c);
  }
  return { sum, dot };
}

/** out = kx[c]·x + k0[c] (+ kg[c]·g when g is given) on every channel. */
function channelAffine(x: TypedData, out: TypedData, N: number, C: number, S: number, kx: Float64Array, k0: Float64Array, g: TypedData | null, kg: Float64Array | null): void {
  const native = N * C * S > 0 ? nativeFor(x, out, ...(g ? [g] : [])) : null;
  if (native) return native.channelAffine(x as Float32Array, out as Float32Array, N, kx, k0, g as Float32Array | null, kg);
  for (let c = 0; c < C; c++) channelAffineOne(x, out, N, C, S, c, kx[c], k0[c], g, kg ? kg[c] : 0);
}

// The per-channel loops of batch norm over [N, C, S]: channel c is N runs of S contiguous values.
// Four partial sums each, so the adds do not wait on one another (a single chain ran at a quarter
// of the speed), and no closure or property access inside the loops.

function channelSum(d: TypedData, N: number, C: number, S: number, c: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let n = 0; n < N; n++) {
    const o = (n * C + c) * S;
    const e = o + S;
    let i = o;
    for (; i + 3 < e; i += 4) {
      a0 += d[i];
      a1 += d[i + 1];
      a2 += d[i + 2];
      a3 += d[i + 3];
    }
    for (; i < e; i++) a0 += d[i];
  }
  return a0 + a1 + (a2 + a3);
}

function channelSqDev(d: TypedData, N: number, C: number, S: number, c: number, mu: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let n = 0; n < N; n++) {
    const o = (n * C + c) * S;
    const e = o + S;
    let i = o;
    for (; i + 3 < e; i += 4) {
      const d0 = d[i] - mu, d1 = d[i + 1] - mu, d2 = d[i + 2] - mu, d3 = d[i + 3] - mu;
      a0 += d0 * d0;
      a1 += d1 * d1;
      a2 += d2 * d2;
      a3 += d3 * d3;
    }
    for (; i < e; i++) a0 += (d[i] - mu) * (d[i] - mu);
  }
  return a0 + a1 + (a2 + a3);
}

function channelDot(a: TypedData, b: TypedData, N: number, C: number, S: number, c: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let n = 0; n < N; n++) {
    const o = (n * C + c) * S;
    const e = o + S;
    let i = o;
    for (; i + 3 < e; i += 4) {
      a0 += a[i] * b[i];
      a1 += a[i + 1] * b[i + 1];
      a2 += a[i + 2] * b[i + 2];
      a3 += a[i + 3] * b[i + 3];
    }
    for (; i < e; i++) a0 += a[i] * b[i];
  }
  return a0 + a1 + (a2 + a3);
}

/** out = kx·x + k0 (+ kg·g when g is given), over channel c. */
function channelAffineOne(x: TypedData, out: TypedData, N: number, C: number, S: number, c: number, kx: number, k0: number, g: TypedData | null, kg: number): void {
  for (let n = 0; n < N; n++) {
    const o = (n * C + c) * S;
    const e = o + S;
    if (g === null) for (let i = o; i < e; i++) out[i] = x[i] * kx + k0;
    else for (let i = o; i < e; i++) out[i] = g[i] * kg + x[i] * kx + k0;
  }
}

/**
 * Normalises contiguous rows of `len` values, each row split into `segs` segments of `segLen`
 * values; segment k of row r uses affine index `affBase(r) + k`. Layer norm is segs = len,
 * segLen = 1; group norm is segs = C/G channels of S positions each.
 */
interface RowLayout {
  rows: number;
  segs: number;
  segLen: number;
  affBase: (r: number) => number;
}

function rowStats(xd: TypedData, L: RowLayout, eps: number): { mean: Float64Array; invstd: Float64Array } {
  const len = L.segs * L.segLen;
  const mean = new Float64Array(L.rows);
  const invstd = new Float64Array(L.rows);
  for (let r = 0; r < L.rows; r++) {
    const o = r * len;
    let s = 0;
    for (let j = 0; j < len; j++) s += xd[o + j];
    const mu = s / len;
    let q = 0;
    for (let j = 0; j < len; j++) q += (xd[o + j] - mu) * (xd[o + j] - mu);
    mean[r] = mu;
    invstd[r] = 1 / Math.sqrt(q / len + eps);
  }
  return { mean, invstd };
}

/** Forward and backward shared by layer and group norm (see RowLayout). */
function normRows(op: string, x: Tensor, weight: Tensor | null, bias: Tensor | null, L: RowLayout, eps: number): Tensor {
  const xd = x.data;
  const len = L.segs * L.segLen;
  const { mean, invstd } = rowStats(xd, L, eps);
  const y = zeros(x.shape, x.dtype);
  for (let r = 0; r < L.rows; r++) {
    const base = L.affBase(r);
    for (let k = 0; k < L.segs; k++) {
      const a = invstd[r] * (weight === null ? 1 : weight.data[base + k]);
      const b = (bias === null ? 0 : bias.data[base + k]) - mean[r] * a;
      for (let j = 0, o = r * len + k * L.segLen; j < L.segLen; j++) y.data[o + j] = xd[o + j] * a + b;
    }
  }
  return record(op, y, [x, weight, bias], (g) => {
    const gd = g.data;
    const dx = needsGrad(x) ? zeros(x.shape, x.dtype) : null;
    const dw = needsGrad(weight) ? new Float64Array(weight.size) : null;
    const db = needsGrad(bias) ? new Float64Array(bias.size) : null;
    for (let r = 0; r < L.rows; r++) {
      const base = L.affBase(r);
      // With u = w·g (the gradient reaching x̂): dx = σ⁻¹·(u − mean(u) − x̂·mean(u·x̂)).
      let su = 0;
      let sux = 0;
      for (let k = 0; k < L.segs; k++) {
        const w = weight === null ? 1 : weight.data[base + k];
        let sg = 0;
        let sgx = 0;
        for (let j = 0, o = r * len + k * L.segLen; j < L.segLen; j++) {
          const xh = (xd[o + j] - mean[r]) * invstd[r];
          sg += gd[o + j];
          sgx += gd[o + j] * xh;
        }
        su += w * sg;
        sux += w * sgx;
        if (dw !== null) dw[base + k] += sgx;
        if (db !== null) db[base + k] += sg;
      }
      if (dx === null) continue;
      const mu = su / len;
      const mux = sux / len;
      for (let k = 0; k < L.segs; k++) {
        const w = weight === null ? 1 : weight.data[base + k];
        for (let j = 0, o = r * len + k * L.segLen; j < L.segLen; j++) {
          const xh = (xd[o + j] - mean[r]) * invstd[r];
          dx.data[o + j] = invstd[r] * (w * gd[o + j] - mu - xh * mux);
        }
      }
    }
    const cast = (d: Float64Array | null, like: Tensor | null) => (d === null || like === null ? null : new Tensor(x.dtype === 'float64' ? d : Float32Array.from(d), like.shape));
    return [dx, cast(dw, weight), cast(db, bias)];
  });
}

/**
 * Layer normalisation over the trailing `normalizedShape` axes, as `torch.nn.functional.layer_norm`:
 * each slice is shifted to mean 0 and scaled to (biased) variance 1, then multiplied by `weight`
 * and shifted by `bias` (both shaped `normalizedShape`, or null). Differentiable in all three.
 * @example layerNorm(x, [64], gamma, beta) // x [N, T, 64]
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
  if (ns === null || ns.length === 0 || ns.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new AtrousError('bad_argument', `${op}: normalizedShape must be a positive integer or a non-empty array of them, got ${JSON.stringify(normalizedShape)}`);
  }
  checkArgs(op, x, { weight, bias }, ns);
  checkEps(op, eps);
  const tail = x.shape.slice(x.rank - ns.length);
  if (x.rank < ns.length || tail.join() !== ns.join()) {
    throw new AtrousError('rank_mismatch', `${op}: x ${fmtShape(x.shape)} must end with normalizedShape ${fmtShape(ns)}`);
  }
  const len = product(ns);
  return normRows(op, x, weight, bias, { rows: x.size / len, segs: len, segLen: 1, affBase: () => 0 }, eps);
}

/**
 * Group normalisation, as `torch.nn.functional.group_norm`: x `[N, C, ...]` with its C channels
 * split into `numGroups` groups; each (sample, group) is normalised over its channels and spatial
 * positions, then scaled and shifted per channel by `weight`/`bias` (`[C]` or null). Independent
 * of the batch size, so it trains with batch 1. `numGroups = 1` is layer norm over `[C, ...]`.
 * @example groupNorm(x, 8, gamma, beta) // x [1, 32, 64, 64]
 */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'groupNorm';
  if (x instanceof Tensor && x.rank < 2) {
    throw new AtrousError('rank_mismatch', `${op}: expected x [N, C, ...] of rank ≥ 2, got ${fmtShape(x.shape)}`);
  }
  checkArgs(op, x, { weight, bias }, x instanceof Tensor ? [x.shape[1]] : []);
  checkEps(op, eps);
  const C = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1) {
    throw new AtrousError('non_positive', `${op}: numGroups must be a positive integer, got ${String(numGroups)}`);
  }
  if (C % numGroups !== 0) {
    throw new AtrousError('groups_indivisible', `${op}: x ${fmtShape(x.shape)} has ${C} channels, not divisible by numGroups=${numGroups}`);
  }
  const per = C / numGroups;
  const S = product(x.shape.slice(2));
  return normRows(op, x, weight, bias, { rows: x.shape[0] * numGroups, segs: per, segLen: S, affBase: (r) => (r % numGroups) * per }, eps);
}

/**
 * Weight normalisation (Salimans & Kingma 2016), as PyTorch's `torch._weight_norm(v, g, dim)`
 * behind `torch.nn.utils.weight_norm`: `w = g · v / ‖v‖`, the norm taken over every axis except
 * `dim`, so each slice along `dim` (each output channel, for dim 0) has norm g. `g` holds one
 * value per slice: shaped like v with 1 on every other axis (PyTorch's `weight_g`, e.g.
 * `[Cout, 1, k]` → `[Cout, 1, 1]`) or flat. `dim: null` takes one norm over all of v (g has one
 * value). Differentiable in v and g.
 * @example const w = weightNorm(conv.weight_v, conv.weight_g) // w: [Cout, Cin, k]
 */
export function weightNorm(v: Tensor, g: Tensor, dim: number | null = 0): Tensor {
  const op = 'weightNorm';
  if (!(v instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: v must be a Tensor, got ${describe(v)}`);
  if (!(g instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: g must be a Tensor, got ${describe(g)}`);
  if (g.dtype !== v.dtype) throw new AtrousError('bad_tensor', `${op}: g is ${g.dtype} but v is ${v.dtype}`);
  if (v.rank === 0) throw new AtrousError('rank_mismatch', `${op}: v must have at least one axis`);
  let d = dim;
  if (d !== null && (!Number.isInteger(d) || d < -v.rank || d >= v.rank)) {
    throw new AtrousError('bad_argument', `${op}: dim ${String(dim)} is not an axis of v ${fmtShape(v.shape)}`);
  }
  if (d !== null && d < 0) d += v.rank;
  // v as [outer, len, inner]; slice k along `dim` is every (o, k, i).
  const outer = d === null ? 1 : product(v.shape.slice(0, d));
  const len = d === null ? 1 : v.shape[d];
  const inner = d === null ? v.size : product(v.shape.slice(d + 1));
  if (g.size !== len) {
    const keep = d === null ? v.shape.map(() => 1) : v.shape.map((n, a) => (a === d ? n : 1));
    throw new AtrousError('channel_mismatch', `${op}: g ${fmtShape(g.shape)} must hold one value per slice of v ${fmtShape(v.shape)} along dim ${String(dim)}: ${fmtShape(keep)} or [${len}]`);
  }
  const vd = v.data;
  const norm = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < len; k++) {
      let s = 0;
      for (let i = 0, at = (o * len + k) * inner; i < inner; i++) s += vd[at + i] * vd[at + i];
      norm[k] += s;
    }
  }
  for (let k = 0; k < len; k++) {
    norm[k] = Math.sqrt(norm[k]);
    if (norm[k] === 0) throw new AtrousError('bad_argument', `${op}: slice ${k} of v ${fmtShape(v.shape)} along dim ${String(dim)} is all zeros; its direction is undefined`);
  }
  const w = zeros(v.shape, v.dtype);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < len; k++) {
      const s = g.data[k] / norm[k];
      for (let i = 0, at = (o * len + k) * inner; i < inner; i++) w.data[at + i] = vd[at + i] * s;
    }
  }
  return record(op, w, [v, g], (G) => weightNormBackward(G, v, g, norm, outer, len, inner));
}

/**
 * weightNorm's gradients, in a module-level function rather than the closure recorded per call:
 * V8 optimised that closure again and again (26 times in 40 TCN training steps, `node
 * --trace-opt`), this function once (see GradientPass in autograd/backward.ts).
 */
function weightNormBackward(G: Tensor, v: Tensor, g: Tensor, norm: Float64Array, outer: number, len: number, inner: number): [Tensor | null, Tensor | null] {
  // With p_k = Σ G·v over slice k: dg_k = p_k / ‖v_k‖ and dv = (g_k/‖v_k‖)·(G − v·p_k/‖v_k‖²).
  const vd = v.data;
  const p = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < len; k++) {
      let s = 0;
      for (let i = 0, at = (o * len + k) * inner; i < inner; i++) s += G.data[at + i] * vd[at + i];
      p[k] += s;
    }
  }
  let dv: Tensor | null = null;
  if (needsGrad(v)) {
    dv = zeros(v.shape, v.dtype);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < len; k++) {
        const a = g.data[k] / norm[k];
        const b = p[k] / (norm[k] * norm[k]);
        for (let i = 0, at = (o * len + k) * inner; i < inner; i++) dv.data[at + i] = a * (G.data[at + i] - vd[at + i] * b);
      }
    }
  }
  let dg: Tensor | null = null;
  if (needsGrad(g)) {
    dg = zeros(g.shape, g.dtype);
    for (let k = 0; k < len; k++) dg.data[k] = p[k] / norm[k];
  }
  return [dv, dg];
}

/**
 * The per-slice norm ‖v‖ over every axis except `dim`, shaped like PyTorch's `weight_g`
 * (`norm_except_dim(v, 2, dim)`: v's shape with 1 on every other axis). Not recorded.
 * @example const g = normExceptDim(w) // w [8, 4, 3] → g [8, 1, 1]
 */
export function normExceptDim(v: Tensor, dim: number | null = 0): Tensor {
  if (!(v instanceof Tensor) || v.rank === 0) throw new AtrousError('bad_tensor', 'normExceptDim: v must be a Tensor with at least one axis');
  if (dim !== null && (!Number.isInteger(dim) || dim < -v.rank || dim >= v.rank)) {
    throw new AtrousError('bad_argument', `normExceptDim: dim ${String(dim)} is not an axis of v ${fmtShape(v.shape)}`);
  }
  const d = dim === null ? null : dim < 0 ? dim + v.rank : dim;
  const shape = v.shape.map((n, a) => (a === d ? n : 1));
  const len = d === null ? 1 : v.shape[d];
  const inner = d === null ? v.size : product(v.shape.slice(d + 1));
  const acc = new Float64Array(len);
  for (let i = 0; i < v.size; i++) acc[Math.floor(i / inner) % len] += v.data[i] * v.data[i];
  const out = zeros(shape, v.dtype);
  for (let k = 0; k < len; k++) out.data[k] = Math.sqrt(acc[k]);
  return out;
}
