/**
 * Losses: values by hand and against PyTorch's formulas (computed in NumPy), the per-pixel
 * layout, ignoreIndex and label smoothing, target validation, and float64 gradient checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradcheckProjected } from '../../src/autograd/gradcheck.js';
import { AtrousError } from '../../src/errors.js';
import { binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss, type Reduction } from '../../src/ops/losses.js';
import { logSoftmax } from '../../src/ops/softmax.js';
import { permute } from '../../src/tensor/permute.js';
import { rand, randn, type Tensor, tensor } from '../../src/tensor/tensor.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const close = (got: number, want: number, tol = 1e-14) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `got ${got}, want ${want}`);
const closeAll = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-14) => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) close(got[i], want[i], tol);
};
const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === code && re.test(e.message);

const logits3 = () => tensor([[1, 2, 3], [1, 0, -1], [0.5, -0.5, 2]], undefined, 'float64');
const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
const perRow = [lse([1, 2, 3]) - 3, lse([1, 0, -1]) - 1, lse([0.5, -0.5, 2]) + 0.5]; // targets [2, 0, 1]

/** Integer class labels in [0, C) as a float64 tensor, a few set to `ignore`. */
function labels(shape: number[], C: number, seed: number, ignore?: number): Tensor {
  const t = rand(shape, { seed, dtype: 'float64' });
  for (let i = 0; i < t.size; i++) t.data[i] = ignore !== undefined && i % 5 === 2 ? ignore : Math.floor(t.data[i] * C);
  return t;
}

describe('crossEntropy values', () => {
  it('[N, C] by hand: mean, sum, none; targets as number[], Int32Array or Tensor', () => {
    const none = crossEntropy(logits3(), [2, 0, 1], { reduction: 'none' });
    assert.deepEqual(none.shape, [3]);
    closeAll(none.data, perRow);
    const mean = crossEntropy(logits3(), new Int32Array([2, 0, 1]));
    assert.deepEqual(mean.shape, []);
    close(mean.item(), (perRow[0] + perRow[1] + perRow[2]) / 3);
    close(crossEntropy(logits3(), tensor([2, 0, 1]), { reduction: 'sum' }).item(), 3.5815798286958938);
  });

  it('label smoothing (PyTorch formula, NumPy reference values)', () => {
    closeAll(crossEntropy(logits3(), [2, 0, 1], { labelSmoothing: 0.1, reduction: 'none' }).data, [0.5076059644443801, 0.5076059644443804, 2.649701233140467]);
    close(crossEntropy(logits3(), [2, 0, 1], { labelSmoothing: 0.1 }).item(), 1.2216377206764089);
  });

  it('ignoreIndex: 0 under none, left out of the mean; −100 by default; NaN when all are ignored', () => {
    closeAll(crossEntropy(logits3(), [2, 7, 1], { ignoreIndex: 7, reduction: 'none' }).data, [perRow[0], 0, perRow[2]]);
    close(crossEntropy(logits3(), [2, -100, 1]).item(), (perRow[0] + perRow[2]) / 2);
    close(crossEntropy(logits3(), [2, -100, 1], { labelSmoothing: 0.1, reduction: 'sum' }).item(), 0.5076059644443801 + 2.649701233140467);
    assert.ok(Number.isNaN(crossEntropy(logits3(), [-100, -100, -100]).item()));
    const x = logits3().requiresGrad_();
    crossEntropy(x, [-100, -100, 0], { reduction: 'sum' }).backward();
    assert.deepEqual([...x.grad!.data.subarray(0, 6)], [0, 0, 0, 0, 0, 0]);
  });

  it('[N, C, H, W] equals [N·H·W, C] with the classes moved last', () => {
    const x = f64([2, 4, 3, 5], 1);
    const t = labels([2, 3, 5], 4, 2, 255);
    for (const reduction of ['mean', 'sum', 'none'] as Reduction[]) {
      const opts = { reduction, ignoreIndex: 255, labelSmoothing: 0.05 };
      const seg = crossEntropy(x, t, opts);
      const flat = crossEntropy(permute(x, [0, 2, 3, 1]).reshape([-1, 4]), [...t.data], opts);
      assert.deepEqual(seg.shape, reduction === 'none' ? [2, 3, 5] : []);
      closeAll(seg.data, flat.data);
    }
  });

  it('is stable at extreme logits and keeps float32', () => {
    close(crossEntropy(tensor([[1000, 0, -1000]], undefined, 'float64'), [0]).item(), 0);
    close(crossEntropy(tensor([[1000, 0, -1000]], undefined, 'float64'), [2]).item(), 2000);
    const y = crossEntropy(randn([4, 10]), [1, 2, 3, 4]);
    assert.ok(y.data instanceof Float32Array);
  });

  it('equals nllLoss(logSoftmax(x, 1)) in value and gradient', () => {
    const t = labels([3, 2], 5, 3, -100);
    for (const reduction of ['mean', 'sum', 'none'] as Reduction[]) {
      const a = f64([3, 5, 2], 4).requiresGrad_();
      const b = f64([3, 5, 2], 4).requiresGrad_();
      const ce = crossEntropy(a, t, { reduction });
      const nll = nllLoss(logSoftmax(b, 1), t, { reduction });
      closeAll(ce.data, nll.data);
      const g = reduction === 'none' ? f64([3, 2], 5) : tensor([1.5], [], 'float64');
      ce.backward(g);
      nll.backward(g);
      closeAll(a.grad!.data, b.grad!.data);
    }
  });
});

