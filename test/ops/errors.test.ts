/** Every error kind: a stable code and a message that names the shapes involved. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtrousError, type AtrousErrorCode } from '../../src/errors.js';
import { conv1d, conv2d, conv3d } from '../../src/ops/conv.js';
import { convTranspose1d, convTranspose2d } from '../../src/ops/conv-transpose.js';
import { tfConv2d } from '../../src/ops/tf-conv2d.js';
import { Tensor, tensor, zeros } from '../../src/tensor/tensor.js';

function throwsCode(fn: () => unknown, code: AtrousErrorCode, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AtrousError, `expected AtrousError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

const x4 = zeros([1, 16, 8, 8]);
const w4 = zeros([32, 16, 3, 3]);

test('rank_mismatch names the expected layout and the shape given', () => {
  throwsCode(() => conv2d(zeros([2, 2]), zeros([1, 1, 2, 2])), 'rank_mismatch', /conv2d: expected x of rank 4 \[N, C, H, W\].*got rank 2 \[2,2\]/);
  throwsCode(() => conv2d(x4, zeros([32, 16, 3])), 'rank_mismatch', /expected weight of rank 4 \[Cout, Cin\/groups, kH, kW\], got rank 3 \[32,16,3\]/);
  throwsCode(() => conv1d(zeros([1, 1, 1, 4]), zeros([1, 1, 2])), 'rank_mismatch', /conv1d: expected x of rank 3 \[N, C, L\]/);
  throwsCode(() => tfConv2d(zeros([5, 5]), zeros([2, 2, 1, 1])), 'rank_mismatch', /tf\.nn\.conv2d: expected input of rank 4 \[N, H, W, C\], got \[5,5\]/);
});

test('channel_mismatch: x channels vs weight channels × groups, and bias length', () => {
  throwsCode(() => conv2d(x4, zeros([32, 8, 3, 3])), 'channel_mismatch', /x \[1,16,8,8\] has 16 channels; weight \[32,8,3,3\] with groups=1 expects 8/);
  throwsCode(() => conv2d(x4, w4, { bias: zeros([16]) }), 'channel_mismatch', /bias \[16\] must be \[32\]/);
  throwsCode(() => convTranspose2d(x4, zeros([8, 4, 3, 3])), 'channel_mismatch', /x \[1,16,8,8\] has 16 channels; weight \[8,4,3,3\] expects 8/);
  throwsCode(() => tfConv2d(zeros([1, 5, 5, 3]), zeros([2, 2, 2, 4])), 'channel_mismatch', /has 3 channels; filter \[2,2,2,4\] takes 2 per group/);
});

test('groups_indivisible for input and output channels', () => {
  throwsCode(() => conv2d(zeros([1, 6, 8, 8]), zeros([4, 3, 3, 3]), { groups: 4 }), 'groups_indivisible', /x \[1,6,8,8\] has 6 channels, not divisible by groups=4/);
  throwsCode(() => conv2d(zeros([1, 6, 8, 8]), zeros([5, 3, 3, 3]), { groups: 2 }), 'groups_indivisible', /weight \[5,3,3,3\] has 5 output channels, not divisible by groups=2/);
  throwsCode(() => convTranspose1d(zeros([1, 5, 8]), zeros([5, 1, 3]), { groups: 2 }), 'groups_indivisible', /5 channels, not divisible by groups=2/);
});

test('non_positive stride, dilation and groups', () => {
  throwsCode(() => conv2d(x4, w4, { stride: 0 }), 'non_positive', /conv2d: stride must be positive, got 0/);
  throwsCode(() => conv2d(x4, w4, { dilation: [1, -2] }), 'non_positive', /dilation must be positive, got -2/);
  throwsCode(() => conv2d(x4, w4, { groups: 0 }), 'non_positive', /groups must be positive, got 0/);
  throwsCode(() => conv2d(x4, zeros([32, 16, 0, 3])), 'non_positive', /kernel size 0x3 of weight \[32,16,0,3\] must be positive/);
});

test('negative_padding, explicit and per side', () => {
  throwsCode(() => conv2d(x4, w4, { padding: -1 }), 'negative_padding', /padding must be non-negative, got -1/);
  throwsCode(() => conv2d(x4, w4, { padding: [[0, 1], [-2, 0]] }), 'negative_padding', /got -2/);
  throwsCode(() => convTranspose1d(zeros([1, 1, 4]), zeros([1, 1, 2]), { outputPadding: -1 }), 'negative_padding', /outputPadding/);
});

test('not_integer: fractional, NaN and infinite parameters never reach a kernel', () => {
  throwsCode(() => conv2d(x4, w4, { stride: 1.5 }), 'not_integer', /stride must be a finite integer, got 1\.5/);
  throwsCode(() => conv2d(x4, w4, { dilation: NaN }), 'not_integer', /got NaN/);
  throwsCode(() => conv2d(x4, w4, { padding: Infinity }), 'not_integer', /got Infinity/);
  throwsCode(() => conv2d(x4, w4, { groups: 2.5 }), 'not_integer', /groups/);
});

test('wrong_length: a per-axis parameter for the wrong number of axes', () => {
  throwsCode(() => conv2d(x4, w4, { stride: [1, 2, 3] }), 'wrong_length', /stride has 3 values \[1,2,3\] but the op has 2 spatial axes/);
});

test('kernel_too_large: the seed example, and the exact-fit boundary', () => {
  const seedX = tensor([[[[1, 2], [3, 4]]]]);
  const seedW = tensor([[[[1, 2], [3, 4]]]]);
  throwsCode(
    () => conv2d(seedX, seedW, { dilation: 2, stride: 2 }),
    'kernel_too_large',
    /^conv2d: dilated kernel 3x3 \(kernel 2x2, dilation 2\) is larger than the padded input 2x2$/,
  );
  throwsCode(() => conv1d(zeros([1, 1, 16]), zeros([1, 1, 3]), { dilation: 9 }), 'kernel_too_large', /dilated kernel 19 \(kernel 3, dilation 9\).*padded input 16/);
  throwsCode(() => conv3d(zeros([1, 1, 4, 4, 4]), zeros([1, 1, 2, 2, 2]), { dilation: [1, 4, 1] }), 'kernel_too_large', /dilated kernel 2x5x2 \(kernel 2x2x2, dilation 1x4x1\)/);
  // One padded sample more and it fits: exactly one output.
  assert.deepEqual(conv2d(seedX, seedW, { dilation: 2, stride: 2, padding: [[0, 1], [0, 1]] }).shape, [1, 1, 1, 1]);
  throwsCode(() => tfConv2d(tensor([1, 2, 3, 4], [1, 2, 2, 1]), tensor([1, 2, 3, 4], [2, 2, 1, 1]), 2, 'VALID', 'NHWC', 2), 'kernel_too_large', /tf\.nn\.conv2d: dilated kernel 3x3/);
});

test('output_padding_too_large: must be below stride or dilation (PyTorch rule)', () => {
  throwsCode(
    () => convTranspose2d(zeros([1, 1, 3, 3]), zeros([1, 1, 2, 2]), { stride: 2, outputPadding: [2, 0] }),
    'output_padding_too_large',
    /outputPadding 2x0 must be smaller than either stride 2x2 or dilation 1x1/,
  );
});

test('empty_output: empty axes in, or nothing left after cropping', () => {
  throwsCode(() => conv1d(zeros([1, 1, 0]), zeros([1, 1, 1])), 'empty_output', /x \[1,1,0\] has an empty channel or spatial axis/);
  throwsCode(() => conv1d(zeros([1, 1, 4]), zeros([0, 1, 1])), 'empty_output', /weight \[0,1,1\] has an empty axis/);
  throwsCode(() => convTranspose1d(zeros([1, 1, 2]), zeros([1, 1, 2]), { padding: 2 }), 'empty_output', /output size would be -1/);
});

test('bad_tensor: wrong data length, mixed dtypes, arrays instead of tensors', () => {
  throwsCode(() => new Tensor(new Float32Array(3), [2, 2]), 'bad_tensor', /data has 3 values but shape \[2,2\] holds 4/);
  throwsCode(() => conv1d(zeros([1, 1, 4], 'float64'), zeros([1, 1, 2])), 'bad_tensor', /share a dtype, got float64, float32/);
  throwsCode(() => conv1d([[[1, 2]]] as unknown as Tensor, zeros([1, 1, 2])), 'bad_tensor', /x must be a Tensor, got an array/);
});

test('bad_argument: unknown padding, causal 2D without an axis, same on a transposed conv', () => {
  throwsCode(() => conv2d(x4, w4, { padding: 'full' as 'same' }), 'bad_argument', /unknown padding 'full'/);
  throwsCode(() => conv2d(x4, w4, { padding: 'causal' }), 'bad_argument', /causalAxis/);
  throwsCode(() => convTranspose1d(zeros([1, 1, 4]), zeros([1, 1, 2]), { padding: 'same' as 'valid' }), 'bad_argument', /not defined for a transposed conv/);
  throwsCode(() => tfConv2d(zeros([1, 5, 5, 1]), zeros([2, 2, 1, 1]), [2, 2, 2, 2]), 'bad_argument', /must be 1 on the batch and channel axes/);
});
