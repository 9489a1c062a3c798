/**
 * Pointwise ops and activations: values (PyTorch's edge cases included), erf accuracy, errors,
 * and float64 central-difference gradient checks away from kinks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradcheckProjected } from '../../src/autograd/gradcheck.js';
import { AtrousError } from '../../src/errors.js';
import { abs, clamp, elu, erf, exp, gelu, leakyRelu, log, relu, sigmoid, softplus, sqrt, square, tanh } from '../../src/ops/unary.js';
import { rand, randn, type Tensor, tensor } from '../../src/tensor/tensor.js';
import { backendReport, setBackend } from '../../src/kernels/registry.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const pos64 = (shape: number[], seed: number) => rand(shape, { seed, dtype: 'float64', low: 0.2, high: 3 });
const t64 = (v: number[]) => tensor(v, [v.length], 'float64');
const close = (got: ArrayLike<number>, want: number[], tol = 1e-15) => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}] got ${got[i]}, want ${want[i]}`);
  }
};
/** Moves values off the kinks at the given points so finite differences never straddle one. */
const awayFrom = (t: Tensor, ...kinks: number[]) => {
  for (let i = 0; i < t.size; i++) for (const k of kinks) if (Math.abs(t.data[i] - k) < 1e-3) t.data[i] = k + 0.05;
  return t;
};

describe('erf', () => {
  it('matches known values (Python math.erf) to 1e-15', () => {
    const known: [number, number][] = [
      [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108], [2, 0.9953222650189527],
      [2.5, 0.999593047982555], [3, 0.9999779095030014], [3.7, 0.9999998328489421], [4.2, 0.9999999971445058],
      [5.1, 0.9999999999994507], [5.9, 0.9999999999999999],
    ];
    for (const [x, v] of known) {
      assert.ok(Math.abs(erf(x) - v) <= 1e-15, `erf(${x}) = ${erf(x)}, want ${v}`);
      assert.ok(Math.abs(erf(-x) + v) <= 1e-15, `erf(${-x})`);
    }
    assert.equal(erf(0), 0);
    assert.equal(erf(7), 1);
    assert.equal(erf(-Infinity), -1);
    assert.ok(Number.isNaN(erf(NaN)));
  });

  it('agrees with the Maclaurin series to 1e-15 on [-1.5, 1.5] (an independent formula)', () => {
    for (let i = 0; i <= 3000; i++) {
      const x = -1.5 + i * 0.001;
      let term = x;
      let s = x;
      for (let n = 1; n < 60; n++) {
        term *= (-x * x) / n;
        s += term / (2 * n + 1);
      }
      const want = (2 / Math.sqrt(Math.PI)) * s;
      assert.ok(Math.abs(erf(x) - want) <= 1e-15, `erf(${x}) = ${erf(x)}, series ${want}`);
    }
  });
});

