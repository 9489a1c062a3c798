/**
 * The native addon's pointwise kernels (src/kernels/csrc/pointwise.h) against plain loops, and
 * their argument checks: a wrong array type or length is an error, never an out-of-range access.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadNative } from '../../src/kernels/native/loader.js';
import { randn } from '../../src/tensor/tensor.js';

const addon = loadNative();

describe('native pointwise kernels', { skip: addon ? false : 'no native addon here' }, () => {
  const n = 4099; // not a multiple of any vector width, so every tail runs
  const a = randn([n], { seed: 1 }).data as Float32Array;
  const b = randn([n], { seed: 2 }).data as Float32Array;

  it('add equals float32 a + b exactly, also in place', () => {
    const out = new Float32Array(n).fill(NaN);
    addon!.add(a, b, out);
    assert.deepEqual(out, Float32Array.from(a, (v, i) => v + b[i]));
    const inPlace = a.slice();
    addon!.add(inPlace, b, inPlace);
    assert.deepEqual(inPlace, out);
  });

  it('relu and its backward match the select they stand for', () => {
    const y = new Float32Array(n).fill(NaN);
    addon!.relu(a, y);
    assert.deepEqual(y, Float32Array.from(a, (v) => (v > 0 ? v : 0)));
    const dx = new Float32Array(n).fill(NaN);
    addon!.reluBackward(b, y, dx);
    assert.deepEqual(dx, Float32Array.from(b, (g, i) => (y[i] > 0 ? g : 0)));
  });

  it('on several threads (arrays long enough to split, ranges of uneven length) gives the same bits as on one', () => {
    const m = 3 * 65536 + 4101;
    const x = randn([m], { seed: 3 }).data as Float32Array;
    const g = randn([m], { seed: 4 }).data as Float32Array;
    const run = (threads: number) => {
      const y = new Float32Array(m).fill(NaN), dx = new Float32Array(m).fill(NaN), sum = new Float32Array(m).fill(NaN);
      const db = new Float32Array(7).fill(NaN);
      addon!.relu(x, y, threads);
      addon!.reluBackward(g, y, dx, threads);
      addon!.add(x, g, sum, threads);
      addon!.channelSums(x.subarray(0, 7 * 3 * 9363), db, 3, threads); // batch 3, 7 channels of 9363
      return { y, dx, sum, db };
    };
    const one = run(1);
    assert.deepEqual(one.y, Float32Array.from(x, (v) => (v > 0 ? v : 0)));
    assert.deepEqual(one.sum, Float32Array.from(x, (v, i) => v + g[i]));
    for (const threads of [2, 3, 8]) assert.deepEqual(run(threads), one, `${threads} threads`);
  });

  it('channelSums sums each channel over batch and plane (float64 accumulation)', () => {
    for (const [N, C, P] of [[3, 5, 7], [2, 4, 16], [1, 1, 1], [4, 3, 1001]]) {
      const g = randn([N * C * P], { seed: N + C + P }).data as Float32Array;
      const out = new Float32Array(C).fill(NaN);
      addon!.channelSums(g, out, N);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let k = 0; k < N; k++) for (let p = 0; p < P; p++) s += g[(k * C + c) * P + p];
        assert.ok(Math.abs(out[c] - s) <= 1e-6 * Math.max(1, Math.abs(s)), `N${N} C${C} P${P} channel ${c}: ${out[c]} vs ${s}`);
      }
    }
  });

  it("batch norm's channel loops match plain float64 loops", () => {
    for (const [N, C, P] of [[3, 5, 7], [2, 4, 16], [1, 1, 1], [4, 3, 1001]]) {
      const x = randn([N * C * P], { seed: 7 * N + C }).data as Float32Array;
      const g = randn([N * C * P], { seed: 9 * N + P }).data as Float32Array;
      const at = (n: number, c: number, p: number) => (n * C + c) * P + p;
      const sum = new Float64Array(C), sq = new Float64Array(C), gs = new Float64Array(C), dot = new Float64Array(C);
      addon!.channelMoments(x, N, sum, sq);
      addon!.channelSumDot(g, x, N, gs, dot);
      const kx = Float64Array.from({ length: C }, (_, c) => 0.5 + c);
      const k0 = Float64Array.from({ length: C }, (_, c) => -c / 3);
      const kg = Float64Array.from({ length: C }, (_, c) => 2 - c);
      const out = new Float32Array(N * C * P).fill(NaN);
      const out2 = new Float32Array(N * C * P).fill(NaN);
      addon!.channelAffine(x, out, N, kx, k0, null, null);
      addon!.channelAffine(x, out2, N, kx, k0, g, kg);
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      for (let c = 0; c < C; c++) {
        let s = 0, q = 0, sg = 0, sd = 0;
        for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) s += x[at(n, c, p)];
        const mu = s / (N * P);
        for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) {
          q += (x[at(n, c, p)] - mu) ** 2;
          sg += g[at(n, c, p)];
          sd += g[at(n, c, p)] * x[at(n, c, p)];
          assert.equal(out[at(n, c, p)], Math.fround(x[at(n, c, p)] * kx[c] + k0[c]));
          assert.equal(out2[at(n, c, p)], Math.fround(g[at(n, c, p)] * kg[c] + x[at(n, c, p)] * kx[c] + k0[c]));
        }
        assert.ok(close(sum[c], s) && close(sq[c], q) && close(gs[c], sg) && close(dot[c], sd), `N${N} C${C} P${P} channel ${c}`);
      }
    }
  });

  it('refuses arrays of other types or lengths, and a batch that does not divide g', () => {
    const f = new Float32Array(8);
    assert.throws(() => addon!.add(f, new Float32Array(7), f), /add: expected \(a, b, out\[, threads\]\)/);
    assert.throws(() => addon!.add(f, new Float64Array(8) as unknown as Float32Array, f), /add: expected/);
    assert.throws(() => addon!.relu(f, new Float32Array(9)), /relu: expected \(x, y\[, threads\]\)/);
    assert.throws(() => addon!.reluBackward(f, f, new Float32Array(4)), /reluBackward: expected/);
    assert.throws(() => addon!.channelSums(new Float32Array(10), new Float32Array(3), 1), /channelSums: expected/);
    assert.throws(() => addon!.channelSums(f, new Float32Array(2), 0), /channelSums: expected/);
    assert.throws(() => addon!.channelSums(f, new Float32Array(0), 1), /channelSums: expected/);
    assert.throws(() => (addon!.add as unknown as (x: Float32Array) => void)(f), /add: expected/);
    for (const t of [0, 257, -1]) {
      assert.throws(() => addon!.relu(f, f, t), /relu: expected/, `threads ${t}`);
      assert.throws(() => addon!.channelSums(f, new Float32Array(2), 1, t), /channelSums: expected/, `threads ${t}`);
    }
    const d2 = new Float64Array(2);
    assert.throws(() => addon!.channelMoments(new Float32Array(9), 2, d2, d2), /channelMoments: expected/); // 9 is not 2·2·plane
    assert.throws(() => addon!.channelMoments(f, 2, d2, new Float64Array(3)), /channelMoments: expected/);
    assert.throws(() => addon!.channelMoments(f, 2, new Float32Array(2) as unknown as Float64Array, d2), /channelMoments: expected/);
    assert.throws(() => addon!.channelSumDot(f, new Float32Array(4), 2, d2, d2), /channelSumDot: expected/);
    assert.throws(() => addon!.channelAffine(f, new Float32Array(7), 2, d2, d2, null, null), /channelAffine: expected/);
    assert.throws(() => addon!.channelAffine(f, f, 2, d2, d2, f, null), /channelAffine: expected/);
    assert.throws(() => addon!.channelAffine(f, f, 2, d2, d2, new Float32Array(4), d2), /channelAffine: expected/);
    assert.throws(() => addon!.channelAffine(f, f, 0, d2, d2, null, null), /channelAffine: expected/);
  });
});
