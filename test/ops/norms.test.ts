import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchNorm, gradcheck, gradcheckProjected, groupNorm, layerNorm, normExceptDim, rand, randn, Tensor, tensor, weightNorm, setBackend } from '../../src/index.js';
import { backendReport } from '../../src/kernels/registry.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `[${i}] ${a[i]} vs ${b[i]}`);
};
const ok = (r: { ok: boolean; failure?: string }) => assert.ok(r.ok, r.failure);

/** Per-channel values of x [N, C, S...] as plain arrays: the independent reference. */
function channelValues(x: Tensor): number[][] {
  const [N, C] = x.shape;
  const S = x.size / (N * C);
  return Array.from({ length: C }, (_, c) => Array.from({ length: N * S }, (_, j) => x.data[(Math.floor(j / S) * C + c) * S + (j % S)]));
}
const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const varOf = (v: number[], ddof = 0) => v.reduce((a, b) => a + (b - meanOf(v)) ** 2, 0) / (v.length - ddof);

describe('batchNorm', () => {
  // x [2, 2, 3]: channel 0 holds 1..6 (mean 3.5, biased var 35/12, unbiased 3.5).
  const x = tensor([[[1, 2, 3], [10, 10, 16]], [[4, 5, 6], [10, 12, 14]]], undefined, 'float64');

  it('training: normalises with the batch mean and biased variance per channel, then w·x̂ + b', () => {
    const w = tensor([2, 0.5], [2], 'float64');
    const b = tensor([1, -1], [2], 'float64');
    const y = batchNorm(x, null, null, w, b, { training: true, eps: 0 });
    const ch = channelValues(x);
    const expect = new Float64Array(12);
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 2; c++) {
        for (let s = 0; s < 3; s++) {
          const i = (n * 2 + c) * 3 + s;
          expect[i] = ((x.data[i] - meanOf(ch[c])) / Math.sqrt(varOf(ch[c]))) * w.data[c] + b.data[c];
        }
      }
    }
    close(y.data, expect);
    // Hand-computed first value: (1 − 3.5)/√(35/12)·2 + 1.
    assert.ok(Math.abs(y.data[0] - ((-2.5 / Math.sqrt(35 / 12)) * 2 + 1)) < 1e-12);
    // Each channel of the unscaled output has mean 0 and variance 1.
    const z = channelValues(batchNorm(x, null, null, null, null, { training: true, eps: 0 }));
    for (const v of z) {
      assert.ok(Math.abs(meanOf(v)) < 1e-12);
      assert.ok(Math.abs(varOf(v) - 1) < 1e-12);
    }
  });

  it('training: updates the running mean and the unbiased running variance in place with momentum', () => {
    const rm = tensor([0, 1], [2], 'float64');
    const rv = tensor([1, 2], [2], 'float64');
    batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.1 });
    const ch = channelValues(x);
    close(rm.data, [0.9 * 0 + 0.1 * 3.5, 0.9 * 1 + 0.1 * meanOf(ch[1])]);
    close(rv.data, [0.9 * 1 + 0.1 * 3.5, 0.9 * 2 + 0.1 * varOf(ch[1], 1)]);
    assert.equal(rm.requiresGrad, false);
  });

  it('eval: normalises with the running statistics and leaves them alone', () => {
    const rm = tensor([1, 2], [2], 'float64');
    const rv = tensor([4, 0.25], [2], 'float64');
    const y = batchNorm(x, rm, rv, tensor([3, 1], [2], 'float64'), tensor([0, 5], [2], 'float64'), { eps: 1e-5 });
    assert.deepEqual([...rm.data], [1, 2]);
    const i = 3 + 1; // n 0, c 1, s 1 → x = 10
    assert.ok(Math.abs(y.data[i] - ((10 - 2) / Math.sqrt(0.25 + 1e-5) + 5)) < 1e-12);
    assert.ok(Math.abs(y.data[0] - ((1 - 1) / Math.sqrt(4 + 1e-5)) * 3) < 1e-12);
  });

  it('works in float32 and keeps the dtype', () => {
    const y = batchNorm(x.to('float32'), null, null, null, null, { training: true });
    assert.equal(y.dtype, 'float32');
    close(y.data, batchNorm(x, null, null, null, null, { training: true }).data, 1e-6);
  });

  it('rejects bad arguments with clear errors', () => {
    assert.throws(() => batchNorm(x, null, null, null, null, { training: false }), /eval mode/);
    assert.throws(() => batchNorm(tensor([1, 2], [1, 2], 'float64'), null, null, null, null, { training: true }), /more than 1/);
    assert.throws(() => batchNorm(x, null, null, tensor([1, 2, 3], [3], 'float64')), (e: Error & { code?: string }) => e.code === 'channel_mismatch' && /weight \[3\]/.test(e.message));
    assert.throws(() => batchNorm(x, null, null, tensor([1, 2], [2])), (e: Error & { code?: string }) => e.code === 'bad_tensor');
    assert.throws(() => batchNorm(x, tensor([0, 0], [2], 'float64'), null, null, null, { training: true }), /both/);
    assert.throws(() => batchNorm(tensor([1, 2], [2], 'float64'), null, null), (e: Error & { code?: string }) => e.code === 'rank_mismatch');
    assert.throws(() => batchNorm(x, null, null, null, null, { training: true, momentum: 2 }), /momentum/);
  });

  const cases: [string, number[], boolean][] = [
    ['training [N, C, L]', [3, 2, 4], true],
    ['training [N, C] (BatchNorm1d on features)', [5, 3], true],
    ['training [N, C, H, W]', [2, 2, 3, 2], true],
    ['training [N, C, D, H, W]', [2, 2, 2, 2, 2], true],
    ['eval [N, C, H, W]', [2, 2, 3, 2], false],
  ];
  for (const [name, shape, training] of cases) {
    it(`gradcheck in x, weight and bias: ${name}`, () => {
      const C = shape[1];
      const rm = f64([C], 9);
      const rv = tensor(Array.from({ length: C }, (_, i) => 0.5 + i), [C], 'float64');
      const fn = (xx: Tensor, w: Tensor, b: Tensor) => batchNorm(xx, training ? null : rm, training ? null : rv, w, b, { training });
      const inputs = [f64(shape, 1).requiresGrad_(), f64([C], 2).requiresGrad_(), f64([C], 3).requiresGrad_()];
      ok(gradcheck(fn, inputs));
    });
  }

  it('gradcheckProjected on a larger input, updating running stats along the way', () => {
    const rm = f64([4], 4);
    const rv = tensor([1, 1, 1, 1], [4], 'float64');
    const fn = (xx: Tensor, w: Tensor, b: Tensor) => batchNorm(xx, rm, rv, w, b, { training: true, momentum: 0.3 });
    ok(gradcheckProjected(fn, [f64([4, 4, 6, 5], 5).requiresGrad_(), f64([4], 6).requiresGrad_(), f64([4], 7).requiresGrad_()]));
  });
});

