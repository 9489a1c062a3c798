import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adaptiveAvgPool2d,
  AtrousError,
  avgPool1d,
  avgPool2d,
  globalAvgPool,
  globalMaxPool,
  gradcheck,
  gradcheckProjected,
  maxPool1d,
  maxPool2d,
  randn,
  Tensor,
  tensor,
  zeros,
} from '../../src/index.js';

const code = (c: string, msg?: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === c && (msg === undefined || msg.test(e.message));
const row = (v: number[]) => tensor([[v]]); // [1, 1, L]
const flat = (t: Tensor) => [...t.data];

/** PyTorch's documented output size: floor or ceil((in + 2p − d(k−1) − 1)/s) + 1, minus a window starting past in + p. */
function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const q = (n + 2 * p - d * (k - 1) - 1) / s;
  let o = (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

interface Geo { k: number[]; s: number[]; p: number[]; d: number[]; ceil: boolean; includePad?: boolean }

/** Naive pooling of [N, C, H, W] by the documented definitions, one window at a time with get(). */
function naivePool(x: Tensor, g: Geo, kind: 'max' | 'avg'): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape;
  const OH = outSize(H, g.k[0], g.s[0], g.p[0], g.d[0], g.ceil);
  const OW = outSize(W, g.k[1], g.s[1], g.p[1], g.d[1], g.ceil);
  const data: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let best = -Infinity;
          let sum = 0;
          let real = 0;
          let padded = 0; // taps inside the padded input (in + 2p), the include-pad divisor
          for (let i = 0; i < g.k[0]; i++) {
            for (let j = 0; j < g.k[1]; j++) {
              const h = oh * g.s[0] - g.p[0] + i * g.d[0];
              const w = ow * g.s[1] - g.p[1] + j * g.d[1];
              if (h < H + g.p[0] && w < W + g.p[1]) padded++;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              const v = x.get(n, c, h, w);
              best = Math.max(best, v);
              sum += v;
              real++;
            }
          }
          data.push(kind === 'max' ? best : sum / ((g.includePad ?? true) ? padded : real));
        }
      }
    }
  }
  return { shape: [N, C, OH, OW], data };
}

function assertClose(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `at ${i}: ${actual[i]} vs ${expected[i]}`);
}

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' }).requiresGrad_();
function checkGrad(fn: (x: Tensor) => Tensor, small: number[], large: number[]): void {
  const r = gradcheck(fn, [f64(small, 11)]);
  assert.ok(r.ok, r.failure);
  const p = gradcheckProjected(fn, [f64(large, 12)], { seed: 3 });
  assert.ok(p.ok, p.failure);
}

