/**
 * Broadcasting helpers and binary elementwise ops: values against a naive index-by-index
 * broadcast, number operands, errors, and float64 central-difference gradient checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradcheckProjected } from '../../src/autograd/gradcheck.js';
import { AtrousError } from '../../src/errors.js';
import { broadcastShapes, broadcastTo, sumToShape } from '../../src/ops/broadcast.js';
import { add, div, maximum, minimum, mul, neg, pow, sub } from '../../src/ops/elementwise.js';
import { ones, rand, randn, type Tensor, tensor } from '../../src/tensor/tensor.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const pos64 = (shape: number[], seed: number) => rand(shape, { seed, dtype: 'float64', low: 0.5, high: 2 });

/** out[i] = f(a[ia], b[ib]) with the indices worked out per element from the shapes (slow, obvious). */
function naive(a: Tensor, b: Tensor, f: (x: number, y: number) => number): { shape: number[]; data: number[] } {
  const shape = broadcastShapes(a.shape, b.shape);
  const size = shape.reduce((p, n) => p * n, 1);
  const offset = (t: Tensor, idx: number[]) => {
    let off = 0;
    const lead = shape.length - t.rank;
    for (let d = 0; d < t.rank; d++) off = off * t.shape[d] + (t.shape[d] === 1 ? 0 : idx[lead + d]);
    return off;
  };
  const data: number[] = [];
  for (let i = 0; i < size; i++) {
    const idx: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = r % shape[d];
      r = Math.floor(r / shape[d]);
    }
    data.push(f(a.data[offset(a, idx)], b.data[offset(b, idx)]));
  }
  return { shape, data };
}

const assertError = (fn: () => unknown, code: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof AtrousError && e.code === code && re.test(e.message));

describe('broadcastShapes', () => {
  it('follows the NumPy/PyTorch rules', () => {
    assert.deepEqual(broadcastShapes([2, 1, 3], [4, 1]), [2, 4, 3]);
    assert.deepEqual(broadcastShapes([], [3]), [3]);
    assert.deepEqual(broadcastShapes([5, 1], [1, 6]), [5, 6]);
    assert.deepEqual(broadcastShapes([0, 3], [1, 3]), [0, 3]);
    assert.deepEqual(broadcastShapes([1], [0]), [0]);
  });

  it('names both shapes and the axis when sizes clash', () => {
    assertError(() => broadcastShapes([2, 3], [4]), 'bad_argument', /\[2,3\] and \[4\].*axis -1 has sizes 3 and 4/);
    assertError(() => add(randn([2, 3]), randn([2, 4])), 'bad_argument', /^add: shapes \[2,3\] and \[2,4\]/);
    assertError(() => broadcastShapes([2, -1], [2]), 'bad_argument', /not a shape/);
  });
});

describe('sumToShape and broadcastTo', () => {
  it('sums a broadcast gradient back to the input shape', () => {
    const s = sumToShape(ones([2, 4, 3], 'float64'), [4, 1]);
    assert.deepEqual(s.shape, [4, 1]);
    assert.deepEqual([...s.data], [6, 6, 6, 6]);
    const g = tensor([[1, 2, 3], [4, 5, 6]], undefined, 'float64');
    assert.deepEqual([...sumToShape(g, [3]).data], [5, 7, 9]);
    assert.deepEqual([...sumToShape(g, [2, 1]).data], [6, 15]);
    assert.deepEqual([...sumToShape(g, []).data], [21]);
    assert.deepEqual(sumToShape(tensor([[[1, 2]]]), [2]).shape, [2]);
    assertError(() => sumToShape(g, [1, 2, 3]), 'bad_argument', /cannot be summed/); // a sum never adds axes
    assertError(() => sumToShape(g, [2]), 'bad_argument', /\[2,3\] cannot be summed to \[2\]/);
  });

  it('sums float32 gradients in float64 (1e6 × 0.1 stays 100000)', () => {
    const g = ones([1000, 1000]);
    g.data.fill(0.1);
    const s = sumToShape(g, [1]).data[0];
    assert.ok(Math.abs(s - 100000.0015) < 0.01, `got ${s}`);
  });

  it('broadcastTo repeats values, and its backward sums them', () => {
    const x = tensor([1, 2], [2, 1], 'float64').requiresGrad_();
    const y = broadcastTo(x, [3, 2, 2]);
    assert.deepEqual([...y.data], [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]);
    y.backward(ones([3, 2, 2], 'float64'));
    assert.deepEqual([...x.grad!.data], [6, 6]);
    assertError(() => broadcastTo(x, [3]), 'bad_argument', /\[2,1\] does not broadcast to \[3\]/);
  });
});

