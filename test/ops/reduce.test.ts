/**
 * Reductions: sum, mean, max, argmax, variance over one axis, several, or all; keepdim; errors;
 * and float64 central-difference gradient checks (max on inputs without ties).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradcheckProjected } from '../../src/autograd/gradcheck.js';
import { AtrousError } from '../../src/errors.js';
import { argmax, max, mean, sum, variance } from '../../src/ops/reduce.js';
import { arange, ones, randn, type Tensor, tensor, zeros } from '../../src/tensor/tensor.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === code && re.test(e.message);

// x = 0..23 as [2, 3, 4]: x[i, j, k] = 12i + 4j + k.
const x234 = () => arange([2, 3, 4], 0, 'float64');

describe('sum and mean', () => {
  it('over all axes, one axis, negative axes and several axes, with and without keepdim', () => {
    const x = x234();
    const all = sum(x);
    assert.deepEqual(all.shape, []);
    assert.equal(all.item(), 276);
    assert.deepEqual(sum(x, 0).toArray(), [[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]]);
    assert.deepEqual(sum(x, -1).toArray(), [[6, 22, 38], [54, 70, 86]]);
    assert.deepEqual(sum(x, 1, true).shape, [2, 1, 4]);
    assert.deepEqual([...sum(x, 1, true).data], [12, 15, 18, 21, 48, 51, 54, 57]);
    assert.deepEqual(sum(x, [0, 2]).toArray(), [60, 92, 124]);
    assert.deepEqual(sum(x, [-1, 0], true).shape, [1, 3, 1]);
    assert.equal(mean(x).item(), 11.5);
    assert.deepEqual(mean(x, [0, 1]).toArray(), [10, 11, 12, 13]);
    assert.deepEqual(mean(x, 2, true).shape, [2, 3, 1]);
  });

  it('edge cases: 0-d input, size-1 axes (no aliasing), empty axes', () => {
    const s = tensor([5], [], 'float64');
    assert.equal(sum(s).item(), 5);
    assert.equal(sum(s, 0).item(), 5);
    assert.equal(mean(s, -1).item(), 5);
    const x = tensor([1, 2, 3], [1, 3], 'float64');
    const y = sum(x, 0);
    assert.deepEqual([...y.data], [1, 2, 3]);
    assert.notEqual(y.data, x.data); // a fresh result, never a view of the input
    assert.deepEqual([...sum(zeros([2, 0]), 1).data], [0, 0]);
    assert.ok(Number.isNaN(mean(zeros([2, 0]), 1).data[0]));
  });

  it('keeps float32 and accumulates in float64', () => {
    const x = ones([1000, 1000]);
    x.data.fill(0.1);
    const s = sum(x);
    assert.ok(s.data instanceof Float32Array);
    assert.ok(Math.abs(s.item() - 100000.0015) < 0.01, `got ${s.item()}`);
    assert.ok(Math.abs(mean(x).item() - 0.1) < 1e-7);
  });

  it('rejects bad axes', () => {
    const x = x234();
    assert.throws(() => sum(x, 3), isErr('bad_argument', /sum: axis 3 is out of range for \[2,3,4\]/));
    assert.throws(() => mean(x, -4), isErr('bad_argument', /axis -4 is out of range/));
    assert.throws(() => sum(x, [0, -3]), isErr('bad_argument', /listed twice/));
    assert.throws(() => sum(x, 1.5), isErr('not_integer', /axis 1.5/));
    assert.throws(() => sum(x, []), isErr('bad_argument', /non-empty array/));
    assert.throws(() => sum([1] as never), isErr('bad_tensor', /sum: x must be a Tensor/));
  });
});

describe('max and argmax', () => {
  it('values and indices along an axis, all axes, and keepdim', () => {
    const x = tensor([[3, 9, 1], [4, -2, 8]], undefined, 'float64');
    assert.deepEqual(max(x, 1).toArray(), [9, 8]);
    assert.deepEqual(max(x, 0, true).toArray(), [[4, 9, 8]]);
    assert.equal(max(x).item(), 9);
    assert.deepEqual(max(x, [0, 1], true).shape, [1, 1]);
    assert.deepEqual(argmax(x, 1).toArray(), [1, 2]);
    assert.deepEqual(argmax(x, 0).toArray(), [1, 0, 1]);
    assert.deepEqual(argmax(x, -1, true).shape, [2, 1]);
    assert.equal(argmax(x).item(), 1); // index into the flattened tensor
    const seg = arange([2, 3, 2, 2], 0);
    const pred = argmax(seg, 1);
    assert.deepEqual(pred.shape, [2, 2, 2]);
    assert.deepEqual([...pred.data], Array(8).fill(2));
    assert.equal(pred.dtype, 'float32');
    assert.equal(pred.requiresGrad, false);
  });

  it('takes the first maximum on ties (value and gradient) and lets NaN win', () => {
    const x = tensor([[2, 5, 5], [7, 7, 1]], undefined, 'float64').requiresGrad_();
    assert.deepEqual(argmax(x, 1).toArray(), [1, 0]);
    max(x, 1).backward(tensor([1, 10], [2], 'float64'));
    assert.deepEqual(x.grad!.toArray(), [[0, 1, 0], [10, 0, 0]]);
    const n = tensor([1, NaN, 3, NaN], [4], 'float64');
    assert.ok(Number.isNaN(max(n).item()));
    assert.equal(argmax(n).item(), 1);
    assert.deepEqual(max(tensor([-Infinity, -Infinity], [2]), 0).item(), -Infinity);
  });

  it('rejects an empty reduction and a list of axes for argmax', () => {
    assert.throws(() => max(zeros([2, 0]), 1), isErr('empty_output', /max: cannot reduce over an empty axis of \[2,0\]/));
    assert.deepEqual(max(zeros([0, 3]), 1).shape, [0]);
    assert.throws(() => argmax(x234(), [0, 1] as never), isErr('bad_argument', /one number/));
  });
});

describe('variance', () => {
  it('unbiased by default, biased on request (NumPy reference values)', () => {
    const v = tensor([[1, 2, 4], [3, 3.5, -1]], undefined, 'float64');
    const close = (got: ArrayLike<number>, want: number[]) => want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-12, `${got[i]} vs ${w}`));
    close(variance(v, 1).data, [7 / 3, 6.083333333333333]);
    close(variance(v, 1, { unbiased: false }).data, [14 / 9, 4.055555555555556]);
    close(variance(v).data, [3.4416666666666664]);
    assert.deepEqual(variance(v, 0, { keepdim: true }).shape, [1, 3]);
    assert.ok(Number.isNaN(variance(tensor([2], [1], 'float64')).item()));
  });
});

describe('reduction gradients (float64 central differences)', () => {
  const cases: [string, (x: Tensor) => Tensor][] = [
    ['sum all', (x) => sum(x)],
    ['sum axis 1', (x) => sum(x, 1)],
    ['sum axes [0, 2] keepdim', (x) => sum(x, [0, 2], true)],
    ['mean all', (x) => mean(x)],
    ['mean axis -1 keepdim', (x) => mean(x, -1, true)],
    ['mean axes [1, 2]', (x) => mean(x, [1, 2])],
    ['max all', (x) => max(x)],
    ['max axis 1', (x) => max(x, 1)],
    ['max axes [0, 2] keepdim', (x) => max(x, [0, 2], true)],
    ['variance unbiased axis 1', (x) => variance(x, 1)],
    ['variance biased all', (x) => variance(x, undefined, { unbiased: false })],
    ['variance axes [0, 2] keepdim', (x) => variance(x, [0, 2], { keepdim: true })],
  ];
  for (const [name, fn] of cases) {
    it(name, () => {
      // Gaussian draws: ties (kinks of max) have probability 0.
      const r = gradcheck(fn, [f64([2, 3, 4], 1).requiresGrad_()]);
      assert.ok(r.ok, r.failure);
      const p = gradcheckProjected(fn, [f64([5, 6, 7], 2).requiresGrad_()], { seed: 9 });
      assert.ok(p.ok, p.failure);
    });
  }
});
