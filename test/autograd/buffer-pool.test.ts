/**
 * The backward engine gives dead gradient buffers back to the pool and `zeros` hands them out
 * again: gradients must not change, and nothing a caller holds may ever be recycled under it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, conv2d, manualSeed, mseLoss, randn, relu, TCNRegressor, type Tensor } from '../../src/index.js';
import { allocateUninitialized, allocateZeroed, emptyBufferPool, pooledBufferBytes } from '../../src/tensor/buffer-pool.js';
import { convRef } from '../../src/kernels/ref/conv.js';
import { planConv } from '../../src/shape/plan-conv.js';

function grads(model: TCNRegressor, x: Tensor, y: Tensor): Float32Array[] {
  for (const p of model.parameters()) p.grad = null;
  mseLoss(model.forward(x), y).backward();
  return model.parameters().map((p) => Float32Array.from(p.grad!.data));
}

describe('gradient buffer pool', () => {
  manualSeed(7);
  const model = new TCNRegressor(2, [16, 16, 16], 1, { kernelSize: 3, dropout: 0 });
  const x = randn([8, 2, 600], { seed: 1 });
  const y = randn([8, 1], { seed: 2 });

  it('recycles gradient buffers, and gradients from recycled memory are bit-identical', () => {
    emptyBufferPool();
    const first = grads(model, x, y);
    assert.ok(pooledBufferBytes() > 0, 'a backward through 76,800-float activations gave buffers back');
    for (let k = 0; k < 3; k++) assert.deepEqual(grads(model, x, y), first);
  });

  it('never recycles what a caller holds: the input, forward activations, the loss, .grad', () => {
    const input = randn([4, 16, 2048], { seed: 3 }).requiresGrad_(true);
    const h = relu(input);
    const out = add(h, input);
    const hCopy = Float32Array.from(h.data);
    const outCopy = Float32Array.from(out.data);
    const inCopy = Float32Array.from(input.data);
    const g = randn([4, 16, 2048], { seed: 4 });
    const gCopy = Float32Array.from(g.data);
    out.backward(g);
    const gradCopy = Float32Array.from(input.grad!.data);
    // Allocate and overwrite many pooled-size tensors: if anything held above had been recycled,
    // one of these would now share (and scribble over) its memory.
    for (let k = 0; k < 20; k++) randn([4, 16, 2048], { seed: 10 + k }).data.fill(123);
    for (let k = 0; k < 5; k++) grads(model, x, y);
    assert.deepEqual(h.data, hCopy);
    assert.deepEqual(out.data, outCopy);
    assert.deepEqual(input.data, inCopy);
    assert.deepEqual(g.data, gCopy);
    assert.deepEqual(input.grad!.data, gradCopy);
  });

  it('fresh memory: unfilled arrays of exactly the size asked for, zeroed ones all zero', () => {
    emptyBufferPool();
    for (const float64 of [false, true]) {
      const u = allocateUninitialized(50_000, float64);
      assert.equal(u.length, 50_000);
      assert.equal(u.buffer.byteLength, u.byteLength, 'its own buffer: nothing else shares it');
      u.fill(7);
      const z = allocateZeroed(50_000, float64);
      assert.ok(z.every((v) => v === 0));
    }
  });

  it('a conv output in unfilled memory (old NaNs about) is still exact: every element is written', () => {
    const cx = randn([2, 8, 40, 50], { seed: 5 });
    const w = randn([8, 8, 3, 3], { seed: 6 });
    const plan = planConv('t', 2, cx.shape, w.shape, null, { dilation: 2, padding: 2 });
    const expected = new Float32Array(2 * 8 * 40 * 50);
    convRef(plan, cx.data, w.data, null, expected);
    for (let k = 0; k < 3; k++) {
      for (let j = 0; j < 4; j++) allocateUninitialized(expected.length, false).fill(NaN);
      const got = conv2d(cx, w, { dilation: 2, padding: 2 }).data;
      assert.ok(got.every((v, i) => Math.abs(v - expected[i]) <= 1e-4), `run ${k}`);
    }
  });

  it('stays bounded', () => {
    for (let k = 0; k < 3; k++) grads(model, x, y);
    assert.ok(pooledBufferBytes() <= 128 << 20);
  });
});