describe('batchNorm float32 on each backend', () => {
  // float32 runs on the native addon's channel loops on the native backend and on the JS loops
  // elsewhere; both must agree with float64 (forward, dx, dweight, dbias), training and eval.
  const backends = backendReport().filter((b) => b.kernels.length > 0).map((b) => b.backend);
  for (const backend of backends) {
    for (const training of [true, false]) {
      it(`${backend}, ${training ? 'training' : 'eval'}`, () => {
        setBackend(backend);
        try {
          const run = (dtype: 'float32' | 'float64') => {
            const x = randn([3, 5, 6, 7], { seed: 1, dtype }).requiresGrad_(true);
            const w = randn([5], { seed: 2, dtype }).requiresGrad_(true);
            const b = randn([5], { seed: 3, dtype }).requiresGrad_(true);
            const rm = randn([5], { seed: 4, dtype });
            const rv = rand([5], { seed: 5, dtype, low: 0.5, high: 2 });
            const y = batchNorm(x, rm, rv, w, b, { training });
            y.backward(randn([3, 5, 6, 7], { seed: 6, dtype }));
            return [y.data, x.grad!.data, w.grad!.data, b.grad!.data, rm.data, rv.data];
          };
          const f32 = run('float32');
          const f64 = run('float64');
          f32.forEach((got, k) => {
            const scale = Math.max(1, ...Array.from(f64[k], Math.abs));
            for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - f64[k][i]) <= 2e-5 * scale, `output ${k}[${i}]: ${got[i]} vs ${f64[k][i]}`);
          });
        } finally {
          setBackend(null);
        }
      });
    }
  }
});

