import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BatchNorm1d, BatchNorm2d, Conv1d, conv1d, Conv2d, conv2d, Conv3d, ConvTranspose1d, convTranspose1d, ConvTranspose2d, Dropout, Dropout1d, Dropout2d,
  gradcheck, gradcheckProjected, GroupNorm, groupNorm, LayerNorm, Linear, manualSeed, normExceptDim, ones, randn, Rng, Sequential, Tensor, tensor,
} from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const ok = (r: { ok: boolean; failure?: string }) => assert.ok(r.ok, r.failure);
const same = (a: Tensor, b: Tensor, tol = 0) => {
  assert.deepEqual(a.shape, b.shape);
  for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.data[i] - b.data[i]) <= tol, `[${i}] ${a.data[i]} vs ${b.data[i]}`);
};
function spread(t: Tensor): { max: number; std: number } {
  let s = 0;
  let q = 0;
  let max = 0;
  for (const v of t.data) {
    s += v;
    q += v * v;
    max = Math.max(max, Math.abs(v));
  }
  return { max, std: Math.sqrt(q / t.size - (s / t.size) ** 2) };
}

describe('conv layers', () => {
  it('Conv1d/2d/3d hold PyTorch-shaped weights and call the conv op with their options', () => {
    const c1 = new Conv1d(4, 6, 3, { dilation: 2, stride: 2, padding: 1, groups: 2 });
    assert.deepEqual(c1.weight!.shape, [6, 2, 3]);
    const x1 = randn([2, 4, 11], { seed: 1 });
    same(c1.forward(x1), conv1d(x1, c1.weight!, { bias: c1.bias, dilation: 2, stride: 2, padding: 1, groups: 2 }));
    const c2 = new Conv2d(3, 5, [3, 1], { dilation: [4, 1], padding: 'same', bias: false });
    assert.equal(c2.bias, null);
    const x2 = randn([1, 3, 9, 7], { seed: 2 });
    same(c2.forward(x2), conv2d(x2, c2.weight!, { dilation: [4, 1], padding: 'same' }));
    assert.deepEqual(c2.forward(x2).shape, [1, 5, 9, 7]);
    assert.deepEqual(new Conv3d(2, 3, 3, { padding: 1 }).forward(randn([1, 2, 4, 4, 4])).shape, [1, 3, 4, 4, 4]);
    assert.throws(() => new Conv1d(3, 4, 3, { groups: 2 }), (e: Error & { code?: string }) => e.code === 'groups_indivisible');
    assert.throws(() => new Conv2d(3, 4, [3, 3, 3]), (e: Error & { code?: string }) => e.code === 'wrong_length');
    assert.throws(() => c1.forward(randn([2, 3, 11])), /channels/);
  });

  it("default init is PyTorch's: weight and bias U(±1/√fan_in)", () => {
    const conv = new Conv2d(32, 64, 3, { generator: new Rng(1) }); // fan_in 288
    const w = spread(conv.weight!);
    const bound = 1 / Math.sqrt(288);
    assert.ok(w.max <= bound && w.max > 0.99 * bound);
    assert.ok(Math.abs(w.std - bound / Math.sqrt(3)) < 0.02 * bound);
    const b = spread(conv.bias!);
    assert.ok(b.max <= bound && b.max > 0.8 * bound);
    const grouped = new Conv1d(8, 8, 5, { groups: 4 }); // fan_in 2·5
    assert.ok(spread(grouped.weight!).max <= 1 / Math.sqrt(10));
    const lin = spread(new Linear(100, 400).weight);
    assert.ok(lin.max <= 0.1 && lin.max > 0.099);
    assert.ok(Math.abs(lin.std - 0.1 / Math.sqrt(3)) < 0.002);
  });

  it('manualSeed gives the same weights twice; a generator option overrides it', () => {
    manualSeed(3);
    const a = new Sequential(new Conv1d(2, 4, 3), new Linear(4, 2));
    manualSeed(3);
    const b = new Sequential(new Conv1d(2, 4, 3), new Linear(4, 2));
    for (const [k, t] of Object.entries(a.stateDict())) assert.deepEqual([...t.data], [...b.stateDict()[k].data], k);
    const c = new Conv1d(2, 4, 3);
    assert.notDeepEqual([...c.weight!.data], [...(a.at(0) as Conv1d).weight!.data]);
    assert.deepEqual([...new Conv1d(2, 4, 3, { generator: new Rng(9) }).weight!.data], [...new Conv1d(2, 4, 3, { generator: new Rng(9) }).weight!.data]);
  });

  it("'causal' padding is causal: changing x[t] changes no output before t", () => {
    const check = (forward: (x: Tensor) => Tensor, shape: number[], timeAxis: number, T: number) => {
      const x = randn(shape, { seed: 5 });
      const y = forward(x);
      const strides = x.strides;
      for (const t of [0, Math.floor(T / 2), T - 1]) {
        const x2 = x.clone();
        x2.data[t * strides[timeAxis]] += 1; // sample 0, channel 0, time t, first position elsewhere
        const y2 = forward(x2);
        const ys = y.strides;
        let changedAtT = false;
        for (let i = 0; i < y.size; i++) {
          const time = Math.floor(i / ys[timeAxis]) % y.shape[timeAxis];
          if (y.data[i] !== y2.data[i]) {
            assert.ok(time >= t, `output at time ${time} changed when input time ${t} did`);
            if (time === t) changedAtT = true;
          }
        }
        assert.ok(changedAtT, `output at time ${t} ignores input time ${t}`);
      }
    };
    const c1 = new Conv1d(3, 4, 3, { dilation: 4, padding: 'causal' });
    check((x) => c1.forward(x), [2, 3, 20], 2, 20);
    const wn = new Conv1d(3, 3, 2, { dilation: 8, padding: 'causal', weightNorm: true });
    const stack = new Sequential(c1, new Conv1d(4, 3, 3, { dilation: 2, padding: 'causal' }), wn);
    check((x) => stack.forward(x), [1, 3, 24], 2, 24);
    const c2 = new Conv2d(2, 2, 3, { dilation: 2, padding: 'causal', causalAxis: 0 });
    check((x) => c2.forward(x), [1, 2, 10, 6], 2, 10);
    assert.equal(c1.forward(randn([1, 3, 20])).shape[2], 20);
  });

  it('weightNorm: weight_g = ‖weight_v‖ per output channel at init, the same conv as without it, gradients in both', () => {
    manualSeed(7);
    const plain = new Conv1d(3, 4, 3, { dilation: 2 });
    manualSeed(7);
    const wn = new Conv1d(3, 4, 3, { dilation: 2, weightNorm: true });
    assert.equal(wn.weight, null);
    assert.deepEqual(Object.keys(wn.stateDict()), ['bias', 'weight_g', 'weight_v']);
    same(wn.weight_g!, normExceptDim(wn.weight_v!));
    const x = randn([2, 3, 10], { seed: 1 });
    same(wn.forward(x), plain.forward(x), 1e-6);
    wn.forward(x).backward(randn([2, 4, 6], { seed: 2 }));
    assert.ok(wn.weight_g!.grad instanceof Tensor && wn.weight_v!.grad instanceof Tensor && wn.bias!.grad instanceof Tensor);
    assert.deepEqual(wn.weight_g!.grad!.shape, [4, 1, 1]);
  });

  it('gradcheck through a weight-normed causal Conv1d in x, weight_v, weight_g and bias', () => {
    const conv = new Conv1d(2, 3, 3, { dilation: 2, padding: 'causal', weightNorm: true }).to('float64');
    const fn = (x: Tensor, v: Tensor, g: Tensor, b: Tensor) => {
      conv.weight_v = v;
      conv.weight_g = g;
      conv.bias = b;
      return conv.forward(x);
    };
    const inputs = [f64([2, 2, 7], 1).requiresGrad_(), conv.weight_v!.clone().requiresGrad_(), conv.weight_g!.clone().requiresGrad_(), conv.bias!.clone().requiresGrad_()];
    ok(gradcheck(fn, inputs));
  });

  it('ConvTranspose1d/2d: weight [in, out/groups, k], init from fan_in = out/groups·k', () => {
    const t1 = new ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    assert.deepEqual(t1.weight.shape, [4, 3, 3]);
    assert.ok(spread(t1.weight).max <= 1 / 3);
    const x = randn([1, 4, 5], { seed: 1 });
    same(t1.forward(x), convTranspose1d(x, t1.weight, { bias: t1.bias, stride: 2, padding: 1, outputPadding: 1, groups: 2 }));
    assert.deepEqual(t1.forward(x).shape, [1, 6, 10]);
    assert.deepEqual(new ConvTranspose2d(3, 2, 4, { stride: 2, padding: 1 }).forward(randn([1, 3, 5, 5])).shape, [1, 2, 10, 10]);
  });
});

