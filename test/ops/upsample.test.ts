import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, gradcheck, gradcheckProjected, randn, Tensor, tensor, upsampleBilinear2d, upsampleNearest, zeros } from '../../src/index.js';

const code = (c: string, msg?: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === c && (msg === undefined || msg.test(e.message));
const flat = (t: Tensor) => [...t.data];
const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' }).requiresGrad_();

function assertClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `at ${i}: ${actual[i]} vs ${expected[i]}`);
}

function checkGrad(fn: (x: Tensor) => Tensor, small: number[], large: number[]): void {
  const r = gradcheck(fn, [f64(small, 1)]);
  assert.ok(r.ok, r.failure);
  const p = gradcheckProjected(fn, [f64(large, 2)], { seed: 9 });
  assert.ok(p.ok, p.failure);
}

/** F.interpolate's source coordinate for one axis, written out from the documented formula. */
function srcCoord(o: number, inN: number, outN: number, sf: number | null, alignCorners: boolean): number {
  if (alignCorners) return outN > 1 ? (o * (inN - 1)) / (outN - 1) : 0;
  const scale = sf !== null ? 1 / sf : inN / outN;
  return Math.max(0, (o + 0.5) * scale - 0.5);
}

/** Naive bilinear: for each output pixel, interpolate the 2×2 neighbours of its source point. */
function naiveBilinear(x: Tensor, outH: number, outW: number, sf: [number, number] | null, alignCorners: boolean): number[] {
  const [N, C, H, W] = x.shape;
  const res: number[] = [];
  const axis = (o: number, inN: number, outN: number, s: number | null): [number, number, number] => {
    if (inN === outN) return [o, o, 0]; // PyTorch copies when the size is unchanged
    const c = srcCoord(o, inN, outN, s, alignCorners);
    const i0 = Math.min(Math.floor(c), inN - 1);
    return [i0, Math.min(i0 + 1, inN - 1), Math.min(c - i0, 1)];
  };
  for (let n = 0; n < N; n++) {
    for (let ch = 0; ch < C; ch++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const [h0, h1, lh] = axis(oh, H, outH, sf === null ? null : sf[0]);
          const [w0, w1, lw] = axis(ow, W, outW, sf === null ? null : sf[1]);
          const top = (1 - lw) * x.get(n, ch, h0, w0) + lw * x.get(n, ch, h0, w1);
          const bottom = (1 - lw) * x.get(n, ch, h1, w0) + lw * x.get(n, ch, h1, w1);
          res.push((1 - lh) * top + lh * bottom);
        }
      }
    }
  }
  return res;
}

