/**
 * Conv gradients: central finite differences in float64 on small shapes (every input and weight
 * element), and the fast float32 path against the float64 reference path on larger ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convBiasGrad, convInputGrad, convWeightGrad } from '../../src/ops/conv-grad.js';
import { convNd } from '../../src/ops/conv.js';
import type { ConvOptions } from '../../src/shape/plan-conv.js';
import { randn, type Tensor } from '../../src/tensor/tensor.js';

interface Case {
  name: string;
  x: number[];
  w: number[];
  opts: ConvOptions;
}

const cases: Case[] = [
  { name: '1D causal, dilation 3, stride 2', x: [2, 2, 13], w: [3, 2, 3], opts: { dilation: 3, stride: 2, padding: 'causal' } },
  { name: '2D per-axis dilation, stride with dilation, groups 2, same', x: [1, 4, 9, 8], w: [4, 2, 3, 2], opts: { dilation: [2, 3], stride: [2, 1], groups: 2, padding: 'same' } },
  { name: '2D depthwise, asymmetric padding', x: [2, 3, 7, 6], w: [3, 1, 2, 3], opts: { dilation: [3, 1], groups: 3, padding: [[2, 0], [1, 3]] } },
  { name: '3D dilation 2, stride 2', x: [1, 2, 6, 5, 6], w: [2, 2, 2, 2, 2], opts: { dilation: 2, stride: [2, 1, 2], padding: 1 } },
  { name: 'unbatched 1D, stride 3 leaves trailing inputs unused', x: [2, 11], w: [2, 2, 2], opts: { dilation: 2, stride: 3 } },
];

/** L(x, w) = Σ conv(x, w) ⊙ r, so dL/dx = convInputGrad(r) and dL/dw = convWeightGrad(r). */
function loss(x: Tensor, w: Tensor, r: Tensor, opts: ConvOptions): number {
  const y = convNd('fd', w.rank - 2, x, w, opts);
  let s = 0;
  for (let i = 0; i < y.size; i++) s += y.data[i] * r.data[i];
  return s;
}

function finiteDifference(t: Tensor, f: () => number, h = 1e-6): Float64Array {
  const g = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    t.data[i] = v + h;
    const up = f();
    t.data[i] = v - h;
    const down = f();
    t.data[i] = v;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(scale, 1), `${what}: index ${i}: ${got[i]} vs ${want[i]}`);
  }
}

for (const c of cases) {
  test(`conv gradients match central differences in float64: ${c.name}`, () => {
    const x = randn(c.x, { seed: 1, dtype: 'float64' });
    const w = randn(c.w, { seed: 2, dtype: 'float64' });
    const y = convNd('fd', w.rank - 2, x, w, c.opts);
    const r = randn(y.shape, { seed: 3, dtype: 'float64' });
    const dx = convInputGrad(x.shape, w, r, c.opts);
    const dw = convWeightGrad(x, w.shape, r, c.opts);
    assert.deepEqual(dx.shape, x.shape);
    assert.deepEqual(dw.shape, w.shape);
    assertClose(dx.data, finiteDifference(x, () => loss(x, w, r, c.opts)), 1e-7, 'dx');
    assertClose(dw.data, finiteDifference(w, () => loss(x, w, r, c.opts)), 1e-7, 'dw');
  });
}

test('bias gradient sums dy over batch and positions', () => {
  const dy = randn([3, 4, 5, 2], { seed: 4, dtype: 'float64' });
  const db = convBiasGrad(dy);
  for (let c = 0; c < 4; c++) {
    let s = 0;
    for (let n = 0; n < 3; n++) for (let i = 0; i < 10; i++) s += dy.data[(n * 4 + c) * 10 + i];
    assert.ok(Math.abs(db.data[c] - s) < 1e-12);
  }
  assert.deepEqual(convBiasGrad(randn([4, 7]), true).shape, [4]);
});

test('float32 gradients on the fast kernels equal the float64 reference path', () => {
  const opts: ConvOptions = { dilation: [4, 2], stride: [1, 2], groups: 2, padding: 'same' };
  const x64 = randn([2, 6, 21, 19], { seed: 5, dtype: 'float64' });
  const w64 = randn([8, 3, 3, 3], { seed: 6, dtype: 'float64' });
  const y = convNd('g', 2, x64, w64, opts);
  const r64 = randn(y.shape, { seed: 7, dtype: 'float64' });
  const [x32, w32, r32] = [x64.to('float32'), w64.to('float32'), r64.to('float32')];
  assertClose(convInputGrad(x32.shape, w32, r32, opts).data, convInputGrad(x64.shape, w64, r64, opts).data, 1e-5, 'dx');
  assertClose(convWeightGrad(x32, w32.shape, r32, opts).data, convWeightGrad(x64, w64.shape, r64, opts).data, 1e-5, 'dw');
});

test('gradOutput must have the conv output shape', () => {
  const w = randn([2, 1, 3]);
  assert.throws(() => convInputGrad([1, 1, 10], w, randn([1, 2, 7])), /gradOutput \[1,2,7\] must have the conv's output shape \[1,2,8\]/);
  assert.throws(() => convWeightGrad(randn([1, 1, 10]), [2, 1, 3], randn([1, 2, 8], { dtype: 'float64' })), /gradOutput is float64/);
});