describe('layerNorm', () => {
  it('gives each trailing slice mean 0 and variance 1, then w·x̂ + b elementwise', () => {
    const x = f64([2, 3, 4], 1);
    const y = layerNorm(x, [4], null, null, 0);
    for (let r = 0; r < 6; r++) {
      const row = [...y.data.slice(r * 4, r * 4 + 4)];
      assert.ok(Math.abs(meanOf(row)) < 1e-12);
      assert.ok(Math.abs(varOf(row) - 1) < 1e-12);
    }
    const w = tensor([1, 2, 3, 4], [4], 'float64');
    const b = tensor([0, 1, 0, -1], [4], 'float64');
    const yw = layerNorm(x, 4, w, b, 0);
    for (let i = 0; i < 24; i++) assert.ok(Math.abs(yw.data[i] - (y.data[i] * w.data[i % 4] + b.data[i % 4])) < 1e-12);
  });

  it('normalises over several trailing axes', () => {
    const x = f64([2, 3, 4], 2);
    const y = layerNorm(x, [3, 4], null, null, 0);
    const first = [...y.data.slice(0, 12)];
    assert.ok(Math.abs(meanOf(first)) < 1e-12 && Math.abs(varOf(first) - 1) < 1e-12);
    assert.throws(() => layerNorm(x, [4, 3]), (e: Error & { code?: string }) => e.code === 'rank_mismatch' && /\[2,3,4\]/.test(e.message));
    assert.throws(() => layerNorm(x, [4], f64([3], 1)), /weight \[3\] must be \[4\]/);
    assert.throws(() => layerNorm(x, []), /normalizedShape/);
  });

  it('gradcheck in x, weight and bias (one and two normalised axes)', () => {
    ok(gradcheck((x, w, b) => layerNorm(x, [5], w, b), [f64([3, 5], 1).requiresGrad_(), f64([5], 2).requiresGrad_(), f64([5], 3).requiresGrad_()]));
    ok(gradcheck((x, w, b) => layerNorm(x, [2, 3], w, b), [f64([2, 2, 2, 3], 4).requiresGrad_(), f64([2, 3], 5).requiresGrad_(), f64([2, 3], 6).requiresGrad_()]));
    ok(gradcheck((x) => layerNorm(x, [4]), [f64([3, 4], 7).requiresGrad_()]));
    ok(gradcheckProjected((x, w, b) => layerNorm(x, [16], w, b), [f64([8, 6, 16], 8).requiresGrad_(), f64([16], 9).requiresGrad_(), f64([16], 10).requiresGrad_()]));
  });
});

