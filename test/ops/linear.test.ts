import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradcheckProjected, linear, randn, Tensor, tensor } from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const ok = (r: { ok: boolean; failure?: string }) => assert.ok(r.ok, r.failure);

describe('linear', () => {
  it('computes x·Wᵀ + b on the last axis', () => {
    const x = tensor([[1, 2, 3], [0, -1, 2]]);
    const w = tensor([[1, 0, 1], [2, 1, 0]]);
    const y = linear(x, w, tensor([10, 20]));
    assert.deepEqual(y.shape, [2, 2]);
    assert.deepEqual([...y.data], [1 + 3 + 10, 2 + 2 + 20, 0 + 2 + 10, 0 - 1 + 20]);
    assert.deepEqual([...linear(tensor([1, 2, 3]), w).data], [4, 4]); // x [in] → [out]
  });

  it('keeps every leading axis, matching a per-row loop', () => {
    const x = f64([2, 3, 4, 5], 1);
    const w = f64([6, 5], 2);
    const b = f64([6], 3);
    const y = linear(x, w, b);
    assert.deepEqual(y.shape, [2, 3, 4, 6]);
    for (let r = 0; r < 24; r++) {
      for (let o = 0; o < 6; o++) {
        let s = b.data[o];
        for (let i = 0; i < 5; i++) s += x.data[r * 5 + i] * w.data[o * 5 + i];
        assert.ok(Math.abs(y.data[r * 6 + o] - s) < 1e-12);
      }
    }
  });

  it('rejects mismatched shapes and dtypes, naming them', () => {
    assert.throws(() => linear(f64([2, 4], 1), f64([3, 5], 2)), (e: Error & { code?: string }) => e.code === 'channel_mismatch' && /\[2,4\].*\[3,5\]/.test(e.message));
    assert.throws(() => linear(f64([2, 4], 1), f64([4], 2)), (e: Error & { code?: string }) => e.code === 'rank_mismatch');
    assert.throws(() => linear(f64([2, 4], 1), f64([3, 4], 2), f64([4], 3)), /bias \[4\] must be \[3\]/);
    assert.throws(() => linear(f64([2, 4], 1), randn([3, 4])), (e: Error & { code?: string }) => e.code === 'bad_tensor');
  });

  it('gradcheck in x, weight and bias (2D, 3D and a vector input)', () => {
    const fn = (x: Tensor, w: Tensor, b: Tensor) => linear(x, w, b);
    ok(gradcheck(fn, [f64([3, 4], 1).requiresGrad_(), f64([2, 4], 2).requiresGrad_(), f64([2], 3).requiresGrad_()]));
    ok(gradcheck(fn, [f64([2, 3, 4], 4).requiresGrad_(), f64([5, 4], 5).requiresGrad_(), f64([5], 6).requiresGrad_()]));
    ok(gradcheck((x, w) => linear(x, w), [f64([4], 7).requiresGrad_(), f64([3, 4], 8).requiresGrad_()]));
    ok(gradcheckProjected(fn, [f64([4, 16, 32], 9).requiresGrad_(), f64([24, 32], 10).requiresGrad_(), f64([24], 11).requiresGrad_()]));
  });

  it('float32 gradients keep the dtype and match float64 ones', () => {
    const x64 = f64([3, 8], 1);
    const w64 = f64([4, 8], 2);
    const g = f64([3, 4], 3);
    const grads = (x: Tensor, w: Tensor, b: Tensor, gy: Tensor) => {
      x.requiresGrad_(); w.requiresGrad_(); b.requiresGrad_();
      linear(x, w, b).backward(gy);
      return [x.grad!, w.grad!, b.grad!];
    };
    const a = grads(x64.clone(), w64.clone(), f64([4], 4), g);
    const b = grads(x64.to('float32'), w64.to('float32'), f64([4], 4).to('float32'), g.to('float32'));
    for (let k = 0; k < 3; k++) {
      assert.equal(b[k].dtype, 'float32');
      for (let i = 0; i < a[k].size; i++) assert.ok(Math.abs(a[k].data[i] - b[k].data[i]) < 1e-5);
    }
  });
});
