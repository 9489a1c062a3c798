/**
 * conv1d/2d/3d and convAsync with `out`: the output written into a given tensor, which the op
 * returns; wrong shape or dtype, memory shared with an input, and recorded gradients refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { AtrousError } from '../../src/errors.js';
import { conv1d, conv2d, convAsync } from '../../src/ops/conv.js';
import { randn, Tensor, zeros } from '../../src/tensor/tensor.js';

const bad = (re: RegExp) => (e: unknown) => e instanceof AtrousError && re.test(e.message);

test('out receives the same values the op would return, sync and async, with bias and fused ReLU', async () => {
  const x = randn([2, 6, 19, 17], { seed: 1 });
  const w = randn([8, 6, 3, 3], { seed: 2 });
  const bias = randn([8], { seed: 3 });
  const args = { bias, dilation: 3, padding: 'same' as const, activation: 'relu' as const };
  const want = conv2d(x, w, args);
  const out = zeros(want.shape);
  out.data.fill(NaN);
  assert.equal(conv2d(x, w, { ...args, out }), out);
  assert.deepEqual(out.data, want.data);
  out.data.fill(NaN);
  assert.equal(await convAsync(x, w, { ...args, out }), out);
  assert.deepEqual(out.data, want.data);
  const x1 = randn([1, 4, 50], { seed: 4, dtype: 'float64' });
  const w1 = randn([5, 4, 2], { seed: 5, dtype: 'float64' });
  const out1 = zeros([1, 5, 50], 'float64');
  conv1d(x1, w1, { dilation: 8, padding: 'causal', out: out1 });
  assert.deepEqual(out1.data, conv1d(x1, w1, { dilation: 8, padding: 'causal' }).data);
});

test('out of the wrong shape or dtype, sharing memory with an input, or while gradients are recorded, is refused', () => {
  const x = randn([1, 4, 10, 10], { seed: 6 });
  const w = randn([4, 4, 3, 3], { seed: 7 });
  assert.throws(() => conv2d(x, w, { out: zeros([1, 4, 8, 9]) }), bad(/out must be float32 \[1,4,8,8\].*got float32 \[1,4,8,9\]/));
  assert.throws(() => conv2d(x, w, { out: zeros([1, 4, 8, 8], 'float64') }), bad(/out must be float32/));
  assert.throws(() => conv2d(x, w, { out: [1, 2] as unknown as Tensor }), bad(/out must be a Tensor/));
  // Same shape as x with 'same' padding: out over x itself, or over part of the weight's buffer.
  assert.throws(() => conv2d(x, w, { padding: 'same', out: x }), bad(/out shares memory with x/));
  const shared = new Float32Array(4 * 4 * 9 + 400);
  const w2 = new Tensor(shared.subarray(0, 4 * 4 * 9), [4, 4, 3, 3]);
  const out = new Tensor(shared.subarray(4 * 4 * 9 - 1, 4 * 4 * 9 - 1 + 400), [1, 4, 10, 10]);
  assert.throws(() => conv2d(x, w2, { padding: 'same', out }), bad(/out shares memory with weight/));
  const apart = new Tensor(shared.subarray(4 * 4 * 9, 4 * 4 * 9 + 400), [1, 4, 10, 10]);
  conv2d(x, w2, { padding: 'same', out: apart }); // adjacent, not overlapping
  const wg = randn([4, 4, 3, 3], { seed: 8 }).requiresGrad_();
  assert.throws(() => conv2d(x, wg, { out: zeros([1, 4, 8, 8]) }), bad(/refused while gradients are recorded/));
  noGrad(() => conv2d(x, wg, { out: zeros([1, 4, 8, 8]) }));
});
