/** Shared checks of the streaming tests: a runner against the model's full-sequence forward. */
import assert from 'node:assert/strict';
import { type Module, noGrad, Rng, stream, type StreamOptions, Tensor, type TypedData } from '../../src/index.js';

/** `[N, C, T]` → the frame at t, `[N, C]`. */
export function frameAt(x: Tensor, t: number): Tensor {
  const [N, C, T] = x.shape;
  const out = x.dtype === 'float64' ? new Float64Array(N * C) : new Float32Array(N * C);
  for (let i = 0; i < N * C; i++) out[i] = x.data[i * T + t];
  return new Tensor(out, [N, C]);
}

/** `[N, C, T]` → steps a..b−1. */
export function timeSlice(x: Tensor, a: number, b: number): Tensor {
  const [N, C, T] = x.shape;
  const out = x.dtype === 'float64' ? new Float64Array(N * C * (b - a)) : new Float32Array(N * C * (b - a));
  for (let i = 0; i < N * C; i++) for (let t = a; t < b; t++) out[i * (b - a) + t - a] = x.data[i * T + t];
  return new Tensor(out, [N, C, b - a]);
}

/** Largest |a − b| between `got` `[N, O]` and column t of `want` `[N, O, T]`. */
export function frameError(got: TypedData, want: Tensor, t: number): number {
  const T = want.shape[2];
  let e = 0;
  for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i] - want.data[i * T + t]));
  return e;
}

export function maxError(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  let e = 0;
  for (let i = 0; i < a.size; i++) e = Math.max(e, Math.abs(a.data[i] - b.data[i]));
  return e;
}

/** Random chunk lengths (1..maxLen) that add up to T. */
export function randomChunks(T: number, seed: number, maxLen = 7): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let left = T; left > 0;) {
    const n = Math.min(left, rng.int(1, maxLen));
    out.push(n);
    left -= n;
  }
  return out;
}

/**
 * Streams x `[N, C, T]` through `model` step by step and in random chunks, and checks both against
 * `want` (default: the eval-mode forward of the whole sequence) to `tol`. Returns the largest error.
 */
export function checkStreaming(model: Module, x: Tensor, opts: StreamOptions & { tol?: number; want?: Tensor; seed?: number } = {}): number {
  const tol = opts.tol ?? 1e-5;
  const want = opts.want ?? noGrad(() => model.forward(x));
  const T = x.shape[2];
  const run = stream(model, { kernel: opts.kernel });
  let worst = 0;
  for (let t = 0; t < T; t++) {
    const y = run.step(frameAt(x, t));
    assert.deepEqual(y.shape, [want.shape[0], want.shape[1]]);
    const e = frameError(y.data, want, t);
    assert.ok(e <= tol, `step ${t}: error ${e} > ${tol}`);
    worst = Math.max(worst, e);
  }
  assert.equal(run.steps, T);
  run.reset();
  let t0 = 0;
  for (const len of randomChunks(T, opts.seed ?? 1)) {
    const y = run.push(timeSlice(x, t0, t0 + len));
    const e = maxError(y, timeSlice(want, t0, t0 + len));
    assert.ok(e <= tol, `chunk ${t0}..${t0 + len}: error ${e} > ${tol}`);
    worst = Math.max(worst, e);
    t0 += len;
  }
  return worst;
}