describe('target validation', () => {
  const x = logits3();
  it('names the bad index and value', () => {
    assert.throws(() => crossEntropy(x, [2, 3, 1]), isErr('bad_argument', /crossEntropy: target\[1\] = 3 is not a class index in \[0, 3\) \(input \[3,3\]/));
    assert.throws(() => crossEntropy(x, [2, -1, 1]), isErr('bad_argument', /target\[1\] = -1 is not a class index/));
    assert.throws(() => nllLoss(x, [0.5, 1, 1]), isErr('bad_argument', /nllLoss: target\[0\] = 0.5 is not an integer class index/));
    const seg = f64([2, 3, 2, 2], 1);
    const t = labels([2, 2, 2], 3, 1);
    t.data[6] = 9;
    assert.throws(() => crossEntropy(seg, t), isErr('bad_argument', /target\[1,1,0\] = 9/));
  });

  it('checks shapes, kinds and options', () => {
    assert.throws(() => crossEntropy(x, [0, 1]), isErr('bad_argument', /target has 2 values but input \[3,3\] needs 3/));
    assert.throws(() => crossEntropy(x, tensor([[0, 1, 2]])), isErr('bad_argument', /target \[1,3\] must be \[3\]/));
    assert.throws(() => crossEntropy(tensor([1, 2, 3]), [0]), isErr('rank_mismatch', /\[3\] must be \[N, C\]/));
    assert.throws(() => crossEntropy(x, 'a' as never), isErr('bad_tensor', /Int32Array or number\[\]/));
    assert.throws(() => crossEntropy(x, [0, 1, 2], { reduction: 'avg' as never }), isErr('bad_argument', /'mean', 'sum' or 'none'/));
    assert.throws(() => crossEntropy(x, [0, 1, 2], { labelSmoothing: 1.5 }), isErr('bad_argument', /labelSmoothing/));
    assert.throws(() => crossEntropy(x, [0, 1, 2], { ignoreIndex: 0.5 }), isErr('not_integer', /ignoreIndex/));
  });
});

describe('elementwise losses', () => {
  const a = tensor([1, -2, 3.5], [3], 'float64');
  const b = tensor([0.5, 1, 3.5], [3], 'float64');
  it('mseLoss and l1Loss by hand', () => {
    close(mseLoss(a, b).item(), (0.25 + 9 + 0) / 3);
    close(mseLoss(a, b, { reduction: 'sum' }).item(), 9.25);
    closeAll(mseLoss(a, b, { reduction: 'none' }).data, [0.25, 9, 0]);
    close(l1Loss(a, b).item(), 3.5 / 3);
    closeAll(l1Loss(a, b, { reduction: 'none' }).data, [0.5, 3, 0]);
    const p = a.clone().requiresGrad_();
    l1Loss(p, b, { reduction: 'sum' }).backward();
    assert.deepEqual([...p.grad!.data], [1, -1, 0]); // sign(0) = 0
    assert.throws(() => mseLoss(a, tensor([1, 2], [2, 1], 'float64')), isErr('bad_argument', /mseLoss: input \[3\] and target \[2,1\] must have the same shape/));
    assert.throws(() => l1Loss(a, tensor([1, 2, 3])), isErr('bad_tensor', /share a dtype/));
  });

  it('binaryCrossEntropyWithLogits against −[p·t·log σ(x) + (1 − t)·log(1 − σ(x))] (NumPy)', () => {
    const x = tensor([-3, -0.5, 0, 0.7, 4], [5], 'float64');
    const t = tensor([0, 1, 0.3, 1, 0], [5], 'float64');
    closeAll(binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).data,
      [0.04858735157374202, 0.9740769841801068, 0.6931471805599453, 0.40318604888545784, 4.01814992791781]);
    closeAll(binaryCrossEntropyWithLogits(x, t, { reduction: 'none', posWeight: 2.5 }).data,
      [0.04858735157374202, 2.435192460450267, 1.0050634118119206, 1.0079651222136445, 4.01814992791781]);
    close(binaryCrossEntropyWithLogits(tensor([1000, -1000], [2], 'float64'), tensor([0, 1], [2], 'float64'), { reduction: 'sum' }).item(), 2000);
    assert.throws(() => binaryCrossEntropyWithLogits(x, t, { posWeight: NaN }), isErr('bad_argument', /posWeight/));
  });
});

