/**
 * The native addon keeps packed weights between calls (src/kernels/native/pack-cache.h). A kept
 * entry must never stand in for weights that changed: training updates them in place, the same
 * weights serve a forward and a transposed conv, and each instruction set packs its own way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nativeConvKernels } from '../../src/kernels/native/conv.js';
import { loadNative } from '../../src/kernels/native/loader.js';
import { convTransposeRef } from '../../src/kernels/ref/conv-transpose.js';
import { convRef } from '../../src/kernels/ref/conv.js';
import { type ConvPlan, planConv, planConvTranspose } from '../../src/shape/plan-conv.js';
import { randn } from '../../src/tensor/tensor.js';

const addon = loadNative();

/** Max |y − ref| ÷ max(max |ref|, 1): what the conformance test holds every kernel to (1e-5). */
function relativeError(plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array): number {
  const expected = new Float64Array(y.length);
  (plan.transposed ? convTransposeRef : convRef)(plan, x, w, b, expected);
  let big = 1, diff = 0;
  expected.forEach((v, i) => {
    big = Math.max(big, Math.abs(v));
    diff = Math.max(diff, Math.abs(y[i] - v));
  });
  return diff / big;
}

const floats = (shape: readonly number[], seed: number) => randn(shape, { seed }).data as Float32Array;

describe('packed weights kept between native calls', { skip: addon ? false : 'no native addon here' }, () => {
  const kernels = nativeConvKernels(addon!);
  // 48 → 48 channels at d2: Winograd F(2x2, 3x3) packs transformed filters; the same shape at
  // 8 channels runs on the direct kernel, which packs by register tile.
  const shapes = [48, 8].map((c) => ({ x: [1, c, 14, 15], w: [c, c, 3, 3] }));
  const plans = shapes.map((s) => planConv('t', 2, s.x, s.w, [s.w[0]], { dilation: 2, padding: 2 }));
  const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);

  it('repacks weights changed in place, and reuses them when changed back', () => {
    for (const kernel of kernels)
      plans.forEach((plan, p) => {
        const [x, w, b] = [floats(shapes[p].x, 1), floats(shapes[p].w, 2), floats([plan.outChannels], 3)];
        const y = new Float32Array(size(plan.outShape));
        kernel.run(plan, x, w, b, y, 2);
        const first = Float32Array.from(y);
        assert.ok(relativeError(plan, x, w, b, y) < 1e-5, kernel.id);
        for (const i of [0, w.length >> 1, w.length - 1]) {  // one weight at a time: the first, one inside, the last
          const old = w[i];
          w[i] += 0.5;
          kernel.run(plan, x, w, b, y, 1);
          assert.ok(relativeError(plan, x, w, b, y) < 1e-5, `${kernel.id}: weight ${i} changed`);
          assert.ok(y.some((v, j) => v !== first[j]), `${kernel.id}: weight ${i} changed, output did not`);
          w[i] = old;
        }
        kernel.run(plan, x, w, b, y, 1);
        assert.deepEqual(y, first, `${kernel.id}: weights restored`);
      });
  });

  it('keeps forward and transposed packings apart, and each instruction set its own', () => {
    const forward = plans[0];
    // The transposed conv whose forward conv is `forward`: the same descriptor and weights.
    const transposed = planConvTranspose('t', 2, [...forward.outShape], shapes[0].w, null, { dilation: 2, padding: 2 });
    const w = floats(shapes[0].w, 4);
    const x = floats(shapes[0].x, 5), dy = floats(forward.outShape, 6);
    for (let round = 0; round < 2; round++)
      for (const kernel of kernels) {
        const y = new Float32Array(size(forward.outShape));
        kernel.run(forward, x, w, null, y, 1);
        assert.ok(relativeError(forward, x, w, null, y) < 1e-5, `${kernel.id} forward`);
        const dx = new Float32Array(size(transposed.outShape));
        kernel.transpose!(transposed, dy, w, null, dx, 1);
        assert.ok(relativeError(transposed, dy, w, null, dx) < 1e-5, `${kernel.id} transposed`);
      }
  });

  it('keeps layers of one shape apart (a TCN block has two), up to 8 a shape', () => {
    const plan = plans[0];
    const x = floats(shapes[0].x, 12);
    const kernel = kernels[0];
    const layers = [13, 14, 15].map((seed) => floats(shapes[0].w, seed));
    const y = new Float32Array(size(plan.outShape));
    for (const w of layers) kernel.run(plan, x, w, null, y, 1);  // packed once each
    const before = addon!.packCacheStats();
    for (let round = 0; round < 3; round++)
      for (const w of layers) {
        kernel.run(plan, x, w, null, y, 1);
        assert.ok(relativeError(plan, x, w, null, y) < 1e-5, kernel.id);
      }
    const after = addon!.packCacheStats();
    assert.equal(after.hits - before.hits, 9, 'three layers of one shape, three rounds: every call finds its weights');
    assert.equal(after.misses, before.misses);
    // Nine layers of that shape: one more than it keeps, so in turn each one's entry has gone.
    const nine = [16, 17, 18, 19, 20, 21, 22, 23, 24].map((seed) => floats(shapes[0].w, seed));
    for (const w of nine) kernel.run(plan, x, w, null, y, 1);
    const start = addon!.packCacheStats();
    for (const w of nine) {
      kernel.run(plan, x, w, null, y, 1);
      assert.ok(relativeError(plan, x, w, null, y) < 1e-5, kernel.id);
    }
    const end = addon!.packCacheStats();
    assert.equal(end.misses - start.misses, 9);
    assert.ok(end.entries <= 64 && end.bytes <= 256 * 2 ** 20, `${end.entries} entries, ${end.bytes} bytes`);
  });

  it('gives concurrent async calls with different weights their own', async () => {
    const plan = plans[0];
    const x = floats(shapes[0].x, 7);
    const ws = [8, 9, 10, 11].map((seed) => floats(shapes[0].w, seed));
    for (const kernel of kernels) {
      const ys = ws.map(() => new Float32Array(size(plan.outShape)));
      await Promise.all(ws.map((w, i) => kernel.runAsync!(plan, x, w, null, ys[i], 1)));
      ws.forEach((w, i) => assert.ok(relativeError(plan, x, w, null, ys[i]) < 1e-5, `${kernel.id} call ${i}`));
    }
  });
});