describe('maxPool1d / maxPool2d', () => {
  it('literal values from the documented formulas', () => {
    const x = row([1, 5, 2, 4, 3]);
    assert.deepEqual(flat(maxPool1d(x, { kernelSize: 2 })), [5, 4]);
    assert.deepEqual(flat(maxPool1d(x, { kernelSize: 2, ceilMode: true })), [5, 4, 3]);
    // Dilation 2, padding 1 (−∞): windows {−1, 1, 3} and {1, 3, 5}.
    assert.deepEqual(flat(maxPool1d(x, { kernelSize: 3, stride: 2, padding: 1, dilation: 2 })), [5, 5]);
    assert.deepEqual(flat(maxPool1d(row([-3, -1, -2]), { kernelSize: 2, stride: 1, padding: 1 })), [-3, -1, -1, -2]);
    const y = maxPool2d(tensor([[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]]), { kernelSize: 2 }); // unbatched [C, H, W]
    assert.deepEqual(y.toArray(), [[[6, 8]]]);
  });

  const geos: Geo[] = [
    { k: [3, 3], s: [2, 2], p: [1, 1], d: [2, 2], ceil: false },
    { k: [3, 2], s: [2, 3], p: [1, 0], d: [1, 2], ceil: true },
    { k: [2, 3], s: [1, 2], p: [0, 1], d: [3, 1], ceil: true },
    { k: [4, 4], s: [3, 3], p: [2, 2], d: [1, 1], ceil: true },
  ];
  for (const g of geos) {
    it(`matches naive max pooling: ${JSON.stringify(g)}`, () => {
      const x = randn([2, 3, 9, 10], { seed: 1 });
      const ref = naivePool(x, g, 'max');
      const y = maxPool2d(x, { kernelSize: g.k, stride: g.s, padding: g.p, dilation: g.d, ceilMode: g.ceil });
      assert.deepEqual(y.shape, ref.shape);
      assertClose(y.data, ref.data, 0);
      const x1 = randn([2, 3, 10], { seed: 1 });
      const y1 = maxPool1d(x1, { kernelSize: g.k[1], stride: g.s[1], padding: g.p[1], dilation: g.d[1], ceilMode: g.ceil });
      const r1 = naivePool(x1.reshape([2, 3, 1, 10]), { k: [1, g.k[1]], s: [1, g.s[1]], p: [0, g.p[1]], d: [1, g.d[1]], ceil: g.ceil }, 'max');
      assert.deepEqual(y1.shape, [2, 3, r1.shape[3]]);
      assertClose(y1.data, r1.data, 0);
    });
  }

  it('routes the gradient to the first maximum on ties', () => {
    const x = tensor([[[2, 7, 7, 1, 7]]], undefined, 'float64').requiresGrad_();
    maxPool1d(x, { kernelSize: 3, stride: 1 }).backward(tensor([[[1, 10, 100]]], undefined, 'float64'));
    assert.deepEqual(flat(x.grad!), [0, 11, 100, 0, 0]); // window 3 ties at 2 and 4: the first wins
  });

  it('rejects bad geometry with clear errors', () => {
    const x = zeros([1, 2, 6, 6]);
    assert.throws(() => maxPool2d(zeros([6, 6]), { kernelSize: 2 }), code('rank_mismatch', /maxPool2d: expected x of shape \[N, C, H, W\] or \[C, H, W\], got \[6,6\]/));
    assert.throws(() => maxPool2d(x, { kernelSize: 3, padding: 2 }), code('bad_argument', /padding 2x2 must be at most half the kernel size 3x3/));
    assert.throws(() => maxPool2d(x, { kernelSize: 4, dilation: 2 }), code('empty_output', /too small for kernel 4x4 \(dilated 7x7\)/));
    assert.throws(() => maxPool2d(x, { kernelSize: 2, stride: 0 }), code('non_positive'));
    assert.throws(() => maxPool2d(x, { kernelSize: [2, 2, 2] }), code('wrong_length'));
    assert.throws(() => maxPool2d(x, {} as { kernelSize: number }), code('bad_argument', /kernelSize/));
    assert.throws(() => maxPool1d(zeros([1, 2, 4]), { kernelSize: 2, ceilMode: 1 as unknown as boolean }), code('bad_argument', /ceilMode/));
    assert.throws(() => maxPool1d(zeros([2, 3, 4, 5]), { kernelSize: 2 }), code('rank_mismatch', /\[N, C, L\] or \[C, L\]/));
  });

  it('has gradients for every option (1D, 2D, unbatched)', () => {
    checkGrad((t) => maxPool1d(t, { kernelSize: 3, stride: 2, padding: 1, dilation: 2 }), [2, 2, 9], [3, 4, 40]);
    checkGrad((t) => maxPool1d(t, { kernelSize: 2, ceilMode: true }), [2, 7], [4, 31]);
    checkGrad((t) => maxPool2d(t, { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [2, 1], ceilMode: true }), [1, 2, 7, 6], [2, 3, 15, 14]);
    checkGrad((t) => maxPool2d(t, { kernelSize: 2 }), [2, 4, 4], [3, 16, 16]);
  });
});

describe('avgPool1d / avgPool2d', () => {
  it('literal values from the documented formulas', () => {
    const x = row([1, 2, 3, 4, 5]);
    // Windows {−1,0,1}, {1,2,3}, {3,4,5}: zeros counted (÷3) or not.
    assert.deepEqual(flat(avgPool1d(x, { kernelSize: 3, stride: 2, padding: 1 })), [1, 3, 3]);
    assert.deepEqual(flat(avgPool1d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false })), [1.5, 3, 4.5]);
    // Ceil mode: the last window [4, 6) is clipped to the input, so it divides by 1.
    assert.deepEqual(flat(avgPool1d(x, { kernelSize: 2, ceilMode: true })), [1.5, 3.5, 5]);
    // Ceil mode with padding: the last window {5, 6, 7} divides by 2 (input + right padding).
    assertClose(avgPool1d(row([1, 2, 3, 4, 5, 6]), { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }).data, [1, 3, 5, 3]);
    assert.deepEqual(avgPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }).toArray(), [[[[2.5]]]]);
  });

  const geos: Geo[] = [
    { k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1], ceil: false },
    { k: [3, 2], s: [2, 3], p: [1, 1], d: [1, 1], ceil: true },
    { k: [3, 2], s: [2, 3], p: [1, 1], d: [1, 1], ceil: true, includePad: false },
    { k: [4, 5], s: [3, 2], p: [2, 2], d: [1, 1], ceil: true, includePad: false },
    { k: [2, 2], s: [1, 1], p: [0, 1], d: [1, 1], ceil: false, includePad: true },
  ];
  for (const g of geos) {
    it(`matches naive average pooling: ${JSON.stringify(g)}`, () => {
      const x = randn([2, 3, 9, 10], { seed: 2, dtype: 'float64' });
      const ref = naivePool(x, g, 'avg');
      const y = avgPool2d(x, { kernelSize: g.k, stride: g.s, padding: g.p, ceilMode: g.ceil, countIncludePad: g.includePad });
      assert.deepEqual(y.shape, ref.shape);
      assertClose(y.data, ref.data, 1e-12);
    });
  }

  it('rejects dilation-free geometry errors', () => {
    assert.throws(() => avgPool1d(zeros([1, 1, 4]), { kernelSize: 2, padding: 2 }), code('bad_argument', /at most half the kernel size/));
    assert.throws(() => avgPool2d(zeros([1, 1, 2, 2]), { kernelSize: 3 }), code('empty_output'));
    assert.throws(() => avgPool2d(zeros([1, 1, 4, 4]), { kernelSize: 2, countIncludePad: 'no' as unknown as boolean }), code('bad_argument', /countIncludePad/));
  });

  it('has gradients for every option', () => {
    checkGrad((t) => avgPool1d(t, { kernelSize: 3, stride: 2, padding: 1 }), [2, 2, 8], [3, 4, 41]);
    checkGrad((t) => avgPool1d(t, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), [2, 8], [5, 40]);
    checkGrad((t) => avgPool2d(t, { kernelSize: [3, 2], stride: [2, 3], padding: 1, ceilMode: true }), [1, 2, 7, 8], [2, 3, 17, 13]);
    checkGrad((t) => avgPool2d(t, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [2, 6, 5], [3, 16, 16]);
  });
});

