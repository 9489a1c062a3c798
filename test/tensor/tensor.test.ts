import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permute } from '../../src/tensor/permute.js';
import { Rng } from '../../src/tensor/random.js';
import { arange, full, ones, rand, randn, Tensor, tensor, zeros } from '../../src/tensor/tensor.js';

test('tensor() infers shapes from nested arrays and checks they are rectangular', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.get(1, 2), 6);
  assert.deepEqual(t.strides, [3, 1]);
  assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], [3, 2]).toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => t.get(2, 0), /index \[2,0\] is outside shape \[2,3\]/);
  assert.throws(() => new Tensor(new Float32Array(2), [1.5]), /non-negative integers/);
});

test('constructors fill, count and reshape', () => {
  assert.deepEqual(Array.from(zeros([2, 2]).data), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(ones([3]).data), [1, 1, 1]);
  assert.deepEqual(Array.from(full([2], 7, 'float64').data), [7, 7]);
  assert.deepEqual(arange([2, 2], 1).toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(arange([2, 3]).reshape([3, -1]).shape, [3, 2]);
  assert.equal(ones([2]).to('float64').dtype, 'float64');
});

test('seeded random tensors are reproducible and have the right moments', () => {
  assert.deepEqual(Array.from(randn([5], { seed: 42 }).data), Array.from(randn([5], { seed: 42 }).data));
  assert.notDeepEqual(Array.from(randn([5], { seed: 1 }).data), Array.from(randn([5], { seed: 2 }).data));
  const n = Array.from(randn([20000], { seed: 3, dtype: 'float64' }).data);
  const mean = n.reduce((a, b) => a + b) / n.length;
  const variance = n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean} var ${variance}`);
  const u = rand([1000], { seed: 4, low: -2, high: 3 }).data;
  assert.ok(u.every((v) => v >= -2 && v < 3));
  const r = new Rng(5);
  for (let i = 0; i < 100; i++) {
    const k = r.int(2, 4);
    assert.ok(k >= 2 && k <= 4 && Number.isInteger(k));
  }
});

test('permute reorders axes (NHWC ↔ NCHW round trip)', () => {
  const t = arange([2, 3, 4, 5]);
  const p = permute(t, [0, 3, 1, 2]);
  assert.deepEqual(p.shape, [2, 5, 3, 4]);
  assert.equal(p.get(1, 4, 2, 3), t.get(1, 2, 3, 4));
  assert.deepEqual(Array.from(permute(p, [0, 2, 3, 1]).data), Array.from(t.data));
  assert.throws(() => permute(t, [0, 1, 1, 2]), /not a permutation/);
});