describe('Linear', () => {
  it('maps the last axis and has PyTorch-named parameters', () => {
    const lin = new Linear(5, 3);
    assert.deepEqual(Object.keys(lin.stateDict()), ['weight', 'bias']);
    assert.deepEqual(lin.forward(randn([2, 4, 5])).shape, [2, 4, 3]);
    assert.equal(new Linear(5, 3, { bias: false }).bias, null);
    assert.equal(new Linear(5, 3, { dtype: 'float64' }).weight.dtype, 'float64');
  });
});

describe('norm layers', () => {
  it('BatchNorm1d: batch statistics and running updates in training, running statistics in eval', () => {
    const bn = new BatchNorm1d(2);
    assert.deepEqual(Object.keys(bn.stateDict()), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    const x = tensor([[1, 10], [3, 20], [5, 60]]); // [N=3, C=2]
    const y = bn.forward(x);
    assert.ok(Math.abs(y.get(0, 0) - (1 - 3) / Math.sqrt(8 / 3 + 1e-5)) < 1e-6);
    assert.ok(Math.abs(bn.runningMean!.data[0] - 0.3) < 1e-6);
    assert.ok(Math.abs(bn.runningVar!.data[0] - (0.9 + 0.1 * 4)) < 1e-6);
    assert.equal(bn.buffer('num_batches_tracked').item(), 1);
    bn.eval();
    const e = bn.forward(x);
    assert.ok(Math.abs(e.get(0, 0) - (1 - 0.3) / Math.sqrt(1.3 + 1e-5)) < 1e-6);
    assert.equal(bn.buffer('num_batches_tracked').item(), 1);
    assert.throws(() => bn.forward(randn([1, 2, 3, 4])), /rank 2 or 3/);
  });

  it('BatchNorm momentum null keeps the cumulative average; trackRunningStats false always uses the batch', () => {
    const bn = new BatchNorm2d(1, { momentum: null, affine: false, dtype: 'float64' });
    const a = f64([2, 1, 3, 3], 1);
    const b = f64([2, 1, 3, 3], 2);
    bn.forward(a);
    bn.forward(b);
    const mean = (t: Tensor) => [...t.data].reduce((s, v) => s + v, 0) / t.size;
    assert.ok(Math.abs(bn.runningMean!.data[0] - (mean(a) + mean(b)) / 2) < 1e-12);
    const free = new BatchNorm2d(1, { trackRunningStats: false });
    assert.deepEqual(Object.keys(free.stateDict()), ['weight', 'bias']);
    free.eval();
    const z = free.forward(randn([2, 1, 4, 4], { seed: 3 }));
    assert.ok(Math.abs(mean(z)) < 1e-6);
  });

  it('LayerNorm and GroupNorm modules call their ops', () => {
    const ln = new LayerNorm([4]);
    assert.deepEqual(Object.keys(ln.stateDict()), ['weight', 'bias']);
    const h = randn([2, 3, 4], { seed: 1 });
    const row = [...ln.forward(h).data.slice(0, 4)];
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0)) < 1e-5);
    const gn = new GroupNorm(2, 4);
    const x = randn([1, 4, 5, 5], { seed: 2 });
    same(gn.forward(x), groupNorm(x, 2, gn.weight, gn.bias));
    assert.throws(() => gn.forward(randn([1, 6, 5, 5])), (e: Error & { code?: string }) => e.code === 'channel_mismatch');
    assert.throws(() => new GroupNorm(3, 4), /divisible/);
    assert.equal(new LayerNorm(4, { elementwiseAffine: false }).parameters().length, 0);
  });
});