describe('binary ops: values with broadcasting', () => {
  const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['add', add, (x, y) => x + y],
    ['sub', sub, (x, y) => x - y],
    ['mul', mul, (x, y) => x * y],
    ['div', div, (x, y) => x / y],
    ['pow', pow, (x, y) => Math.abs(x) ** y],
    ['maximum', maximum, Math.max],
    ['minimum', minimum, Math.min],
  ];
  const pairs: [number[], number[]][] = [
    [[2, 1, 3], [4, 1]],
    [[2, 3, 4, 5], [1, 3, 1, 1]],
    [[3, 1], [1, 4]],
    [[5], []],
    [[], [2, 3]],
    [[1, 1, 4], [3, 1, 1]],
    [[2, 3, 1, 5], [3, 4, 1]],
    [[2, 3], [2, 3]],
  ];
  for (const [name, op, f] of ops) {
    it(name, () => {
      for (const [sa, sb] of pairs) {
        let a = f64(sa, 1);
        if (name === 'pow') a = abs64(a);
        const b = f64(sb, 2);
        const want = naive(a, b, f);
        const got = op(a, b);
        assert.deepEqual(got.shape, want.shape, `${name} ${sa} ${sb}`);
        for (let i = 0; i < want.data.length; i++) assert.equal(got.data[i], want.data[i], `${name} ${sa} ${sb} at ${i}`);
      }
    });
  }

  it('accepts numbers on either side, as the other operand’s dtype', () => {
    const x = tensor([1, 2, 4]);
    assert.deepEqual([...mul(x, 2).data], [2, 4, 8]);
    assert.deepEqual([...sub(1, x).data], [0, -1, -3]);
    assert.deepEqual([...div(1, x).data], [1, 0.5, 0.25]);
    assert.deepEqual([...pow(2, x).data], [2, 4, 16]);
    assert.deepEqual([...pow(x, 0.5).data], [1, Math.SQRT2, 2].map(Math.fround));
    assert.deepEqual([...maximum(x, 2).data], [2, 2, 4]);
    assert.deepEqual([...minimum(3, x).data], [1, 2, 3]);
    assert.deepEqual([...neg(x).data], [-1, -2, -4]);
    assert.equal(mul(x, 2).dtype, 'float32');
    assert.equal(add(tensor([1], [1], 'float64'), 0.1).data[0], 1.1);
  });

  it('keeps float32 as float32 (the broadcast path too)', () => {
    const y = add(randn([2, 1, 3]), randn([4, 1]));
    assert.equal(y.dtype, 'float32');
    assert.ok(y.data instanceof Float32Array);
  });

  it('propagates NaN through maximum and minimum', () => {
    const a = tensor([NaN, 1, 2]);
    const b = tensor([0, NaN, 1]);
    assert.deepEqual([...maximum(a, b).data].map(Number.isNaN), [true, true, false]);
    assert.deepEqual([...minimum(a, b).data].map(Number.isNaN), [true, true, false]);
  });

  it('rejects bad operands', () => {
    assertError(() => add(1 as never, 2 as never), 'bad_tensor', /at least one operand must be a Tensor/);
    assertError(() => mul(randn([2]), 'x' as never), 'bad_tensor', /mul: operands must be Tensors or numbers, got string/);
    assertError(() => sub([1, 2] as never, randn([2])), 'bad_tensor', /an array/);
    assertError(() => add(randn([2]), randn([2], { dtype: 'float64' })), 'bad_tensor', /share a dtype.*float32 \[2\] and float64 \[2\]/);
    assertError(() => neg(3 as never), 'bad_tensor', /neg: x must be a Tensor/);
  });
});

function abs64(t: Tensor): Tensor {
  const c = t.clone();
  for (let i = 0; i < c.size; i++) c.data[i] = Math.abs(c.data[i]) + 0.5;
  return c;
}

