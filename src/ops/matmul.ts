import { needsGrad, record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, type TypedData } from '../tensor/tensor.js';
import { buffer, checkTensor, sizeOf } from './op-args.js';

/**
 * Matrix product with `torch.matmul`'s rules:
 * - 2D × 2D: `[n, k] × [k, m] → [n, m]`;
 * - batched: `[..., n, k] × [..., k, m] → [..., n, m]`, the leading (batch) axes broadcast;
 * - a 1D left operand `[k]` is a row vector, a 1D right operand `[k]` a column vector, and the
 *   added axis is dropped from the result (1D × 1D is a dot product with shape `[]`).
 * Differentiable: dA = g·Bᵀ and dB = Aᵀ·g, summed over broadcast batch axes.
 * Sums are accumulated in float64 for both dtypes.
 * @example matmul(x, w) // x [32, 512], w [512, 256] → [32, 256]
 * @example matmul(q, k) // q [8, 4, 16, 32], k [4, 32, 16] → [8, 4, 16, 16]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  if (a.dtype !== b.dtype) throw new AtrousError('bad_tensor', `matmul: a is ${a.dtype} but b is ${b.dtype}`);
  if (a.rank === 0 || b.rank === 0) {
    throw new AtrousError('rank_mismatch', `matmul: both operands need at least one axis, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  // Promote 1D operands to matrices; the added axes are dropped from the output shape below.
  const as = a.rank === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.rank === 1 ? [b.shape[0], 1] : [...b.shape];
  const n = as[as.length - 2];
  const k = as[as.length - 1];
  const m = bs[bs.length - 1];
  if (bs[bs.length - 2] !== k) {
    throw new AtrousError('bad_argument', `matmul: a ${fmtShape(a.shape)} has ${k} columns but b ${fmtShape(b.shape)} has ${bs[bs.length - 2]} rows`);
  }
  const plan = planBatch(a.shape, b.shape, as.slice(0, -2), bs.slice(0, -2));
  const outShape = [...plan.batch];
  if (a.rank > 1) outShape.push(n);
  if (b.rank > 1) outShape.push(m);

  // Every product below is C = X·Yᵀ over contiguous rows of X and Y (gemmNT), so B is packed
  // transposed once; for 256×512×256 that copy is 0.1% of the work.
  const acc = new Float64Array(plan.count * n * m);
  const bt = packTransposed(b.data, plan.bCount, k, m);
  for (let t = 0; t < plan.count; t++) {
    gemmNT(a.data, plan.aIdx[t] * n * k, bt, plan.bIdx[t] * k * m, acc, t * n * m, n, m, k);
  }
  const out = new Tensor(buffer(a, acc.length), outShape);
  out.data.set(acc);

  return record('matmul', out, [a, b], (g) => {
    // g has the output's data layout, [count, n, m]; broadcast batches add up in the accumulators.
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needsGrad(a)) {
      // dA[n, k] = g[n, m] · B[k, m]ᵀ: both already row-major in the needed form.
      const dacc = new Float64Array(a.size);
      for (let t = 0; t < plan.count; t++) gemmNT(g.data, t * n * m, b.data, plan.bIdx[t] * k * m, dacc, plan.aIdx[t] * n * k, n, k, m);
      da = new Tensor(buffer(a, dacc.length), a.shape);
      da.data.set(dacc);
    }
    if (needsGrad(b)) {
      // dB[k, m] = Aᵀ[k, n] · (gᵀ[m, n])ᵀ.
      const at = packTransposed(a.data, plan.aCount, n, k);
      const gt = packTransposed(g.data, plan.count, n, m);
      const dacc = new Float64Array(b.size);
      for (let t = 0; t < plan.count; t++) gemmNT(at, plan.aIdx[t] * n * k, gt, t * n * m, dacc, plan.bIdx[t] * k * m, k, m, n);
      db = new Tensor(buffer(b, dacc.length), b.shape);
      db.data.set(dacc);
    }
    return [da, db];
  });
}

interface BatchPlan {
  /** The broadcast batch shape. */
  batch: number[];
  count: number;
  /** For each output batch, the index of the a batch and the b batch it reads. */
  aIdx: Int32Array;
  bIdx: Int32Array;
  /** Number of matrices in a and in b. */
  aCount: number;
  bCount: number;
}

