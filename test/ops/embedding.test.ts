import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, concat, embedding, gradcheck, gradcheckProjected, randn, slice, Tensor, tensor } from '../../src/index.js';

const code = (c: string, msg?: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === c && (msg === undefined || msg.test(e.message));

describe('embedding', () => {
  const w = tensor([[0, 1], [10, 11], [20, 21], [30, 31]]);

  it('gathers rows for indices of any shape and form', () => {
    assert.deepEqual(embedding([2, 0, 2], w).toArray(), [[20, 21], [0, 1], [20, 21]]);
    assert.deepEqual(embedding([[1, 3], [0, 1]], w).toArray(), [[[10, 11], [30, 31]], [[0, 1], [10, 11]]]);
    assert.deepEqual(embedding(Int32Array.from([3, 3]), w).toArray(), [[30, 31], [30, 31]]);
    assert.deepEqual(embedding(tensor([[[1]], [[2]]]), w).shape, [2, 1, 1, 2]);
    assert.deepEqual(embedding(2, w).toArray(), [20, 21]);
    assert.deepEqual(embedding([], w).shape, [0, 2]);
    assert.equal(embedding([1], w.to('float64')).dtype, 'float64');
  });

  it('names the bad index and validates the weight and paddingIdx', () => {
    assert.throws(() => embedding([0, 4, 1], w), code('bad_argument', /embedding: index 4 at position 1 of indices \[3\] is out of range for weight \[4,2\] \(valid: 0\.\.3\)/));
    assert.throws(() => embedding([[0], [-1]], w), code('bad_argument', /index -1 at position 1/));
    assert.throws(() => embedding(tensor([0.5]), w), code('bad_argument', /index 0.5/));
    assert.throws(() => embedding([[0, 1], [2]], w), code('bad_argument', /ragged/));
    assert.throws(() => embedding([0, '1'] as unknown as number[], w), code('bad_argument', /indices must be integers, got string 1/));
    assert.throws(() => embedding('1' as unknown as number[], w), code('bad_argument', /indices must be/));
    assert.throws(() => embedding([0], tensor([1, 2, 3])), code('rank_mismatch', /\[numEmbeddings, dim\], got \[3\]/));
    assert.throws(() => embedding([0], [[1]] as unknown as Tensor), code('bad_tensor'));
    assert.throws(() => embedding([0], w, { paddingIdx: 4 }), code('bad_argument', /paddingIdx 4 must be an integer in -4\.\.3/));
  });

  it('scatter-adds gradients into the weight rows, none into paddingIdx', () => {
    const wg = tensor([[0, 1], [10, 11], [20, 21], [30, 31]], undefined, 'float64').requiresGrad_();
    embedding([1, 2, 1, 0], wg, { paddingIdx: 2 }).backward(tensor([[1, 2], [3, 4], [5, 6], [7, 8]], undefined, 'float64'));
    assert.deepEqual(wg.grad!.toArray(), [[7, 8], [6, 8], [0, 0], [0, 0]]);
    const wn = tensor([[0, 1], [10, 11], [20, 21]], undefined, 'float64').requiresGrad_();
    embedding([2, 0], wn, { paddingIdx: -1 }).backward(tensor([[1, 1], [2, 2]], undefined, 'float64'));
    assert.deepEqual(wn.grad!.toArray(), [[2, 2], [0, 0], [0, 0]]);
    // The forward still reads the padding row, as F.embedding does.
    assert.deepEqual(embedding([2], wn, { paddingIdx: 2 }).toArray(), [[20, 21]]);
  });

  it('passes gradcheck, with repeats and with paddingIdx', () => {
    const wg = randn([5, 3], { seed: 1, dtype: 'float64' }).requiresGrad_();
    const idx = [[1, 4, 1], [0, 1, 3]];
    const r = gradcheck((u) => embedding(idx, u), [wg]);
    assert.ok(r.ok, r.failure);
    // paddingIdx withholds a gradient the forward does have, so check it with that row held
    // constant: the other rows' gradients must be exact and the padding row must not disturb them.
    const padRow = randn([1, 3], { seed: 3, dtype: 'float64' });
    const withPad = (u: Tensor) => embedding(idx, concat([slice(u, 0, 0, 1), padRow, slice(u, 0, 1)], 0), { paddingIdx: 1 });
    const rp = gradcheck(withPad, [randn([4, 3], { seed: 4, dtype: 'float64' }).requiresGrad_()]);
    assert.ok(rp.ok, rp.failure);
    const big = randn([49, 16], { seed: 2, dtype: 'float64' }).requiresGrad_();
    const many = Int32Array.from({ length: 200 }, (_, i) => (i * 37) % 50);
    const bigPad = (u: Tensor) => embedding(many, concat([randn([1, 16], { seed: 5, dtype: 'float64' }), u], 0), { paddingIdx: 0 });
    const p = gradcheckProjected(bigPad, [big]);
    assert.ok(p.ok, p.failure);
    const q = gradcheckProjected((u) => embedding(many.map((v) => v % 49), u), [big]);
    assert.ok(q.ok, q.failure);
    assert.ok(p.ok, p.failure);
  });
});