describe('loss gradients (float64 central differences)', () => {
  /** gradcheck every coordinate of a small case, gradcheckProjected on a larger one. */
  const check = (small: [(...xs: Tensor[]) => Tensor, Tensor[]], large: [(...xs: Tensor[]) => Tensor, Tensor[]]) => {
    const r = gradcheck(...small);
    assert.ok(r.ok, r.failure);
    const p = gradcheckProjected(large[0], large[1], { seed: 6 });
    assert.ok(p.ok, p.failure);
  };
  const tFlat = labels([3], 4, 1);
  const tFlatLarge = labels([20], 7, 2);
  const tSeg = labels([2, 3, 3], 4, 3, 255);
  const tSegLarge = labels([3, 6, 7], 5, 4, 255);
  const reductions: Reduction[] = ['mean', 'sum', 'none'];

  for (const reduction of reductions) {
    it(`crossEntropy ${reduction}: [N, C]`, () => {
      check([(x) => crossEntropy(x, tFlat, { reduction }), [f64([3, 4], 1).requiresGrad_()]],
        [(x) => crossEntropy(x, tFlatLarge, { reduction }), [f64([20, 7], 2).requiresGrad_()]]);
    });
    it(`crossEntropy ${reduction}: [N, C, H, W] with ignoreIndex and label smoothing`, () => {
      const opts = { reduction, ignoreIndex: 255, labelSmoothing: 0.2 };
      check([(x) => crossEntropy(x, tSeg, opts), [f64([2, 4, 3, 3], 1).requiresGrad_()]],
        [(x) => crossEntropy(x, tSegLarge, opts), [f64([3, 5, 6, 7], 2).requiresGrad_()]]);
    });
    it(`nllLoss ${reduction}: [N, C] and [N, C, H, W] with ignoreIndex`, () => {
      check([(x) => nllLoss(x, tFlat, { reduction }), [f64([3, 4], 1).requiresGrad_()]],
        [(x) => nllLoss(x, tSegLarge, { reduction, ignoreIndex: 255 }), [f64([3, 5, 6, 7], 2).requiresGrad_()]]);
    });
    it(`mseLoss, l1Loss, binaryCrossEntropyWithLogits ${reduction}: both inputs`, () => {
      const two = (shape: number[], k: number) => [f64(shape, k).requiresGrad_(), f64(shape, k + 1).requiresGrad_()];
      check([(a, b) => mseLoss(a, b, { reduction }), two([2, 3], 1)], [(a, b) => mseLoss(a, b, { reduction }), two([4, 5, 6], 3)]);
      // |a − b| has a kink at a = b; Gaussian draws never land within ε of it.
      check([(a, b) => l1Loss(a, b, { reduction }), two([2, 3], 1)], [(a, b) => l1Loss(a, b, { reduction }), two([4, 5, 6], 3)]);
      const probs = (shape: number[], k: number) => rand(shape, { seed: k, dtype: 'float64' }).requiresGrad_();
      for (const posWeight of [1, 3]) {
        const fn = (x: Tensor, t: Tensor) => binaryCrossEntropyWithLogits(x, t, { reduction, posWeight });
        check([fn, [f64([2, 3], 1).requiresGrad_(), probs([2, 3], 2)]], [fn, [f64([4, 5, 6], 3).requiresGrad_(), probs([4, 5, 6], 4)]]);
      }
    });
  }
});
