import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convOutSize, convTransposeOutSize, effectiveKernelSize } from '../../src/shape/conv-size.js';

test('effective kernel is d·(k−1)+1', () => {
  assert.equal(effectiveKernelSize(2, 2), 3); // the seed's 2x2 kernel at dilation 2 spans 3x3
  assert.equal(effectiveKernelSize(3, 1), 3);
  assert.equal(effectiveKernelSize(3, 8), 17);
  assert.equal(effectiveKernelSize(1, 100), 1); // a 1-tap kernel has nothing to spread
});

test('conv output size includes the dilation (the seed formula omitted it)', () => {
  assert.equal(convOutSize(5, 2, 2, 2, 0, 0), 2); // 5x5 input, 2x2 kernel, d2, s2, VALID
  assert.equal(convOutSize(2, 2, 2, 2, 0, 0), 0); // the seed example: no output at all
  assert.equal(convOutSize(64, 3, 1, 4, 4, 4), 64);
  assert.equal(convOutSize(16000, 2, 1, 256, 256, 0), 16000); // WaveNet layer, causal
  assert.equal(convOutSize(112, 3, 2, 2, 2, 2), 56); // the strided2d benchmark case
  assert.equal(convOutSize(7, 3, 3, 1, 1, 0), 2); // floor((7+1−2−1)/3)+1 = floor(5/3)+1
});

test('transposed output size inverts the conv size for each output padding', () => {
  assert.equal(convTransposeOutSize(3, 2, 2, 1, 0, 0, 1), 7);
  assert.equal(convTransposeOutSize(2, 2, 1, 3, 0, 0, 2), 7);
  for (const [n, k, s, d, p] of [[9, 3, 2, 2, 2], [10, 3, 3, 4, 1], [17, 2, 2, 5, 0]]) {
    const out = convOutSize(n, k, s, d, p, p);
    const back = convTransposeOutSize(out, k, s, d, p, p, 0);
    // A strided conv forgets up to s−1 trailing inputs; output_padding gives them back.
    assert.ok(n - back >= 0 && n - back < s, `n=${n} back=${back}`);
    assert.equal(convTransposeOutSize(out, k, s, d, p, p, n - back), n);
  }
});

test('planConv accepts only 1, 2 or 3 spatial axes', async () => {
  const { planConv } = await import('../../src/shape/plan-conv.js');
  assert.throws(() => planConv('convNd', 4, [1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1], null), /convolutions have 1, 2 or 3 spatial axes, got 4/);
});
