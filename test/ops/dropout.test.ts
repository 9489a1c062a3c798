import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropout, dropoutChannels, gradcheck, gradcheckProjected, manualSeed, ones, randn, Rng, Tensor } from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const ok = (r: { ok: boolean; failure?: string }) => assert.ok(r.ok, r.failure);

describe('dropout', () => {
  it('zeroes about p of the values and scales the rest by 1/(1 − p)', () => {
    const y = dropout(ones([100000]), 0.3, { generator: new Rng(1) });
    let zeros = 0;
    for (const v of y.data) {
      if (v === 0) zeros++;
      else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
    }
    assert.ok(Math.abs(zeros / 100000 - 0.3) < 0.01, `dropped ${zeros}`);
  });

  it('is the identity in eval mode or with p = 0, and all zeros with p = 1', () => {
    const x = f64([4, 5], 1);
    assert.equal(dropout(x, 0.5, { training: false }), x);
    assert.equal(dropout(x, 0), x);
    assert.ok([...dropout(x, 1).data].every((v) => v === 0));
    assert.throws(() => dropout(x, 1.5), /p must be a probability/);
    assert.throws(() => dropout(x, Number.NaN), /p must be a probability/);
  });

  it('draws its mask from the global generator, so manualSeed repeats it', () => {
    const x = ones([64]);
    manualSeed(7);
    const a = dropout(x, 0.5);
    const b = dropout(x, 0.5);
    manualSeed(7);
    const c = dropout(x, 0.5);
    assert.deepEqual([...a.data], [...c.data]);
    assert.notDeepEqual([...a.data], [...b.data]);
    assert.deepEqual([...dropout(x, 0.5, { generator: new Rng(3) }).data], [...dropout(x, 0.5, { generator: new Rng(3) }).data]);
  });

  it('backward multiplies by the same mask', () => {
    const x = f64([50], 1).requiresGrad_();
    const y = dropout(x, 0.4, { generator: new Rng(2) });
    const g = f64([50], 3);
    y.backward(g);
    for (let i = 0; i < 50; i++) {
      const m = y.data[i] / x.data[i]; // 0 or 1/(1 − p)
      assert.ok(Math.abs(x.grad!.data[i] - g.data[i] * m) < 1e-12);
    }
  });

  it('gradcheck with a fixed generator (the same mask on every call)', () => {
    ok(gradcheck((x) => dropout(x, 0.3, { generator: new Rng(5) }), [f64([3, 4], 1).requiresGrad_()]));
    ok(gradcheckProjected((x) => dropout(x, 0.5, { generator: new Rng(6) }), [f64([8, 16, 9], 2).requiresGrad_()]));
  });
});

describe('dropoutChannels', () => {
  it('zeroes whole channels of [N, C, ...] and scales the kept ones', () => {
    const x = ones([4, 16, 3, 5]);
    const y = dropoutChannels(x, 0.5, { generator: new Rng(1) });
    let dropped = 0;
    for (let p = 0; p < 64; p++) {
      const plane = [...y.data.slice(p * 15, p * 15 + 15)];
      assert.ok(plane.every((v) => v === plane[0]), `channel ${p} is mixed`);
      assert.ok(plane[0] === 0 || Math.abs(plane[0] - 2) < 1e-6);
      if (plane[0] === 0) dropped++;
    }
    assert.ok(dropped > 16 && dropped < 48, `dropped ${dropped} of 64`);
    assert.equal(dropoutChannels(x, 0.5, { training: false }), x);
    assert.throws(() => dropoutChannels(ones([5]), 0.5), (e: Error & { code?: string }) => e.code === 'rank_mismatch');
  });

  it('repeats under manualSeed', () => {
    const x = ones([2, 8, 10]);
    manualSeed(11);
    const a = dropoutChannels(x, 0.5);
    manualSeed(11);
    assert.deepEqual([...dropoutChannels(x, 0.5).data], [...a.data]);
  });

  it('gradcheck with a fixed generator', () => {
    const fn = (x: Tensor) => dropoutChannels(x, 0.4, { generator: new Rng(4) });
    ok(gradcheck(fn, [f64([2, 3, 4], 1).requiresGrad_()]));
    ok(gradcheckProjected(fn, [f64([2, 6, 5, 5], 2).requiresGrad_()]));
  });
});
