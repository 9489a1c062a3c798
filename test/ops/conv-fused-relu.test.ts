/**
 * A conv with `activation: 'relu'` (ReLU fused into the op, as tfjs's tf.fused.conv2d) against
 * relu(conv(x)), and addRelu against relu(add): the same values and the same gradients, bit for
 * bit, on every backend and in float64; and the argument checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { AtrousError } from '../../src/errors.js';
import { setBackend } from '../../src/kernels/registry.js';
import { convKernels } from '../../src/kernels/registry.js';
import { Conv1d } from '../../src/nn/conv.js';
import { conv1d, conv2d, type ConvArgs } from '../../src/ops/conv.js';
import { add, addRelu, mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { relu } from '../../src/ops/unary.js';
import { randn, type Tensor } from '../../src/tensor/tensor.js';

const backends = [...new Set(convKernels().map((k) => k.backend))];

/** Values and all three gradients of `f` at (x, w, b) under loss Σ y·r, r fixed. */
function valueAndGrads(f: (x: Tensor, w: Tensor, b: Tensor) => Tensor, x: Tensor, w: Tensor, b: Tensor) {
  const [xs, ws, bs] = [x, w, b].map((t) => t.detach().requiresGrad_());
  const y = f(xs, ws, bs);
  const r = randn(y.shape, { seed: 9, dtype: y.dtype });
  sum(mul(y, r)).backward();
  return { y: y.data, dx: xs.grad!.data, dw: ws.grad!.data, db: bs.grad!.data };
}

for (const backend of backends) {
  test(`${backend}: conv1d/conv2d with activation 'relu' equal relu(conv), values and gradients bit for bit`, () => {
    setBackend(backend);
    try {
      const cases: [number[], number[], ConvArgs][] = [
        [[3, 24, 300], [24, 24, 8], { dilation: 4, padding: 'causal' }], // a TCN layer (half the outputs negative)
        [[2, 5, 17, 19], [6, 5, 3, 3], { dilation: 2, padding: 'same' }],
        [[1, 48, 20, 18], [48, 48, 3, 3], { dilation: 3, padding: 3 }], // Winograd on the fast backends
      ];
      for (const [xs, wsh, args] of cases) {
        const x = randn(xs, { seed: 1 });
        const w = randn(wsh, { seed: 2 });
        const b = randn([wsh[0]], { seed: 3 });
        const conv = xs.length === 3 ? conv1d : conv2d;
        const fused = valueAndGrads((x, w, b) => conv(x, w, { ...args, bias: b, activation: 'relu' }), x, w, b);
        const apart = valueAndGrads((x, w, b) => relu(conv(x, w, { ...args, bias: b })), x, w, b);
        assert.ok(fused.y.some((v) => v === 0) && fused.y.some((v) => v > 0), 'both sides of the kink are covered');
        assert.deepEqual(fused, apart, `${xs} on ${backend}`);
      }
    } finally {
      setBackend(null);
    }
  });
}

test("float64: the fused ReLU's gradients pass finite differences (away from the kink)", () => {
  const x = randn([2, 3, 30], { seed: 4, dtype: 'float64' });
  const w = randn([4, 3, 3], { seed: 5, dtype: 'float64' });
  const b = randn([4], { seed: 6, dtype: 'float64' });
  const r = gradcheck((x, w, b) => conv1d(x, w, { bias: b, dilation: 3, padding: 'causal', activation: 'relu' }), [x.requiresGrad_(), w.requiresGrad_(), b.requiresGrad_()]);
  assert.ok(r.ok, r.failure);
});

test("NaN stays NaN and −0 becomes 0 through the fused ReLU, as torch.relu", () => {
  const x = randn([1, 2, 8], { seed: 7 });
  const w = randn([2, 2, 1], { seed: 8 });
  x.data[3] = NaN;
  const y = conv1d(x, w, { activation: 'relu' });
  const ref = relu(conv1d(x, w));
  assert.deepEqual(y.data, ref.data);
  assert.ok(Number.isNaN(y.data[3]) && Number.isNaN(y.data[11]));
  assert.ok(y.data.every((v) => !Object.is(v, -0)));
});

test('Conv1d({ activation }) fuses, prints it, and refuses anything but linear or relu', () => {
  const layer = new Conv1d(3, 4, 2, { dilation: 2, padding: 'causal', activation: 'relu' });
  const x = randn([2, 3, 10], { seed: 11 });
  assert.deepEqual(layer.forward(x).data, relu(conv1d(x, layer.weight!, { bias: layer.bias, dilation: 2, padding: 'causal' })).data);
  assert.match(layer.extraRepr(), /activation='relu'/);
  assert.throws(() => new Conv1d(3, 4, 2, { activation: 'gelu' as 'relu' }), (e) => e instanceof AtrousError && /Conv1d: activation must be 'linear' or 'relu', got "gelu"/.test(e.message));
  assert.throws(() => conv1d(x, layer.weight!, { activation: 'tanh' as 'relu' }), (e) => e instanceof AtrousError && /conv1d: activation must be 'linear' or 'relu'/.test(e.message));
  // PyTorch's positional bias is a common slip: a clear error, not a TypeError.
  assert.throws(() => conv1d(x, layer.weight!, null as unknown as ConvArgs), (e) => e instanceof AtrousError && /conv1d: the third argument is an options object/.test(e.message));
  assert.throws(() => conv1d(x, layer.weight!, layer.bias as unknown as ConvArgs), (e) => e instanceof AtrousError && /pass the bias as \{ bias \}/.test(e.message));
});

for (const backend of backends) {
  test(`${backend}: addRelu (a residual block's output) equals relu(add), values and gradients bit for bit`, () => {
    setBackend(backend);
    try {
      for (const dtype of ['float32', 'float64'] as const) {
        const a = randn([4, 24, 300], { seed: 21, dtype }).requiresGrad_();
        const b = randn([4, 24, 300], { seed: 22, dtype }).requiresGrad_();
        const r = randn([4, 24, 300], { seed: 23, dtype });
        const run = (f: (a: Tensor, b: Tensor) => Tensor) => {
          const [x, y] = [a.detach().requiresGrad_(), b.detach().requiresGrad_()];
          const out = f(x, y);
          sum(mul(out, r)).backward();
          return { out: out.data, da: x.grad!.data, db: y.grad!.data };
        };
        assert.deepEqual(run(addRelu), run((x, y) => relu(add(x, y))), `${dtype} on ${backend}`);
      }
    } finally {
      setBackend(null);
    }
  });
}
