import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtrousError } from '../../src/errors.js';
import { convOutSize } from '../../src/shape/conv-size.js';
import { causalPadding, resolvePadding, samePadding } from '../../src/shape/padding.js';

test("'same' follows TensorFlow: ceil(in/s) outputs, odd extra at the end", () => {
  assert.deepEqual(samePadding(5, 3, 2, 1), [1, 1]);
  assert.deepEqual(samePadding(6, 3, 2, 1), [0, 1]);
  assert.deepEqual(samePadding(5, 2, 2, 1), [0, 1]);
  assert.deepEqual(samePadding(4, 2, 1, 1), [0, 1]);
  assert.deepEqual(samePadding(7, 3, 1, 2), [2, 2]);
  assert.deepEqual(samePadding(10, 3, 3, 4), [4, 4]);
  assert.deepEqual(samePadding(3, 1, 2, 1), [0, 0]); // total clamps at 0
  for (let n = 1; n <= 40; n++) {
    for (const [k, s, d] of [[3, 1, 1], [3, 2, 2], [2, 3, 5], [5, 2, 3], [1, 4, 1]]) {
      const [b, a] = samePadding(n, k, s, d);
      assert.ok(a - b === 0 || a - b === 1, 'extra on the end side');
      assert.equal(convOutSize(n, k, s, d, b, a), Math.ceil(n / s), `n=${n} k=${k} s=${s} d=${d}`);
    }
  }
});

test("'causal' puts the whole reach on the start side, so length is kept at stride 1", () => {
  assert.deepEqual(causalPadding(2, 256), [256, 0]);
  assert.deepEqual(causalPadding(3, 16), [32, 0]);
  const g = { inSize: [100], kernel: [3], stride: [1], dilation: [16] };
  assert.deepEqual(resolvePadding('conv1d', 'causal', g), [[32, 0]]);
});

test("2D 'causal' needs causalAxis; the other axes are padded 'same'", () => {
  const g = { inSize: [10, 9], kernel: [3, 3], stride: [1, 2], dilation: [2, 1] };
  assert.throws(() => resolvePadding('conv2d', 'causal', g), /causalAxis/);
  assert.deepEqual(resolvePadding('conv2d', 'causal', { ...g, causalAxis: 0 }), [[4, 0], samePadding(9, 3, 2, 1)]);
  assert.deepEqual(resolvePadding('conv2d', 'causal', { ...g, causalAxis: 1 }), [samePadding(10, 3, 1, 2), [2, 0]]);
  assert.throws(() => resolvePadding('conv2d', 'causal', { ...g, causalAxis: 2 }), /causalAxis must be a spatial axis in 0\.\.1/);
});

test('explicit padding: one number, per axis, or [before, after] per axis', () => {
  const g = { inSize: [8, 8], kernel: [3, 3], stride: [1, 1], dilation: [1, 1] };
  assert.deepEqual(resolvePadding('conv2d', 'valid', g), [[0, 0], [0, 0]]);
  assert.deepEqual(resolvePadding('conv2d', 2, g), [[2, 2], [2, 2]]);
  assert.deepEqual(resolvePadding('conv2d', [1, 3], g), [[1, 1], [3, 3]]);
  assert.deepEqual(resolvePadding('conv2d', [[0, 2], [1, 0]], g), [[0, 2], [1, 0]]);
  assert.deepEqual(resolvePadding('conv2d', [4], g), [[4, 4], [4, 4]]);
  const bad = (p: unknown, code: string) =>
    assert.throws(() => resolvePadding('conv2d', p as 0, g), (e: unknown) => e instanceof AtrousError && e.code === code);
  bad('full', 'bad_argument');
  bad(-1, 'negative_padding');
  bad([[0, -1], [0, 0]], 'negative_padding');
  bad([1, 2, 3], 'wrong_length');
  bad([[1, 2, 3], [0, 0]], 'bad_argument');
  bad(0.5, 'not_integer');
});