describe('pointwise values', () => {
  it('exp, log, sqrt, abs, square, tanh with PyTorch edge cases', () => {
    close(exp(t64([0, 1, -2])).data, [1, Math.E, Math.exp(-2)]);
    const l = log(t64([1, Math.E, 0, -1])).data;
    close(l.subarray(0, 2), [0, 1]);
    assert.equal(l[2], -Infinity);
    assert.ok(Number.isNaN(l[3]));
    close(sqrt(t64([4, 2, 0])).data, [2, Math.SQRT2, 0]);
    close(abs(t64([-3, 0, 2])).data, [3, 0, 2]);
    close(square(t64([-3, 0.5])).data, [9, 0.25]);
    close(tanh(t64([0, 1, -30])).data, [0, Math.tanh(1), -1]);
  });

  it('clamp with either bound, both, crossed bounds and NaN', () => {
    const x = t64([-2, -0.5, 0.5, 3, NaN]);
    assert.deepEqual([...clamp(x, -1, 1).data].slice(0, 4), [-1, -0.5, 0.5, 1]);
    assert.ok(Number.isNaN(clamp(x, -1, 1).data[4]));
    assert.deepEqual([...clamp(x, 0).data].slice(0, 4), [0, 0, 0.5, 3]);
    assert.deepEqual([...clamp(x, undefined, 0).data].slice(0, 4), [-2, -0.5, 0, 0]);
    assert.deepEqual([...clamp(x, 2, 1).data].slice(0, 4), [1, 1, 1, 1]); // min > max: all max, as PyTorch
  });

  it('relu, leakyRelu, elu', () => {
    const x = t64([-2, 0, 1.5]);
    assert.deepEqual([...relu(x).data], [0, 0, 1.5]);
    assert.ok(Number.isNaN(relu(t64([NaN])).data[0]));
    close(leakyRelu(x).data, [-0.02, 0, 1.5]);
    close(leakyRelu(x, 0.2).data, [-0.4, 0, 1.5]);
    close(elu(x).data, [Math.exp(-2) - 1, 0, 1.5]);
    close(elu(x, 2).data, [2 * (Math.exp(-2) - 1), 0, 1.5]);
  });

  // float32 ReLU runs on the addon's vectorised loop on the native backend and on the JS loop
  // elsewhere: both must give PyTorch's values and gradients at every edge case.
  const backends = backendReport().filter((b) => b.kernels.length > 0 && b.backend !== 'wasm').map((b) => b.backend).concat(['wasm']);
  for (const backend of new Set(backends)) {
    it(`relu float32 edge cases as torch.relu (${backend} backend)`, () => {
      setBackend(backend);
      try {
        const x = tensor([NaN, -0, -Infinity, Infinity, -1, 2, 0, 3e38, -1e-45], [9]).requiresGrad_(true);
        const y = relu(x);
        assert.deepEqual([...y.data], [NaN, 0, 0, Infinity, 0, 2, 0, x.data[7], 0]);
        assert.ok(Object.is(y.data[1], 0) && Object.is(y.data[4], 0), '−0 and negatives give +0');
        // An infinite/NaN gradient where the output is not positive is blocked (0), as PyTorch.
        y.backward(tensor([1, 2, Infinity, 4, NaN, 6, 7, 8, 9], [9]));
        assert.deepEqual([...x.grad!.data], [0, 0, 0, 4, 0, 6, 0, 8, 0]);
        // Long enough for the vector loop and its tail.
        const big = randn([1001], { seed: 3 });
        const ref = [...big.data].map((v) => (v > 0 ? v : 0));
        assert.deepEqual([...relu(big).data], ref);
      } finally {
        setBackend(null);
      }
    });
  }

  it('sigmoid and softplus stay finite at extremes', () => {
    const s = sigmoid(t64([0, 2, -2, 1000, -1000, -800])).data;
    close(s.subarray(0, 3), [0.5, 1 / (1 + Math.exp(-2)), 1 / (1 + Math.exp(2))]);
    assert.deepEqual([...s.subarray(3)], [1, 0, 0]);
    const sp = softplus(t64([0, -3, 30, -1000, 1000])).data;
    close(sp.subarray(0, 2), [Math.LN2, 0.04858735157374206]);
    assert.deepEqual([...sp.subarray(2)], [30, 0, 1000]); // above the threshold: x itself
    close(softplus(t64([0.7]), 2).data, [0.8102087049592255]);
    assert.equal(softplus(t64([5.5]), 2, 10).data[0], 5.5); // β·x = 11 > threshold 10
  });

  it('gelu exact (erf) and tanh forms (Python reference values)', () => {
    const x = t64([-2, -0.5, 0.3, 1, 3]);
    close(gelu(x).data, [-0.04550026389635842, -0.15426876936299344, 0.18537342665668577, 0.8413447460685429, 2.99595030590511], 1e-14);
    close(gelu(x, { approximate: 'tanh' }).data, [-0.04540230591222494, -0.15428599017485606, 0.18537092354275922, 0.8411919906082768, 2.996362607918227], 1e-14);
  });

  it('float32 in, float32 out', () => {
    for (const op of [exp, relu, sigmoid, (t: Tensor) => gelu(t)]) {
      const y = op(randn([2, 3]));
      assert.ok(y.data instanceof Float32Array);
    }
  });

  it('rejects bad arguments', () => {
    const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === code && re.test(e.message);
    assert.throws(() => clamp(t64([1])), isErr('bad_argument', /at least one of min and max/));
    assert.throws(() => clamp(t64([1]), NaN), isErr('bad_argument', /min must be a number/));
    assert.throws(() => gelu(t64([1]), { approximate: 'erf' as never }), isErr('bad_argument', /'none' or 'tanh'/));
    assert.throws(() => softplus(t64([1]), 0), isErr('bad_argument', /beta must not be 0/));
    assert.throws(() => exp([1, 2] as never), isErr('bad_tensor', /exp: x must be a Tensor, got an array/));
  });
});

describe('pointwise gradients (float64 central differences)', () => {
  const cases: [string, (x: Tensor) => Tensor, (shape: number[], seed: number) => Tensor][] = [
    ['exp', exp, f64],
    ['log', log, pos64],
    ['sqrt', sqrt, pos64],
    ['abs', abs, (s, k) => awayFrom(f64(s, k), 0)],
    ['square', square, f64],
    ['clamp(-0.5, 0.8)', (x) => clamp(x, -0.5, 0.8), (s, k) => awayFrom(f64(s, k), -0.5, 0.8)],
    ['clamp(min 0.1)', (x) => clamp(x, 0.1), (s, k) => awayFrom(f64(s, k), 0.1)],
    ['clamp(max 0)', (x) => clamp(x, null, 0), (s, k) => awayFrom(f64(s, k), 0)],
    ['relu', relu, (s, k) => awayFrom(f64(s, k), 0)],
    ['leakyRelu', (x) => leakyRelu(x, 0.1), (s, k) => awayFrom(f64(s, k), 0)],
    ['elu', (x) => elu(x, 1.5), (s, k) => awayFrom(f64(s, k), 0)],
    ['tanh', tanh, f64],
    ['sigmoid', sigmoid, (s, k) => randn(s, { seed: k, dtype: 'float64' })],
    ['softplus', softplus, (s, k) => f64(s, k)],
    ['softplus β=2 threshold 1', (x) => softplus(x, 2, 1), (s, k) => awayFrom(f64(s, k), 0.5)],
    ['gelu exact', (x) => gelu(x), (s, k) => f64(s, k)],
    ['gelu tanh', (x) => gelu(x, { approximate: 'tanh' }), (s, k) => f64(s, k)],
  ];
  for (const [name, fn, make] of cases) {
    it(name, () => {
      const r = gradcheck(fn, [make([2, 5], 1).requiresGrad_()]);
      assert.ok(r.ok, r.failure);
      const p = gradcheckProjected(fn, [make([4, 6, 7], 2).requiresGrad_()], { seed: 5 });
      assert.ok(p.ok, p.failure);
    });
  }

  it('gelu exact gradient at wide inputs (the erf table at both ends)', () => {
    const x = t64([-7, -5.3, -3.1, -0.01, 0.02, 1.23, 4.9, 6.5]).requiresGrad_();
    const r = gradcheck((t) => gelu(t), [x]);
    assert.ok(r.ok, r.failure);
  });
});
