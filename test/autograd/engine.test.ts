import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, gradcheck, gradcheckProjected, noGrad, randn, Tensor, tensor } from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });

describe('autograd engine', () => {
  it('accumulates a gradient reaching a leaf along two paths (x used twice)', () => {
    const x = f64([1, 1, 6], 1).requiresGrad_();
    const w = tensor([1, 2], [1, 1, 2], 'float64');
    const y = conv1d(x, w);
    const z = conv1d(x, tensor([3, -1], [1, 1, 2], 'float64'));
    // d/dx of Σ v·(y + z) = convT(v, w) + convT(v, w2): backward twice into one leaf, summed.
    y.backward(tensor([1, 1, 1, 1, 1], [1, 1, 5], 'float64'));
    z.backward(tensor([1, 1, 1, 1, 1], [1, 1, 5], 'float64'));
    assert.deepEqual([...x.grad!.data], [4, 5, 5, 5, 5, 1]);
  });

  it('sums gradients at an interior node used twice (diamond) before going on', () => {
    const x = f64([1, 1, 5], 2).requiresGrad_();
    const h = conv1d(x, tensor([2], [1, 1, 1], 'float64')); // h = 2x
    const a = conv1d(h, tensor([1], [1, 1, 1], 'float64'));
    const b = conv1d(h, tensor([3], [1, 1, 1], 'float64'));
    const s = conv1d(a.reshape([1, 1, 5]), tensor([1], [1, 1, 1], 'float64'));
    s.backward(tensor([1, 1, 1, 1, 1], [1, 1, 5], 'float64'));
    assert.deepEqual([...x.grad!.data], [2, 2, 2, 2, 2]);
    x.grad = null;
    // Two outputs of h joined by a conv over channels: d = a + b with a 2-channel 1x1 conv.
    const h2 = conv1d(x, tensor([2], [1, 1, 1], 'float64'));
    const ab = conv1d(h2, tensor([1, 3], [2, 1, 1], 'float64'));
    const d = conv1d(ab, tensor([1, 1], [1, 2, 1], 'float64'));
    d.backward(tensor([1, 1, 1, 1, 1], [1, 1, 5], 'float64'));
    assert.deepEqual([...x.grad!.data], [8, 8, 8, 8, 8]);
  });

  it('frees the graph after backward and says so on a second backward', () => {
    const w = f64([1, 1, 3], 3).requiresGrad_();
    const y = conv1d(f64([1, 1, 8], 4), w, { dilation: 2 });
    y.backward(f64([1, 1, 4], 5));
    assert.equal(y.gradFn!.backward, null);
    assert.equal(y.gradFn!.inputs.length, 0);
    assert.throws(() => y.backward(f64([1, 1, 4], 5)), /already used by a backward pass/);
  });

  it('records nothing under noGrad or when no input requires gradients', () => {
    const w = f64([2, 1, 3], 3).requiresGrad_();
    const x = f64([1, 1, 8], 4);
    assert.equal(noGrad(() => conv1d(x, w)).gradFn, null);
    assert.equal(conv1d(x, w.detach()).requiresGrad, false);
    assert.throws(() => conv1d(x, w.detach()).backward(), /does not require gradients/);
    assert.throws(() => conv1d(x, w).backward(), /one-element tensor/);
    assert.throws(() => conv1d(x, w).backward(f64([1, 2, 5], 1)), /does not match/);
  });

  it('computes no input gradient for data that does not require one', () => {
    const w = f64([2, 1, 3], 3).requiresGrad_();
    const x = f64([1, 1, 8], 4);
    conv1d(x, w).backward(f64([1, 2, 6], 1));
    assert.equal(x.grad, null);
    assert.ok(w.grad instanceof Tensor);
  });

  it('keeps a deep chain iterative (2000 recorded ops, no stack overflow)', () => {
    const x = f64([1, 1, 4], 1).requiresGrad_();
    let h = x;
    for (let i = 0; i < 2000; i++) h = h.reshape(i % 2 === 0 ? [4] : [1, 1, 4]);
    h.backward(tensor([1, 2, 3, 4], [1, 1, 4], 'float64'));
    assert.deepEqual([...x.grad!.data], [1, 2, 3, 4]);
  });
});