describe('upsampleNearest', () => {
  const x = tensor([[[0, 1, 2, 3, 4]]]); // [1, 1, 5]
  it('literal values: src = floor(dst · in/out), or floor(dst / scaleFactor) when a scale is given', () => {
    assert.deepEqual(flat(upsampleNearest(tensor([[[1, 2, 3]]]), { size: 5 })), [1, 1, 2, 2, 3]);
    assert.deepEqual(flat(upsampleNearest(tensor([[[1, 2, 3]]]), { scaleFactor: 2 })), [1, 1, 2, 2, 3, 3]);
    assert.deepEqual(flat(upsampleNearest(x, { size: 8 })), [0, 0, 1, 1, 2, 3, 3, 4]); // dst · 0.625
    assert.deepEqual(flat(upsampleNearest(x, { scaleFactor: 1.7 })), [0, 0, 1, 1, 2, 2, 3, 4]); // dst / 1.7, 8 outputs
    assert.deepEqual(flat(upsampleNearest(x, { size: 2 })), [0, 2]); // downsampling: dst · 2.5
    // PyTorch's special cases: out = 2·in halves the index, out = in copies, whatever the scale.
    assert.deepEqual(flat(upsampleNearest(x, { scaleFactor: 2.1 })), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    assert.deepEqual(flat(upsampleNearest(x, { scaleFactor: 1.1 })), [0, 1, 2, 3, 4]);
  });

  it('2D with per-axis factors matches the index formula', () => {
    const t = randn([2, 3, 4, 5], { seed: 1 });
    const y = upsampleNearest(t, { size: [7, 3] });
    assert.deepEqual(y.shape, [2, 3, 7, 3]);
    for (let oh = 0; oh < 7; oh++) {
      for (let ow = 0; ow < 3; ow++) assert.equal(y.get(1, 2, oh, ow), t.get(1, 2, Math.floor((oh * 4) / 7), Math.floor((ow * 5) / 3)));
    }
    const z = upsampleNearest(t, { scaleFactor: [2, 3] });
    assert.deepEqual(z.shape, [2, 3, 8, 15]);
    assert.equal(z.get(0, 1, 5, 13), t.get(0, 1, 2, 4));
  });

  it('rejects bad sizes and ranks', () => {
    assert.throws(() => upsampleNearest(x, {}), code('bad_argument', /exactly one of scaleFactor and size/));
    assert.throws(() => upsampleNearest(x, { size: 4, scaleFactor: 2 }), code('bad_argument', /exactly one/));
    assert.throws(() => upsampleNearest(zeros([5]), { size: 4 }), code('rank_mismatch', /\[N, C, L\] or \[N, C, H, W\], got \[5\]/));
    assert.throws(() => upsampleNearest(x, { size: 0 }), code('non_positive'));
    assert.throws(() => upsampleNearest(x, { size: 2.5 }), code('not_integer'));
    assert.throws(() => upsampleNearest(x, { scaleFactor: 0.1 }), code('empty_output', /output size 0/));
    assert.throws(() => upsampleNearest(x, { scaleFactor: -2 }), code('bad_argument', /finite positive/));
    assert.throws(() => upsampleNearest(x, { size: [2, 2] }), code('wrong_length'));
  });

  it('has gradients (copies add up at their source)', () => {
    const t = tensor([[[1, 2, 3]]], undefined, 'float64').requiresGrad_();
    upsampleNearest(t, { size: 5 }).backward(tensor([[[1, 2, 3, 4, 5]]], undefined, 'float64'));
    assert.deepEqual(flat(t.grad!), [3, 7, 5]);
    checkGrad((u) => upsampleNearest(u, { scaleFactor: 2 }), [2, 2, 3], [2, 3, 17]);
    checkGrad((u) => upsampleNearest(u, { size: 7 }), [1, 2, 4], [2, 3, 11]);
    checkGrad((u) => upsampleNearest(u, { scaleFactor: [1.7, 0.6] }), [1, 2, 3, 5], [2, 2, 9, 12]);
    checkGrad((u) => upsampleNearest(u, { size: [2, 5] }), [1, 1, 4, 3], [2, 3, 9, 8]);
  });
});

describe('upsampleBilinear2d', () => {
  const x = tensor([[[[1, 2], [3, 4]]]]);
  it("literal values from PyTorch's formulas", () => {
    // align_corners=False: src = (dst + 0.5)/2 − 0.5, clamped at 0: −0.25→0, 0.25, 0.75, 1.25→last row.
    assert.deepEqual(upsampleBilinear2d(x, { scaleFactor: 2 }).toArray(), [[[
      [1, 1.25, 1.75, 2],
      [1.5, 1.75, 2.25, 2.5],
      [2.5, 2.75, 3.25, 3.5],
      [3, 3.25, 3.75, 4],
    ]]]);
    assert.deepEqual(upsampleBilinear2d(x, { size: 3, alignCorners: true }).toArray(), [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
    assert.deepEqual(upsampleBilinear2d(x, { size: [1, 1], alignCorners: true }).toArray(), [[[[1]]]]);
    // Shrinking 4 → 2 without align_corners averages the middle pairs: src = 0.5, 2.5.
    assert.deepEqual(flat(upsampleBilinear2d(tensor([[[[0, 10, 20, 30]]]]), { size: [1, 2] })), [5, 25]);
    // A scale factor that leaves the size unchanged copies (PyTorch's special case), although 1/1.2 ≠ 1.
    assert.deepEqual(flat(upsampleBilinear2d(tensor([[[[0, 10, 20, 30]]]]), { scaleFactor: [1, 1.2] })), [0, 10, 20, 30]);
  });

  const cases: { name: string; shape: number[]; opts: { size?: number[]; scaleFactor?: number[]; alignCorners?: boolean } }[] = [
    { name: 'size up', shape: [2, 3, 4, 5], opts: { size: [7, 9] } },
    { name: 'size up, align corners', shape: [2, 3, 4, 5], opts: { size: [7, 9], alignCorners: true } },
    { name: 'fractional scale factors', shape: [1, 2, 5, 6], opts: { scaleFactor: [1.7, 2.5] } },
    { name: 'downsample', shape: [1, 2, 9, 8], opts: { size: [4, 3] } },
    { name: 'downsample by scale, align corners', shape: [1, 2, 9, 8], opts: { scaleFactor: [0.5, 0.4], alignCorners: true } },
  ];
  for (const c of cases) {
    it(`matches a naive interpolation: ${c.name}`, () => {
      const t = randn(c.shape, { seed: 4, dtype: 'float64' });
      const y = upsampleBilinear2d(t, c.opts);
      const [outH, outW] = y.shape.slice(2);
      if (c.opts.size) assert.deepEqual([outH, outW], c.opts.size);
      else assert.deepEqual([outH, outW], [Math.floor(c.shape[2] * c.opts.scaleFactor![0]), Math.floor(c.shape[3] * c.opts.scaleFactor![1])]);
      const sf = c.opts.scaleFactor ? (c.opts.scaleFactor as [number, number]) : null;
      const ref = naiveBilinear(t, outH, outW, sf, c.opts.alignCorners ?? false);
      assertClose(y.data, ref, 1e-12);
      const y32 = upsampleBilinear2d(t.to('float32'), c.opts);
      assert.equal(y32.dtype, 'float32');
      assertClose(y32.data, ref, 1e-5);
    });
  }

  it('rejects bad arguments', () => {
    assert.throws(() => upsampleBilinear2d(zeros([1, 2, 3]), { size: 4 }), code('rank_mismatch', /\[N, C, H, W\], got \[1,2,3\]/));
    assert.throws(() => upsampleBilinear2d(x, { size: 4, alignCorners: 1 as unknown as boolean }), code('bad_argument', /alignCorners/));
    assert.throws(() => upsampleBilinear2d(x, { scaleFactor: [2, Infinity] }), code('bad_argument'));
    assert.throws(() => upsampleBilinear2d(zeros([1, 1, 0, 2]), { size: 4 }), code('empty_output'));
  });

  it('has gradients for every option', () => {
    checkGrad((u) => upsampleBilinear2d(u, { scaleFactor: 2 }), [1, 2, 3, 3], [2, 3, 8, 9]);
    checkGrad((u) => upsampleBilinear2d(u, { size: [5, 4], alignCorners: true }), [2, 1, 3, 2], [2, 3, 7, 6]);
    checkGrad((u) => upsampleBilinear2d(u, { scaleFactor: [1.7, 0.6] }), [1, 2, 4, 5], [2, 2, 9, 12]);
    checkGrad((u) => upsampleBilinear2d(u, { size: [2, 3] }), [1, 1, 5, 7], [2, 3, 11, 13]);
  });
});
