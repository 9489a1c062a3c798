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

  it('refuses arrays of other types or lengths, and a batch that does not divide g', () => {
    const f = new Float32Array(8);
    assert.throws(() => addon!.add(f, new Float32Array(7), f), /add: expected \(a, b, out\)/);
    assert.throws(() => addon!.add(f, new Float64Array(8) as unknown as Float32Array, f), /add: expected/);
    assert.throws(() => addon!.relu(f, new Float32Array(9)), /relu: expected \(x, y\)/);
    assert.throws(() => addon!.reluBackward(f, f, new Float32Array(4)), /reluBackward: expected/);
    assert.throws(() => addon!.channelSums(new Float32Array(10), new Float32Array(3), 1), /channelSums: expected/);
    assert.throws(() => addon!.channelSums(f, new Float32Array(2), 0), /channelSums: expected/);
    assert.throws(() => addon!.channelSums(f, new Float32Array(0), 1), /channelSums: expected/);
    assert.throws(() => (addon!.add as unknown as (x: Float32Array) => void)(f), /add: expected/);
  });
});