describe('groupNorm', () => {
  it('equals layer norm over [C, ...] with one group, and instance norm with C groups', () => {
    const x = f64([2, 4, 3, 3], 1);
    close(groupNorm(x, 1).data, layerNorm(x, [4, 3, 3]).data, 1e-12);
    const inst = groupNorm(x, 4, null, null, 0);
    for (let p = 0; p < 8; p++) {
      const plane = [...inst.data.slice(p * 9, p * 9 + 9)];
      assert.ok(Math.abs(meanOf(plane)) < 1e-12 && Math.abs(varOf(plane) - 1) < 1e-12);
    }
  });

  it('normalises each (sample, group) and scales per channel', () => {
    const x = f64([2, 4, 5], 2);
    const w = tensor([1, 2, 3, 4], [4], 'float64');
    const b = tensor([0, 0, 1, 1], [4], 'float64');
    const y = groupNorm(x, 2, w, b, 0);
    const plain = groupNorm(x, 2, null, null, 0);
    // Group 1 of sample 1 is channels 2 and 3: 10 values with mean 0 and variance 1 before the affine.
    const g = [...plain.data.slice(20 + 10, 20 + 20)];
    assert.ok(Math.abs(meanOf(g)) < 1e-12 && Math.abs(varOf(g) - 1) < 1e-12);
    for (let i = 0; i < 40; i++) {
      const c = Math.floor(i / 5) % 4;
      assert.ok(Math.abs(y.data[i] - (plain.data[i] * w.data[c] + b.data[c])) < 1e-12);
    }
    assert.throws(() => groupNorm(x, 3), (e: Error & { code?: string }) => e.code === 'groups_indivisible');
  });

  it('gradcheck in x, weight and bias', () => {
    ok(gradcheck((x, w, b) => groupNorm(x, 2, w, b), [f64([2, 4, 3], 1).requiresGrad_(), f64([4], 2).requiresGrad_(), f64([4], 3).requiresGrad_()]));
    ok(gradcheck((x, w, b) => groupNorm(x, 3, w, b), [f64([1, 3, 2, 2], 4).requiresGrad_(), f64([3], 5).requiresGrad_(), f64([3], 6).requiresGrad_()]));
    ok(gradcheckProjected((x, w, b) => groupNorm(x, 4, w, b), [f64([2, 8, 6, 6], 7).requiresGrad_(), f64([8], 8).requiresGrad_(), f64([8], 9).requiresGrad_()]));
  });
});

describe('weightNorm', () => {
  it('scales every slice along dim to norm g, keeping its direction', () => {
    const v = f64([3, 2, 4], 1);
    const g = tensor([1, 2, 0.5], [3, 1, 1], 'float64');
    const w = weightNorm(v, g, 0);
    close(normExceptDim(w, 0).data, [1, 2, 0.5], 1e-12);
    const nv = normExceptDim(v, 0);
    assert.deepEqual(nv.shape, [3, 1, 1]);
    for (let i = 0; i < 24; i++) {
      const k = Math.floor(i / 8);
      assert.ok(Math.abs(w.data[i] - (g.data[k] * v.data[i]) / nv.data[k]) < 1e-12);
    }
    // g may be flat, and dim may be another axis or negative.
    close(weightNorm(v, tensor([1, 2, 0.5], [3], 'float64')).data, w.data, 1e-15);
    close(normExceptDim(weightNorm(v, tensor([3, 4, 5, 6], [1, 1, 4], 'float64'), -1), 2).data, [3, 4, 5, 6], 1e-12);
    close(normExceptDim(weightNorm(v, tensor([7], [1], 'float64'), null), null).data, [7], 1e-12);
  });

  it('rejects a g with the wrong number of values and an all-zero slice', () => {
    assert.throws(() => weightNorm(f64([3, 2], 1), f64([2], 2)), (e: Error & { code?: string }) => e.code === 'channel_mismatch' && /\[3,1\]/.test(e.message));
    assert.throws(() => weightNorm(tensor([0, 0, 1, 1], [2, 2], 'float64'), f64([2], 2)), /all zeros/);
    assert.throws(() => weightNorm(f64([3, 2], 1), f64([3], 2), 2), /dim 2/);
  });

  it('gradcheck in v and g for dim 0, dim 1, dim -1 and the whole tensor', () => {
    ok(gradcheck((v, g) => weightNorm(v, g, 0), [f64([3, 2, 3], 1).requiresGrad_(), f64([3, 1, 1], 2).requiresGrad_()]));
    ok(gradcheck((v, g) => weightNorm(v, g, 1), [f64([2, 3, 2], 3).requiresGrad_(), f64([3], 4).requiresGrad_()]));
    ok(gradcheck((v, g) => weightNorm(v, g, -1), [f64([2, 2, 3], 5).requiresGrad_(), f64([1, 1, 3], 6).requiresGrad_()]));
    ok(gradcheck((v, g) => weightNorm(v, g, null), [f64([2, 3], 7).requiresGrad_(), f64([1], 8).requiresGrad_()]));
    ok(gradcheckProjected((v, g) => weightNorm(v, g), [f64([16, 8, 5], 9).requiresGrad_(), f64([16, 1, 1], 10).requiresGrad_()]));
  });
});
