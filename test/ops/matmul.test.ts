import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, gradcheck, gradcheckProjected, matmul, randn, Tensor, tensor, zeros } from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' }).requiresGrad_();
const code = (c: string, msg?: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === c && (msg === undefined || msg.test(e.message));

/** Independent reference: torch.matmul's rules spelled out with get() and a triple loop. */
function naive(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const as = a.rank === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.rank === 1 ? [b.shape[0], 1] : [...b.shape];
  const [n, k, m] = [as[as.length - 2], as[as.length - 1], bs[bs.length - 1]];
  const ab = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const r = Math.max(ab.length, bb.length);
  const pa = [...Array(r - ab.length).fill(1), ...ab];
  const pb = [...Array(r - bb.length).fill(1), ...bb];
  const batch = pa.map((v, i) => Math.max(v, pb[i]));
  const count = batch.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  for (let t = 0; t < count; t++) {
    const idx: number[] = [];
    for (let i = r - 1, q = t; i >= 0; i--) {
      idx[i] = q % batch[i];
      q = Math.floor(q / batch[i]);
    }
    const ia = idx.slice(r - ab.length).map((v, i) => (ab[i] === 1 ? 0 : v));
    const ib = idx.slice(r - bb.length).map((v, i) => (bb[i] === 1 ? 0 : v));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a.rank === 1 ? a.get(p) : a.get(...ia, i, p);
          const bv = b.rank === 1 ? b.get(p) : b.get(...ib, p, j);
          s += av * bv;
        }
        data.push(s);
      }
    }
  }
  const shape = [...batch, ...(a.rank > 1 ? [n] : []), ...(b.rank > 1 ? [m] : [])];
  return { shape, data };
}

function assertClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `at ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('matmul forward', () => {
  it('multiplies 2D matrices (hand-computed)', () => {
    assert.deepEqual(matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray(), [[19, 22], [43, 50]]);
    assert.deepEqual(matmul(tensor([[1, 2, 3]]), tensor([[1], [0], [-1]])).toArray(), [[-2]]);
  });

  const cases: [number[], number[]][] = [
    [[5, 7], [7, 6]], // edges in both tile directions
    [[9, 3], [3, 10]],
    [[4, 8], [8, 4]], // exact 4×4 tiles
    [[1, 5], [5, 1]],
    [[3], [3, 6]], // 1D left: a row vector, axis dropped
    [[6, 3], [3]], // 1D right: a column vector
    [[4], [4]], // dot product
    [[2, 1, 3, 4], [5, 4, 2]], // broadcast batch axes both ways
    [[3, 5, 2], [2, 4]], // batched × shared matrix
    [[2, 3], [4, 3, 5]], // shared matrix × batched
    [[5], [2, 5, 3]],
    [[2, 3, 5], [5]],
    [[2, 0, 3], [3, 4]], // empty rows
  ];
  for (const [sa, sb] of cases) {
    it(`matches a naive triple loop for ${JSON.stringify(sa)} × ${JSON.stringify(sb)} (float64 and float32)`, () => {
      const a = randn(sa, { seed: 1, dtype: 'float64' });
      const b = randn(sb, { seed: 2, dtype: 'float64' });
      const ref = naive(a, b);
      const y = matmul(a, b);
      assert.deepEqual(y.shape, ref.shape);
      assert.equal(y.dtype, 'float64');
      assertClose(y.data, ref.data, 1e-12);
      const y32 = matmul(a.to('float32'), b.to('float32'));
      assert.equal(y32.dtype, 'float32');
      assertClose(y32.data, ref.data, 1e-5);
    });
  }

  it('keeps the 1D-operand shapes of torch.matmul', () => {
    assert.deepEqual(matmul(zeros([4]), zeros([4])).shape, []);
    assert.deepEqual(matmul(zeros([4]), zeros([4, 2])).shape, [2]);
    assert.deepEqual(matmul(zeros([3, 4]), zeros([4])).shape, [3]);
    assert.deepEqual(matmul(zeros([4]), zeros([7, 4, 2])).shape, [7, 2]);
    assert.deepEqual(matmul(zeros([7, 3, 4]), zeros([4])).shape, [7, 3]);
    assert.deepEqual(matmul(zeros([1, 6, 3, 4]), zeros([5, 1, 4, 2])).shape, [5, 6, 3, 2]);
  });

  it('rejects mismatched inner sizes, batch axes that do not broadcast, scalars and mixed dtypes', () => {
    assert.throws(() => matmul(zeros([2, 3]), zeros([4, 2])), code('bad_argument', /matmul: a \[2,3\] has 3 columns but b \[4,2\] has 4 rows/));
    assert.throws(() => matmul(zeros([3]), zeros([4])), code('bad_argument', /3 columns/));
    assert.throws(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), code('bad_argument', /do not broadcast \(2 vs 3\)/));
    assert.throws(() => matmul(tensor(2), zeros([2])), code('rank_mismatch', /at least one axis/));
    assert.throws(() => matmul(zeros([2, 2]), zeros([2, 2], 'float64')), code('bad_tensor', /float32 but b is float64/));
    assert.throws(() => matmul(zeros([2, 2]), [[1]] as unknown as Tensor), code('bad_tensor', /b must be a Tensor/));
  });
});

describe('matmul gradients (float64 central differences)', () => {
  const cases: [number[], number[]][] = [
    [[3, 5], [5, 6]],
    [[5, 4], [4, 5]],
    [[4], [4, 3]],
    [[3, 4], [4]],
    [[5], [5]],
    [[2, 1, 3, 2], [3, 2, 5]], // a broadcast over b's batch, b over a's leading axis
    [[2, 3, 4], [4, 3]], // b shared by every batch: its gradient sums them
    [[3, 5], [2, 5, 2]], // a shared
    [[2, 4], [2, 4, 3]],
  ];
  for (const [sa, sb] of cases) {
    it(`${JSON.stringify(sa)} × ${JSON.stringify(sb)}`, () => {
      const r = gradcheck(matmul, [f64(sa, 1), f64(sb, 2)]);
      assert.ok(r.ok, r.failure);
    });
  }

  it('projected on larger shapes, and with one operand constant', () => {
    const p = gradcheckProjected(matmul, [f64([2, 9, 13], 3), f64([13, 11], 4)]);
    assert.ok(p.ok, p.failure);
    const q = gradcheckProjected(matmul, [f64([17, 6], 5).detach(), f64([3, 6, 10], 6)]);
    assert.ok(q.ok, q.failure);
    const a = f64([3, 4], 7);
    const b = f64([4, 2], 8).detach();
    matmul(a, b).backward(tensor([1, 0, 0, 0, 0, 0], [3, 2], 'float64'));
    assert.equal(b.grad, null);
    // dA = g·Bᵀ: only row 0 gets B's first column.
    assert.deepEqual([...a.grad!.data.slice(0, 4)], [b.get(0, 0), b.get(1, 0), b.get(2, 0), b.get(3, 0)]);
    assert.deepEqual([...a.grad!.data.slice(4)], new Array(8).fill(0));
  });
});