/** Broadcasts the batch axes (right-aligned, sizes equal or 1) and maps each output batch to its operands. */
function planBatch(aShape: readonly number[], bShape: readonly number[], ab: number[], bb: number[]): BatchPlan {
  const r = Math.max(ab.length, bb.length);
  const pa = [...new Array<number>(r - ab.length).fill(1), ...ab];
  const pb = [...new Array<number>(r - bb.length).fill(1), ...bb];
  const batch = pa.map((x, i) => {
    const y = pb[i];
    if (x !== y && x !== 1 && y !== 1) {
      throw new AtrousError('bad_argument', `matmul: batch axes of a ${fmtShape(aShape)} and b ${fmtShape(bShape)} do not broadcast (${x} vs ${y})`);
    }
    return x === 1 ? y : x;
  });
  const count = sizeOf(batch);
  const aIdx = new Int32Array(count);
  const bIdx = new Int32Array(count);
  // Operand batch strides, zero along broadcast axes.
  const sa = new Array<number>(r);
  const sb = new Array<number>(r);
  for (let i = r - 1, accA = 1, accB = 1; i >= 0; i--) {
    sa[i] = pa[i] === 1 ? 0 : accA;
    sb[i] = pb[i] === 1 ? 0 : accB;
    accA *= pa[i];
    accB *= pb[i];
  }
  const idx = new Array<number>(r).fill(0);
  for (let t = 0; t < count; t++) {
    let oa = 0;
    let ob = 0;
    for (let i = 0; i < r; i++) {
      oa += idx[i] * sa[i];
      ob += idx[i] * sb[i];
    }
    aIdx[t] = oa;
    bIdx[t] = ob;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i] < batch[i]) break;
      idx[i] = 0;
    }
  }
  return { batch, count, aIdx, bIdx, aCount: sizeOf(pa), bCount: sizeOf(pb) };
}

/**
 * Transposes `count` row-major [rows, cols] matrices into a float64 buffer of [cols, rows] ones,
 * in 32×32 tiles so both sides stay in cache.
 */
function packTransposed(src: TypedData, count: number, rows: number, cols: number): Float64Array {
  const dst = new Float64Array(count * rows * cols);
  const T = 32;
  for (let t = 0, o = 0; t < count; t++, o += rows * cols) {
    for (let i0 = 0; i0 < rows; i0 += T) {
      const i1 = Math.min(rows, i0 + T);
      for (let j0 = 0; j0 < cols; j0 += T) {
        const j1 = Math.min(cols, j0 + T);
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) dst[o + j * rows + i] = src[o + i * cols + j];
        }
      }
    }
  }
  return dst;
}

/**
 * c[rows, cols] += x[rows, K] · y[cols, K]ᵀ (row-major at the given offsets): every entry is a dot
 * product of two contiguous rows. The body computes a 4×4 block of c in sixteen local sums, so
 * each value loaded from x or y feeds four multiply-adds; edge rows and columns use plain dots.
 */
function gemmNT(x: TypedData, xo: number, y: TypedData, yo: number, c: Float64Array, co: number, rows: number, cols: number, K: number): void {
  const rows4 = rows - (rows % 4);
  const cols4 = cols - (cols % 4);
  for (let i = 0; i < rows4; i += 4) {
    const x0 = xo + i * K;
    const x1 = x0 + K;
    const x2 = x1 + K;
    const x3 = x2 + K;
    for (let j = 0; j < cols4; j += 4) {
      const y0 = yo + j * K;
      const y1 = y0 + K;
      const y2 = y1 + K;
      const y3 = y2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < K; p++) {
        const a0 = x[x0 + p];
        const a1 = x[x1 + p];
        const a2 = x[x2 + p];
        const a3 = x[x3 + p];
        const b0 = y[y0 + p];
        const b1 = y[y1 + p];
        const b2 = y[y2 + p];
        const b3 = y[y3 + p];
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
        s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
        s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
      }
      let r = co + i * cols + j;
      c[r] += s00; c[r + 1] += s01; c[r + 2] += s02; c[r + 3] += s03;
      r += cols;
      c[r] += s10; c[r + 1] += s11; c[r + 2] += s12; c[r + 3] += s13;
      r += cols;
      c[r] += s20; c[r + 1] += s21; c[r + 2] += s22; c[r + 3] += s23;
      r += cols;
      c[r] += s30; c[r + 1] += s31; c[r + 2] += s32; c[r + 3] += s33;
    }
    for (let j = cols4; j < cols; j++) {
      for (let ii = i; ii < i + 4; ii++) c[co + ii * cols + j] += dot(x, xo + ii * K, y, yo + j * K, K);
    }
  }
  for (let i = rows4; i < rows; i++) {
    for (let j = 0; j < cols; j++) c[co + i * cols + j] += dot(x, xo + i * K, y, yo + j * K, K);
  }
}

function dot(x: TypedData, xo: number, y: TypedData, yo: number, K: number): number {
  let s = 0;
  for (let p = 0; p < K; p++) s += x[xo + p] * y[yo + p];
  return s;
}