describe('binary ops: gradients (float64 central differences)', () => {
  const check = (fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], projected: Tensor[]) => {
    const r = gradcheck(fn, inputs);
    assert.ok(r.ok, r.failure);
    const p = gradcheckProjected(fn, projected, { seed: 3 });
    assert.ok(p.ok, p.failure);
  };
  const small = () => [f64([2, 1, 3], 1).requiresGrad_(), f64([4, 1], 2).requiresGrad_()];
  const large = () => [f64([3, 4, 5, 6], 3).requiresGrad_(), f64([4, 1, 6], 4).requiresGrad_()];

  it('add, sub, mul with broadcasting, both inputs', () => {
    for (const op of [add, sub, mul]) check(op, small(), large());
  });

  it('div (denominator away from 0)', () => {
    check(div, [f64([2, 1, 3], 1).requiresGrad_(), pos64([4, 1], 2).requiresGrad_()],
      [f64([3, 4, 5], 1).requiresGrad_(), pos64([4, 1], 2).requiresGrad_()]);
  });

  it('pow: tensor exponent, number exponent, number base', () => {
    check(pow, [pos64([2, 1, 3], 1).requiresGrad_(), f64([4, 1], 2).requiresGrad_()],
      [pos64([3, 4, 5], 1).requiresGrad_(), f64([5], 2).requiresGrad_()]);
    for (const c of [2, 3, 0.5, -1.5]) {
      check((x) => pow(x, c), [pos64([2, 3], 1).requiresGrad_()], [pos64([4, 5, 6], 2).requiresGrad_()]);
    }
    check((x) => pow(x, 3), [f64([2, 3], 1).requiresGrad_()], [f64([40], 2).requiresGrad_()]);
    check((y) => pow(2.5, y), [f64([2, 3], 1).requiresGrad_()], [f64([40], 2).requiresGrad_()]);
  });

  it('pow follows PyTorch at x = 0 and y = 0', () => {
    const x = tensor([0, 0, 2], [3], 'float64').requiresGrad_();
    const y = tensor([2, 0, 0], [3], 'float64').requiresGrad_();
    pow(x, y).backward(ones([3], 'float64'));
    assert.deepEqual([...x.grad!.data], [0, 0, 0]); // 2·0¹ = 0; y = 0 gives 0, not 0·0⁻¹
    assert.deepEqual([...y.grad!.data], [0, 0, Math.log(2)]); // x = 0 with y ≥ 0 gives 0, not NaN
    const z = tensor([0, 1], [2], 'float64').requiresGrad_();
    pow(z, 0).backward(ones([2], 'float64'));
    assert.deepEqual([...z.grad!.data], [0, 0]);
  });

  it('maximum and minimum (no ties), and half the gradient to each side on a tie', () => {
    for (const op of [maximum, minimum]) check(op, small(), large());
    check((x) => maximum(x, 0.1), [f64([2, 5], 6).requiresGrad_()], [f64([50], 7).requiresGrad_()]);
    const a = tensor([1, 2, 3], [3], 'float64').requiresGrad_();
    const b = tensor([1, 5, 0], [3], 'float64').requiresGrad_();
    maximum(a, b).backward(ones([3], 'float64'));
    assert.deepEqual([...a.grad!.data], [0.5, 0, 1]);
    assert.deepEqual([...b.grad!.data], [0.5, 1, 0]);
    a.grad = null;
    b.grad = null;
    minimum(a, b).backward(ones([3], 'float64'));
    assert.deepEqual([...a.grad!.data], [0.5, 1, 0]);
    assert.deepEqual([...b.grad!.data], [0.5, 0, 1]);
  });

  it('neg, a 0-d tensor operand, and a gradient only where asked', () => {
    check(neg, [f64([2, 3], 1).requiresGrad_()], [f64([4, 5], 2).requiresGrad_()]);
    check(mul, [f64([], 1).requiresGrad_(), f64([2, 3], 2).requiresGrad_()], [f64([], 1).requiresGrad_(), f64([4, 5], 2).requiresGrad_()]);
    const w = f64([3], 1).requiresGrad_();
    const x = f64([2, 3], 2);
    mul(x, w).backward(ones([2, 3], 'float64'));
    assert.equal(x.grad, null);
    assert.deepEqual([...w.grad!.data], [0, 1, 2].map((j) => x.data[j] + x.data[3 + j]));
  });
});