describe('dropout layers', () => {
  it('are active in training and the identity in eval', () => {
    const x = ones([4, 8, 6]);
    const d = new Dropout(0.5, new Rng(1));
    assert.ok([...d.forward(x).data].some((v) => v === 0));
    d.eval();
    assert.equal(d.forward(x), x);
    const d1 = new Dropout1d(0.5, new Rng(2));
    const y = d1.forward(x);
    for (let p = 0; p < 32; p++) {
      const row = [...y.data.slice(p * 6, p * 6 + 6)];
      assert.ok(row.every((v) => v === row[0]));
    }
    // Without the batch axis, [C, L] is one sample.
    const u = d1.forward(ones([8, 6]));
    assert.deepEqual(u.shape, [8, 6]);
    assert.throws(() => d1.forward(ones([1, 2, 3, 4])), /rank 3/);
    assert.throws(() => new Dropout2d(2), /probability/);
    assert.deepEqual(new Dropout2d(0.5).forward(ones([3, 4, 4])).shape, [3, 4, 4]);
  });
});

describe('Sequential', () => {
  it('chains modules; gradients reach every parameter (gradcheckProjected in float64)', () => {
    const net = new Sequential(
      new Conv1d(2, 4, 3, { dilation: 2, padding: 'causal', weightNorm: true }),
      new BatchNorm1d(4),
      new Conv1d(4, 4, 3, { dilation: 4, padding: 'causal' }),
      new GroupNorm(2, 4),
      new LayerNorm(12),
      new Linear(12, 3),
    ).to('float64');
    const x = f64([3, 2, 12], 1);
    ok(gradcheckProjected((xx) => net.forward(xx), [x.clone().requiresGrad_()]));
    const y = net.forward(x);
    assert.deepEqual(y.shape, [3, 4, 3]);
    y.backward(f64([3, 4, 3], 2));
    for (const [k, p] of net.namedParameters()) assert.ok(p.grad !== null && p.grad.data.some((v) => v !== 0), k);
  });
});