describe('conv gradients through autograd (central differences, float64)', () => {
  const cases: { name: string; fn: (x: Tensor, w: Tensor, b: Tensor) => Tensor; x: number[]; w: number[] }[] = [
    { name: 'conv1d causal dilation 3', fn: (x, w, b) => conv1d(x, w, { bias: b, dilation: 3, padding: 'causal' }), x: [2, 3, 11], w: [4, 3, 3] },
    { name: 'conv1d stride 2 dilation 2 groups 3', fn: (x, w, b) => conv1d(x, w, { bias: b, stride: 2, dilation: 2, groups: 3, padding: 1 }), x: [1, 3, 12], w: [6, 1, 3] },
    { name: 'conv2d per-axis dilation, same', fn: (x, w, b) => conv2d(x, w, { bias: b, dilation: [2, 3], padding: 'same' }), x: [1, 2, 7, 8], w: [3, 2, 3, 2] },
    { name: 'conv2d depthwise stride 2', fn: (x, w, b) => conv2d(x, w, { bias: b, groups: 4, stride: 2, dilation: 2, padding: 'same' }), x: [2, 4, 7, 7], w: [4, 1, 3, 3] },
    { name: 'conv2d unbatched', fn: (x, w, b) => conv2d(x, w, { bias: b, dilation: 2 }), x: [2, 6, 6], w: [2, 2, 2, 2] },
    { name: 'conv3d', fn: (x, w, b) => conv3d(x, w, { bias: b, dilation: [1, 2, 1], padding: 1 }), x: [1, 2, 4, 5, 4], w: [2, 2, 2, 2, 2] },
    { name: 'convTranspose1d stride 2 dilation 2', fn: (x, w, b) => convTranspose1d(x, w, { bias: b, stride: 2, dilation: 2, padding: 1, outputPadding: 1 }), x: [2, 3, 5], w: [3, 2, 3] },
    { name: 'convTranspose2d groups 2', fn: (x, w, b) => convTranspose2d(x, w, { bias: b, stride: [2, 1], dilation: [1, 3], groups: 2 }), x: [1, 4, 3, 4], w: [4, 1, 2, 2] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const isT = c.name.startsWith('convTranspose');
      const outC = isT ? c.w[1] * (c.name.includes('groups 2') ? 2 : 1) : c.w[0];
      const inputs = [f64(c.x, 1).requiresGrad_(), f64(c.w, 2).requiresGrad_(), f64([outC], 3).requiresGrad_()];
      const r = gradcheck(c.fn, inputs);
      assert.ok(r.ok, r.failure);
      const p = gradcheckProjected(c.fn, inputs, { seed: 7 });
      assert.ok(p.ok, p.failure);
    });
  }
});

describe('transposed conv gradients with output padding at least the stride', () => {
  it('x [1,1,3], w [1,1,2], dilation 3, outputPadding 2 (PyTorch accepts it): dx and dw by hand', () => {
    // y = conv_transpose1d(x, w, dilation=3, output_padding=2) has length (3−1) + 3 + 2 + 1 = 8;
    // dx and dw for gy = [1, ..., 8] by hand from the definition:
    // y[i·1 + t·3] += x[i]·w[t] → dx[i] = Σ_t gy[i + 3t]·w[t], dw[t] = Σ_i gy[i + 3t]·x[i].
    const x = tensor([0.5, -1, 2], [1, 1, 3], 'float64').requiresGrad_();
    const w = tensor([0.25, 1.5], [1, 1, 2], 'float64').requiresGrad_();
    const y = convTranspose1d(x, w, { dilation: 3, outputPadding: 2 });
    assert.deepEqual(y.shape, [1, 1, 8]);
    y.backward(tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 8], 'float64'));
    assert.deepEqual([...x.grad!.data], [1 * 0.25 + 4 * 1.5, 2 * 0.25 + 5 * 1.5, 3 * 0.25 + 6 * 1.5]);
    assert.deepEqual([...w.grad!.data], [1 * 0.5 - 2 + 3 * 2, 4 * 0.5 - 5 + 6 * 2]);
  });

  it('pass central differences in 1D and 2D, float64', () => {
    const f1 = (a: Tensor, b: Tensor) => convTranspose1d(a, b, { stride: 2, dilation: 5, outputPadding: 3, padding: 1 });
    const r1 = gradcheck(f1, [f64([2, 2, 4], 1).requiresGrad_(), f64([2, 3, 3], 2).requiresGrad_()]);
    assert.ok(r1.ok, r1.failure);
    const f2 = (a: Tensor, b: Tensor) => convTranspose2d(a, b, { stride: [1, 2], dilation: [4, 3], outputPadding: [3, 2] });
    const r2 = gradcheck(f2, [f64([1, 2, 3, 3], 3).requiresGrad_(), f64([2, 2, 2, 2], 4).requiresGrad_()]);
    assert.ok(r2.ok, r2.failure);
  });
});
