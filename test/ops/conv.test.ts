/** Hand-computed values and PyTorch's conventions, beyond what the onnxruntime corpus checks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conv1d, conv2d, conv3d, convAsync } from '../../src/ops/conv.js';
import { convTranspose1d, convTranspose2d } from '../../src/ops/conv-transpose.js';
import { tfConv2d } from '../../src/ops/tf-conv2d.js';
import { permute } from '../../src/tensor/permute.js';
import { arange, randn, tensor } from '../../src/tensor/tensor.js';
import { tf } from '../../src/index.js';

test('the seed example made valid: 5x5 input 1..25, kernel [[1,2],[3,4]], dilation 2, stride 2', () => {
  const w = tensor([[[[1, 2], [3, 4]]]]);
  const y = conv2d(arange([1, 1, 5, 5], 1), w, { dilation: 2, stride: 2 });
  assert.deepEqual(y.toArray(), [[[[92, 112], [192, 212]]]]);
  // tf.nn.conv2d form of the same call: NHWC input, HWIO filter, stride 2 with dilation 2.
  const yt = tf.nn.conv2d(arange([1, 5, 5, 1], 1), tensor([1, 2, 3, 4], [2, 2, 1, 1]), 2, 'VALID', 'NHWC', 2);
  assert.deepEqual(yt.toArray(), [[[[92], [112]], [[192], [212]]]]);
});

test('causal 1D: output t reads only inputs ≤ t', () => {
  const y = conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1]]]), { dilation: 2, padding: 'causal' });
  assert.deepEqual(y.toArray(), [[[1, 2, 4, 6]]]);
  // Changing a future input leaves earlier outputs alone.
  const x = randn([1, 2, 40], { seed: 1 });
  const w = randn([3, 2, 3], { seed: 2 });
  const y1 = conv1d(x, w, { dilation: 4, padding: 'causal' });
  x.data[2 * 40 - 1] += 1; // last step of channel 1
  const y2 = conv1d(x, w, { dilation: 4, padding: 'causal' });
  for (let c = 0; c < 3; c++) for (let t = 0; t < 39; t++) assert.equal(y1.get(0, c, t), y2.get(0, c, t));
});

test('unbatched input [C, ...] as PyTorch allows', () => {
  const x = randn([3, 9, 9], { seed: 3 });
  const w = randn([4, 3, 3, 3], { seed: 4 });
  const y = conv2d(x, w, { dilation: 2, padding: 'same' });
  assert.deepEqual(y.shape, [4, 9, 9]);
  assert.deepEqual(Array.from(y.data), Array.from(conv2d(x.reshape([1, 3, 9, 9]), w, { dilation: 2, padding: 'same' }).data));
});

test('float64 in, float64 out (for gradient checks), equal to float32 within float32 rounding', () => {
  const x = randn([1, 2, 5, 5, 5], { seed: 5, dtype: 'float64' });
  const w = randn([2, 1, 2, 2, 2], { seed: 6, dtype: 'float64' });
  const y = conv3d(x, w, { groups: 2, dilation: 2 });
  assert.equal(y.dtype, 'float64');
  assert.deepEqual(y.shape, [1, 2, 3, 3, 3]);
  const y32 = conv3d(x.to('float32'), w.to('float32'), { groups: 2, dilation: 2 });
  y.data.forEach((v, i) => assert.ok(Math.abs(v - y32.data[i]) < 1e-5, `${v} vs ${y32.data[i]}`));
});

test('an empty batch gives an empty output of the right shape', () => {
  assert.deepEqual(conv2d(randn([0, 3, 9, 9]), randn([4, 3, 3, 3]), { dilation: 2 }).shape, [0, 4, 5, 5]);
  assert.deepEqual(convTranspose1d(randn([0, 2, 5]), randn([2, 3, 2]), { stride: 2 }).shape, [0, 3, 10]);
});

test('convAsync resolves to the same values as the sync op', async () => {
  const x = randn([2, 8, 33, 31], { seed: 14 });
  const w = randn([6, 4, 3, 3], { seed: 15 });
  const b = randn([6], { seed: 16 });
  const opts = { dilation: [3, 2], stride: [1, 2], groups: 2, padding: 'same' as const, bias: b };
  const [a, s] = [await convAsync(x, w, opts), conv2d(x, w, opts)];
  assert.deepEqual(a.shape, s.shape);
  assert.deepEqual(Array.from(a.data), Array.from(s.data));
});

test('depthwise equals per-channel convs', () => {
  const x = randn([2, 3, 11], { seed: 7 });
  const w = randn([3, 1, 3], { seed: 8 });
  const y = conv1d(x, w, { groups: 3, dilation: 3, padding: 3 });
  for (let c = 0; c < 3; c++) {
    const xc = tensor(Float32Array.from({ length: 22 }, (_, i) => x.get(Math.floor(i / 11), c, i % 11)), [2, 1, 11]);
    const yc = conv1d(xc, tensor(w.data.slice(3 * c, 3 * c + 3), [1, 1, 3]), { dilation: 3, padding: 3 });
    for (let n = 0; n < 2; n++) for (let t = 0; t < 11; t++) assert.equal(y.get(n, c, t), yc.get(n, 0, t));
  }
});

test('transposed conv: output_padding below dilation but not stride (PyTorch allows it)', () => {
  const y = convTranspose1d(tensor([[[1, 2]]]), tensor([[[1, 1]]]), { dilation: 3, outputPadding: 2 });
  assert.deepEqual(y.toArray(), [[[1, 2, 0, 1, 2, 0, 0]]]);
  const y2 = convTranspose1d(tensor([[[1, 2, 3]]]), tensor([[[1, 10]]]), { stride: 2, outputPadding: 1, bias: tensor([0.5]) });
  assert.deepEqual(y2.toArray(), [[[1.5, 10.5, 2.5, 20.5, 3.5, 30.5, 0.5]]]);
});

test('transposed conv is the adjoint of conv: <conv(x), y> = <x, convT(y)>', () => {
  const x = randn([2, 4, 13, 10], { seed: 9, dtype: 'float64' });
  const w = randn([6, 2, 3, 2], { seed: 10, dtype: 'float64' });
  const opts = { stride: [2, 3], dilation: [3, 2], groups: 2, padding: [[2, 1], [0, 3]] as [number, number][] };
  const cx = conv2d(x, w, opts);
  const y = randn(cx.shape, { seed: 11, dtype: 'float64' });
  const ty = convTranspose2d(y, w, { ...opts, outputPadding: [1, 1] });
  assert.deepEqual(ty.shape, x.shape);
  let lhs = 0;
  let rhs = 0;
  for (let i = 0; i < cx.size; i++) lhs += cx.data[i] * y.data[i];
  for (let i = 0; i < x.size; i++) rhs += x.data[i] * ty.data[i];
  assert.ok(Math.abs(lhs - rhs) < 1e-9 * Math.abs(lhs), `${lhs} vs ${rhs}`);
});

test("tfConv2d NHWC equals conv2d NCHW, with 'SAME', stride and dilation together", () => {
  const x = randn([2, 11, 9, 4], { seed: 12 });
  const f = randn([3, 3, 2, 6], { seed: 13 }); // groups inferred: 4 channels / 2 per group
  const y = tfConv2d(x, f, [1, 2, 3, 1], 'SAME', 'NHWC', [1, 3, 2, 1]);
  assert.deepEqual(y.shape, [2, 6, 3, 6]); // ceil(11/2), ceil(9/3)
  const ref = conv2d(permute(x, [0, 3, 1, 2]), permute(f, [3, 2, 0, 1]), { stride: [2, 3], dilation: [3, 2], padding: 'same', groups: 2 });
  assert.deepEqual(Array.from(y.data), Array.from(permute(ref, [0, 2, 3, 1]).data));
  const yc = tfConv2d(permute(x, [0, 3, 1, 2]), f, [1, 1, 2, 3], [[0, 0], [0, 0], [1, 2], [0, 1]], 'NCHW', 2);
  const refc = conv2d(permute(x, [0, 3, 1, 2]), permute(f, [3, 2, 0, 1]), { stride: [2, 3], dilation: 2, padding: [[1, 2], [0, 1]], groups: 2 });
  assert.deepEqual(Array.from(yc.data), Array.from(refc.data));
});

test('transposed conv whose output is only output padding gives the bias (fast path fills it)', () => {
  const y = convTranspose1d(tensor([[[5]], [[6]]]).reshape([1, 2, 1]), tensor([[[1], [2]], [[3], [4]]]), {
    stride: 3, dilation: 3, padding: [[1, 0]], outputPadding: 1, bias: tensor([0.25, -1]),
  });
  assert.deepEqual(y.toArray(), [[[0.25], [-1]]]);
});
