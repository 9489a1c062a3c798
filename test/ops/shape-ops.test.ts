import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arange,
  AtrousError,
  concat,
  flatten,
  gradcheck,
  gradcheckProjected,
  pad,
  permute,
  randn,
  slice,
  split,
  squeeze,
  stack,
  Tensor,
  tensor,
  tfConv2d,
  transpose,
  unsqueeze,
  zeros,
} from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' }).requiresGrad_();
const code = (c: string, msg?: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === c && (msg === undefined || msg.test(e.message));

/** Both checks for a one-input op: every coordinate on `small`, random directions on `large`. */
function checkGrad(fn: (x: Tensor) => Tensor, small: number[], large: number[]): void {
  const r = gradcheck(fn, [f64(small, 1)]);
  assert.ok(r.ok, r.failure);
  const p = gradcheckProjected(fn, [f64(large, 2)], { seed: 5 });
  assert.ok(p.ok, p.failure);
}

describe('permute and transpose', () => {
  it('permute reorders values and is differentiable (the gradient goes back by the inverse)', () => {
    const x = arange([2, 3, 4]);
    const y = permute(x, [2, 0, 1]);
    assert.deepEqual(y.shape, [4, 2, 3]);
    for (const [i, j, k] of [[0, 0, 0], [1, 2, 3], [0, 1, 2], [1, 0, 3]]) assert.equal(y.get(k, i, j), x.get(i, j, k));
    assert.deepEqual(permute(x, [-1, 0, -2]).shape, [4, 2, 3]);
    assert.equal(permute(f64([2, 3], 1), [1, 0]).gradFn?.op, 'permute');
    assert.throws(() => permute(x, [0, 1]), code('bad_argument', /not a permutation of 3 axes of \[2,3,4\]/));
    checkGrad((t) => permute(t, [2, 0, 3, 1]), [2, 3, 2, 2], [3, 4, 5, 6]);
  });

  it('tfConv2d now has gradients through its layout permutes', () => {
    const fn = (x: Tensor, f: Tensor) => tfConv2d(x, f, 1, 'SAME', 'NHWC', 2);
    const r = gradcheck(fn, [f64([1, 5, 4, 2], 3), f64([2, 2, 2, 3], 4)]);
    assert.ok(r.ok, r.failure);
  });

  it('transpose swaps two axes, negative axes allowed', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(transpose(x, 0, 1).toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(transpose(x, -1, -2).toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(transpose(x, 1, 1).toArray(), x.toArray());
    const y = transpose(arange([2, 3, 4]), 0, 2);
    assert.deepEqual(y.shape, [4, 3, 2]);
    assert.equal(y.get(3, 1, 0), 7);
    assert.throws(() => transpose(x, 0, 2), code('bad_argument', /transpose: dim1 2 is out of range for \[2,3\]/));
    assert.throws(() => transpose(x, 0.5, 1), code('not_integer'));
    assert.throws(() => transpose([1, 2] as unknown as Tensor, 0, 1), code('bad_tensor', /transpose: x must be a Tensor/));
    checkGrad((t) => transpose(t, 0, -1), [2, 3, 4], [5, 6, 7]);
  });
});

describe('flatten, squeeze, unsqueeze', () => {
  it('flatten merges an inclusive range of axes', () => {
    const x = zeros([2, 3, 4, 5]);
    assert.deepEqual(flatten(x).shape, [2, 60]);
    assert.deepEqual(flatten(x, 0).shape, [120]);
    assert.deepEqual(flatten(x, 1, 2).shape, [2, 12, 5]);
    assert.deepEqual(flatten(x, -2, -1).shape, [2, 3, 20]);
    assert.deepEqual(flatten(x, 2, 2).shape, [2, 3, 4, 5]);
    assert.deepEqual(flatten(tensor(3), 0).shape, [1]);
    assert.deepEqual([...flatten(arange([2, 2, 2])).data], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.throws(() => flatten(x, 3, 1), code('bad_argument', /startDim 3 comes after endDim 1/));
    assert.throws(() => flatten(x, 4), code('bad_argument', /out of range/));
    checkGrad((t) => flatten(t, 1, 2), [2, 2, 3, 2], [3, 4, 5, 2]);
  });

  it('squeeze drops size-1 axes (all, or the listed ones), leaving other listed axes as PyTorch does', () => {
    const x = zeros([1, 3, 1, 2]);
    assert.deepEqual(squeeze(x).shape, [3, 2]);
    assert.deepEqual(squeeze(x, 0).shape, [3, 1, 2]);
    assert.deepEqual(squeeze(x, -2).shape, [1, 3, 2]);
    assert.deepEqual(squeeze(x, 1).shape, [1, 3, 1, 2]);
    assert.deepEqual(squeeze(x, [0, 2]).shape, [3, 2]);
    assert.deepEqual(squeeze(tensor([5], [1])).shape, []);
    assert.throws(() => squeeze(x, 4), code('bad_argument', /squeeze: dim 4 is out of range for \[1,3,1,2\]/));
    checkGrad((t) => squeeze(t, [0, 2]), [1, 3, 1, 2], [1, 6, 1, 5]);
  });

  it('unsqueeze inserts a unit axis anywhere in −rank−1..rank', () => {
    const x = zeros([3, 4]);
    assert.deepEqual(unsqueeze(x, 0).shape, [1, 3, 4]);
    assert.deepEqual(unsqueeze(x, 2).shape, [3, 4, 1]);
    assert.deepEqual(unsqueeze(x, -1).shape, [3, 4, 1]);
    assert.deepEqual(unsqueeze(x, -3).shape, [1, 3, 4]);
    assert.throws(() => unsqueeze(x, 3), code('bad_argument', /dim 3 is out of range for \[3,4\] \(expected -3\.\.2\)/));
    checkGrad((t) => unsqueeze(t, 1), [2, 3], [6, 7]);
  });
});

describe('slice', () => {
  const x = arange([10]);
  it('follows Python slicing: negative bounds, clamping, steps, empty results', () => {
    assert.deepEqual([...slice(x, 0, 2, 8, 3).data], [2, 5]);
    assert.deepEqual([...slice(x, 0, -4, null, 2).data], [6, 8]);
    assert.deepEqual([...slice(x, 0, null, -7).data], [0, 1, 2]);
    assert.deepEqual([...slice(x, 0, -100, 100, 4).data], [0, 4, 8]);
    assert.deepEqual([...slice(x, 0, 7, 3).data], []);
    assert.deepEqual(slice(x, 0, 7, 3).shape, [0]);
    assert.deepEqual([...slice(x, 0).data], [...x.data]);
    assert.deepEqual([...slice(x, 0, 9, 10, 5).data], [9]);
  });

  it('slices an inner axis of a batch and matches an independent index formula', () => {
    const t = arange([2, 7, 3]);
    const y = slice(t, 1, 1, -1, 2); // rows 1, 3, 5
    assert.deepEqual(y.shape, [2, 3, 3]);
    for (let a = 0; a < 2; a++) for (let i = 0; i < 3; i++) for (let c = 0; c < 3; c++) assert.equal(y.get(a, i, c), t.get(a, 1 + 2 * i, c));
    const last = slice(t, -1, 2);
    assert.deepEqual(last.shape, [2, 7, 1]);
    assert.deepEqual([...last.data], [2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41]);
  });

  it('rejects bad arguments', () => {
    assert.throws(() => slice(x, 0, 0, 5, 0), code('non_positive', /step must be positive, got 0/));
    assert.throws(() => slice(x, 0, 0, 5, -1), code('non_positive'));
    assert.throws(() => slice(x, 0, 1.5, 5), code('not_integer', /start/));
    assert.throws(() => slice(x, 1, 0, 5), code('bad_argument', /slice: axis 1 is out of range for \[10\]/));
  });

  it('has gradients (scattered back, zeros elsewhere)', () => {
    const t = f64([2, 7], 1);
    slice(t, 1, 1, 6, 2).backward(tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float64'));
    assert.deepEqual([...t.grad!.data], [0, 1, 0, 2, 0, 3, 0, 0, 4, 0, 5, 0, 6, 0]);
    checkGrad((u) => slice(u, 1, -5, null, 2), [2, 6, 3], [3, 20, 8]);
    checkGrad((u) => slice(u, 0, 1, 3), [4, 3], [9, 9]);
  });
});

describe('split', () => {
  const x = arange([2, 6]);
  it('cuts into a count of equal pieces or into given sizes', () => {
    const [a, b, c] = split(x, 3, 1);
    assert.deepEqual(a.toArray(), [[0, 1], [6, 7]]);
    assert.deepEqual(b.toArray(), [[2, 3], [8, 9]]);
    assert.deepEqual(c.toArray(), [[4, 5], [10, 11]]);
    const parts = split(x, [1, 0, 5], -1);
    assert.deepEqual(parts.map((p) => p.shape), [[2, 1], [2, 0], [2, 5]]);
    assert.deepEqual(parts[2].toArray(), [[1, 2, 3, 4, 5], [7, 8, 9, 10, 11]]);
    assert.deepEqual(split(x, 2).map((p) => p.toArray()), [[[0, 1, 2, 3, 4, 5]], [[6, 7, 8, 9, 10, 11]]]);
  });

  it('rejects counts that do not divide and sizes that do not add up', () => {
    assert.throws(() => split(x, 4, 1), code('bad_argument', /length 6, which 4 equal pieces do not divide/));
    assert.throws(() => split(x, [2, 3], 1), code('bad_argument', /sizes \[2,3\] add up to 5, but axis 1 of \[2,6\] has length 6/));
    assert.throws(() => split(x, [7, -1], 1), code('bad_argument', /non-negative integers/));
    assert.throws(() => split(x, 0, 1), code('non_positive'));
  });

  it('has gradients through every piece, and through one piece alone', () => {
    checkGrad((t) => concat(split(t, [1, 3, 2], 1).reverse(), 1), [2, 6, 2], [4, 6, 9]);
    checkGrad((t) => split(t, 3, 0)[1], [6, 2], [9, 7]);
  });
});

describe('concat and stack', () => {
  it('concat joins along an existing axis', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5], [6]]);
    assert.deepEqual(concat([a, b], 1).toArray(), [[1, 2, 5], [3, 4, 6]]);
    assert.deepEqual(concat([a, tensor([[7, 8]])], 0).toArray(), [[1, 2], [3, 4], [7, 8]]);
    assert.deepEqual(concat([a, b, a], -1).shape, [2, 5]);
    assert.deepEqual(concat([a]).toArray(), a.toArray());
  });

  it('concat rejects mixed dtypes, ranks and mismatched shapes', () => {
    const a = zeros([2, 3]);
    assert.throws(() => concat([]), code('bad_argument', /non-empty array/));
    assert.throws(() => concat([a, zeros([2, 3], 'float64')]), code('bad_tensor', /share a dtype/));
    assert.throws(() => concat([a, zeros([3, 3])], 1), code('bad_argument', /shapes \[2,3\], \[3,3\] differ outside axis 1/));
    assert.throws(() => concat([a, zeros([2, 3, 1])]), code('rank_mismatch'));
    assert.throws(() => concat([a, a], 2), code('bad_argument', /out of range/));
    assert.throws(() => concat([a, null as unknown as Tensor]), code('bad_tensor', /tensors\[1\] must be a Tensor/));
  });

  it('stack joins along a new axis', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([4, 5, 6]);
    assert.deepEqual(stack([a, b]).toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(stack([a, b], 1).toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(stack([a, b], -1).toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(stack([zeros([2, 3]), zeros([2, 3]), zeros([2, 3])], 1).shape, [2, 3, 3]);
    assert.throws(() => stack([a, tensor([1, 2])]), code('bad_argument', /one shape, got \[3\], \[2\]/));
    assert.throws(() => stack([a, b], 2), code('bad_argument', /out of range/));
  });

  it('concat and stack have gradients for every input, skipping inputs without requiresGrad', () => {
    const cat = (a: Tensor, b: Tensor, c: Tensor) => concat([a, b, c], 1);
    const r = gradcheck(cat, [f64([2, 1, 3], 1), f64([2, 3, 3], 2), f64([2, 2, 3], 3)]);
    assert.ok(r.ok, r.failure);
    const p = gradcheckProjected(cat, [f64([3, 5, 8], 1), f64([3, 2, 8], 2).detach(), f64([3, 7, 8], 3)]);
    assert.ok(p.ok, p.failure);
    const st = (a: Tensor, b: Tensor) => stack([a, b, a], -1);
    const s = gradcheck(st, [f64([2, 3], 4), f64([2, 3], 5)]);
    assert.ok(s.ok, s.failure);
    const sp = gradcheckProjected((a: Tensor, b: Tensor) => stack([a, b], 1), [f64([4, 6, 5], 6), f64([4, 6, 5], 7)]);
    assert.ok(sp.ok, sp.failure);
  });
});

describe('pad', () => {
  it('pads the last axes first, with a constant', () => {
    const x = tensor([[1, 2], [3, 4]]);
    assert.deepEqual(pad(x, [1, 2]).toArray(), [[0, 1, 2, 0, 0], [0, 3, 4, 0, 0]]);
    assert.deepEqual(pad(x, [0, 1, 1, 0], 9).toArray(), [[9, 9, 9], [1, 2, 9], [3, 4, 9]]);
    assert.deepEqual(pad(x, []).toArray(), x.toArray());
    const y = pad(zeros([2, 3, 4, 5]), [1, 1, 2, 0, 0, 1]);
    assert.deepEqual(y.shape, [2, 4, 6, 7]);
  });

  it('crops with negative amounts, as PyTorch', () => {
    const x = arange([3, 4]);
    assert.deepEqual(pad(x, [-1, 0]).toArray(), [[1, 2, 3], [5, 6, 7], [9, 10, 11]]);
    assert.deepEqual(pad(x, [-1, 1, 0, -2], 7).toArray(), [[1, 2, 3, 7]]);
    assert.deepEqual(pad(x, [0, 0, -3, 0]).shape, [0, 4]);
    // Matches an independent per-element formula on a 3D case with mixed signs.
    const t = arange([3, 5, 4]);
    const pads = [2, -1, -2, 1, 1, 0];
    const z = pad(t, pads, -1);
    assert.deepEqual(z.shape, [4, 4, 5]);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        for (let c = 0; c < 5; c++) {
          const [i, j, k] = [a - 1, b + 2, c - 2];
          const inside = i >= 0 && i < 3 && j >= 0 && j < 5 && k >= 0 && k < 4;
          assert.equal(z.get(a, b, c), inside ? t.get(i, j, k) : -1);
        }
      }
    }
  });

  it('rejects odd or too long pad lists and crops past the axis', () => {
    const x = zeros([2, 3]);
    assert.throws(() => pad(x, [1]), code('wrong_length', /even number of values/));
    assert.throws(() => pad(x, [1, 1, 1, 1, 1, 1]), code('wrong_length'));
    assert.throws(() => pad(x, [0.5, 1]), code('not_integer'));
    assert.throws(() => pad(x, [-2, -2]), code('empty_output', /axis 1 of \[2,3\] has length 3; padding -2 and -2 leaves -1/));
  });

  it('has gradients for padding and cropping', () => {
    checkGrad((t) => pad(t, [1, 2, -1, 1], 3), [2, 3, 4], [3, 9, 10]);
    checkGrad((t) => pad(t, [-1, -1, 2, 0, 1, 1]), [2, 2, 4], [4, 6, 8]);
  });
});