describe('adaptiveAvgPool2d, globalAvgPool, globalMaxPool', () => {
  it('adaptive windows floor(o·in/out) .. ceil((o+1)·in/out)', () => {
    assert.deepEqual(flat(adaptiveAvgPool2d(tensor([[[[1, 2, 3, 4, 5]]]]), [1, 3])), [1.5, 3, 4.5]);
    assert.deepEqual(adaptiveAvgPool2d(tensor([[[1, 2], [3, 4]]]), 1).toArray(), [[[2.5]]]);
    const x = randn([2, 3, 7, 5], { seed: 3, dtype: 'float64' });
    const y = adaptiveAvgPool2d(x, [3, null]);
    assert.deepEqual(y.shape, [2, 3, 3, 5]);
    const bounds = [[0, 3], [2, 5], [4, 7]]; // floor(o·7/3), ceil((o+1)·7/3)
    for (let o = 0; o < 3; o++) {
      let s = 0;
      for (let h = bounds[o][0]; h < bounds[o][1]; h++) s += x.get(1, 2, h, 4);
      assert.ok(Math.abs(y.get(1, 2, o, 4) - s / 3) < 1e-12);
    }
    // Output larger than the input: overlapping windows repeat elements.
    assert.deepEqual(flat(adaptiveAvgPool2d(tensor([[[[1, 3]]]]), [1, 3])), [1, 2, 3]);
    assert.throws(() => adaptiveAvgPool2d(x, 0), code('non_positive'));
    assert.throws(() => adaptiveAvgPool2d(x, [1, 2, 3]), code('wrong_length'));
    assert.throws(() => adaptiveAvgPool2d(zeros([3, 4]), 1), code('rank_mismatch'));
    assert.throws(() => adaptiveAvgPool2d(zeros([1, 1, 0, 4]), 1), code('empty_output'));
  });

  it('global pools reduce every spatial axis to [N, C]', () => {
    const x = tensor([[[1, 4, 2], [0, -1, -3]], [[5, 5, 6], [2, 9, 1]]]); // [2, 2, 3]
    assert.deepEqual(globalMaxPool(x).toArray(), [[4, 0], [6, 9]]);
    assertClose(globalAvgPool(x).data, [7 / 3, -4 / 3, 16 / 3, 4]);
    assert.deepEqual(globalAvgPool(zeros([2, 3, 2, 2, 2])).shape, [2, 3]);
    assert.throws(() => globalAvgPool(zeros([2, 3])), code('rank_mismatch', /at least one spatial axis/));
    assert.throws(() => globalMaxPool(zeros([2, 3, 0])), code('empty_output'));
    const t = tensor([[[3, 1, 3]]], undefined, 'float64').requiresGrad_();
    globalMaxPool(t).backward(tensor([[2]], undefined, 'float64'));
    assert.deepEqual(flat(t.grad!), [2, 0, 0]); // first maximum
  });

  it('have gradients', () => {
    checkGrad((t) => adaptiveAvgPool2d(t, [3, 2]), [1, 2, 7, 5], [2, 3, 13, 11]);
    checkGrad((t) => adaptiveAvgPool2d(t, [4, null]), [2, 3, 3], [3, 9, 9]);
    checkGrad((t) => globalAvgPool(t), [2, 2, 3, 2], [3, 4, 5, 6]);
    checkGrad((t) => globalMaxPool(t), [2, 3, 4], [3, 4, 5, 2, 3]);
  });
});
