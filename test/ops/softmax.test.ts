/**
 * softmax and logSoftmax: values by hand, any axis against a per-slice computation, stability at
 * extreme logits, errors, and float64 central-difference gradient checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradcheckProjected } from '../../src/autograd/gradcheck.js';
import { AtrousError } from '../../src/errors.js';
import { logSoftmax, softmax } from '../../src/ops/softmax.js';
import { randn, type Tensor, tensor } from '../../src/tensor/tensor.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const close = (got: number, want: number, tol = 1e-14) => assert.ok(Math.abs(got - want) <= tol, `got ${got}, want ${want}`);

describe('softmax values', () => {
  it('matches exp(x)/Σexp(x) on a row', () => {
    const y = softmax(tensor([1, 2, 3], [3], 'float64')).data;
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    [1, 2, 3].forEach((v, i) => close(y[i], Math.exp(v) / z));
    const l = logSoftmax(tensor([1, 2, 3], [3], 'float64')).data;
    [1, 2, 3].forEach((v, i) => close(l[i], v - Math.log(z)));
  });

  it('works along any axis (axis 1 of [2, 3, 2, 2] against each slice)', () => {
    const x = f64([2, 3, 2, 2], 1);
    for (const axis of [0, 1, 2, 3, -1, -3]) {
      const a = axis < 0 ? axis + 4 : axis;
      const y = softmax(x, axis);
      const ly = logSoftmax(x, axis);
      const st = x.strides;
      for (let i = 0; i < x.size; i++) {
        // Offset of this element's slice start along `a`, then the slice's log-sum-exp.
        const pos = Math.floor(i / st[a]) % x.shape[a];
        const start = i - pos * st[a];
        let z = 0;
        for (let c = 0; c < x.shape[a]; c++) z += Math.exp(x.data[start + c * st[a]]);
        close(y.data[i], Math.exp(x.data[i]) / z);
        close(ly.data[i], x.data[i] - Math.log(z));
      }
    }
  });

  it('stays finite at extreme logits, as PyTorch', () => {
    const y = softmax(tensor([1000, 1001, -Infinity], [3], 'float64')).data;
    close(y[0], 1 / (1 + Math.E));
    close(y[1], Math.E / (1 + Math.E));
    assert.equal(y[2], 0);
    const l = logSoftmax(tensor([0, -1000], [2], 'float64')).data;
    close(l[0], 0);
    close(l[1], -1000);
    assert.ok(softmax(tensor([NaN, 1], [2])).data.every(Number.isNaN));
  });

  it('keeps float32', () => {
    const y = softmax(randn([4, 10]), 1);
    assert.ok(y.data instanceof Float32Array);
    let s = 0;
    for (let i = 0; i < 10; i++) s += y.data[i];
    assert.ok(Math.abs(s - 1) < 1e-6);
  });

  it('rejects a bad axis', () => {
    const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === code && re.test(e.message);
    assert.throws(() => softmax(f64([2, 3], 1), 2), isErr('bad_argument', /softmax: axis 2 is out of range for \[2,3\]/));
    assert.throws(() => logSoftmax(f64([2, 3], 1), 0.5), isErr('not_integer', /axis 0.5/));
    assert.throws(() => softmax(tensor([1], [], 'float64')), isErr('bad_argument', /rank 0/));
  });
});

describe('softmax gradients (float64 central differences)', () => {
  const cases: [string, (x: Tensor) => Tensor][] = [
    ['softmax last axis', (x) => softmax(x)],
    ['softmax axis 1', (x) => softmax(x, 1)],
    ['softmax axis 0', (x) => softmax(x, 0)],
    ['logSoftmax last axis', (x) => logSoftmax(x)],
    ['logSoftmax axis 1', (x) => logSoftmax(x, 1)],
  ];
  for (const [name, fn] of cases) {
    it(name, () => {
      const r = gradcheck(fn, [f64([2, 3, 4], 1).requiresGrad_()]);
      assert.ok(r.ok, r.failure);
      const p = gradcheckProjected(fn, [f64([3, 5, 4, 6], 2).requiresGrad_()], { seed: 4 });
      assert.ok(p.ok, p.failure);
    });
  }
});
