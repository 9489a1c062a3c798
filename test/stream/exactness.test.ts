import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BatchNorm1d, Conv1d, Dropout, Dropout1d, GELU, Identity, LeakyReLU, manualSeed, type Module, noGrad, randn, ReLU, Rng, Sequential, Sigmoid, Softplus,
  stream, Tanh, TCN, TCNRegressor, Tensor, WaveNet,
} from '../../src/index.js';
import { checkStreaming, timeSlice } from './helpers.js';

const KERNELS = ['js', 'wasm'] as const;

/** Class indices `[N, 1, T]` in 0..classes−1. */
function codes(N: number, T: number, classes: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: N * T }, () => rng.int(0, classes - 1)), [N, 1, T]);
}

/** Trains batch norms' running statistics away from 0/1 and gives affine params non-trivial values. */
function warmBatchNorms(model: Module, x: Tensor): void {
  model.train();
  for (let i = 0; i < 3; i++) noGrad(() => model.forward(x));
  const rng = new Rng(9);
  for (const m of model.modules()) {
    if (m instanceof BatchNorm1d && m.weight !== null) {
      for (let c = 0; c < m.numFeatures; c++) {
        m.weight!.data[c] = rng.uniform(0.5, 1.5);
        m.bias!.data[c] = rng.uniform(-0.5, 0.5);
      }
    }
  }
  model.eval();
}

describe('stream: every supported layer matches the full-sequence forward', () => {
  for (const kernel of KERNELS) {
    it(`[${kernel}] causal convs: kernel 1..4, dilations, groups, no bias, explicit causal padding`, () => {
      manualSeed(1);
      const x = randn([2, 4, 37], { seed: 1 });
      const nets: Module[] = [
        new Conv1d(4, 6, 3, { dilation: 2, padding: 'causal' }),
        new Conv1d(4, 4, 2, { dilation: 5, padding: 'causal', groups: 2, bias: false }),
        new Conv1d(4, 8, 4, { dilation: 3, padding: 'causal', groups: 4 }),
        new Conv1d(4, 3, 1),
        new Conv1d(4, 3, 1, { padding: 'same' }), // a 1x1 conv pads nothing either way
        new Conv1d(4, 5, 3, { dilation: 2, padding: [[4, 0]] }), // the causal padding spelled out
        new Conv1d(4, 5, 3, { dilation: 4, padding: 'causal', weightNorm: true }),
        new Conv1d(4, 17, 2, { dilation: 16, padding: 'causal' }), // a history longer than most chunks
      ];
      nets.forEach((net, i) => checkStreaming(net, x, { kernel, seed: i }));
    });

    it(`[${kernel}] activations, dropout and batch norm (eval) in a Sequential of causal convs`, () => {
      manualSeed(2);
      const net = new Sequential(
        new Conv1d(3, 8, 3, { dilation: 1, padding: 'causal' }),
        new BatchNorm1d(8),
        new ReLU(),
        new Dropout(0.3),
        new Conv1d(8, 8, 2, { dilation: 2, padding: 'causal' }),
        new LeakyReLU(0.2),
        new Dropout1d(0.2),
        new Conv1d(8, 8, 3, { dilation: 4, padding: 'causal', weightNorm: true }),
        new GELU(),
        new Conv1d(8, 8, 1),
        new GELU({ approximate: 'tanh' }),
        new Conv1d(8, 8, 2, { dilation: 8, padding: 'causal' }),
        new BatchNorm1d(8, { affine: false }),
        new Tanh(),
        new Conv1d(8, 6, 1),
        new Sigmoid(),
        new Softplus(2, 1),
        new Identity(),
        new Sequential(new Conv1d(6, 2, 2, { padding: 'causal' })),
      );
      const x = randn([3, 3, 41], { seed: 2 });
      warmBatchNorms(net, x);
      const bn = net.at(1) as BatchNorm1d;
      assert.ok(Math.abs(bn.runningMean!.data[0]) > 1e-3, 'running statistics moved');
      checkStreaming(net, x, { kernel });
    });

    it(`[${kernel}] TCN with weight norm (downsample convs included) and TCNRegressor at every prefix`, () => {
      manualSeed(3);
      const tcn = new TCN(3, [6, 6, 4, 4], { kernelSize: 3, dropout: 0.1 }).eval();
      // The TCN init (N(0, 0.01)) gives tiny outputs; larger weights make the comparison meaningful.
      for (const p of tcn.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 30;
      const x = randn([2, 3, 45], { seed: 3 });
      const y = noGrad(() => tcn.forward(x));
      assert.ok(y.data.some((v) => Math.abs(v) > 0.1), 'outputs are not all tiny');
      checkStreaming(tcn, x, { kernel });

      const reg = new TCNRegressor(2, [5, 5, 5], 3, { kernelSize: 2, dropout: 0 }).eval();
      for (const p of reg.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 30;
      const xr = randn([2, 2, 20], { seed: 4 });
      // The regressor reads the last step: its output at t is forward() of the input cut after t.
      const want = new Tensor(new Float32Array(2 * 3 * 20), [2, 3, 20]);
      for (let t = 0; t < 20; t++) {
        const yt = noGrad(() => reg.forward(timeSlice(xr, 0, t + 1))); // [2, 3]
        for (let i = 0; i < 6; i++) want.data[i * 20 + t] = yt.data[i];
      }
      checkStreaming(reg, xr, { kernel, want });
    });

    it(`[${kernel}] WaveNet: one-hot, embedding and real-valued input, kernel 2 and 3`, () => {
      manualSeed(4);
      const small = { residualChannels: 8, skipChannels: 12, classes: 16, layersPerCycle: 4, cycles: 2 };
      const oneHot = new WaveNet(small).eval();
      checkStreaming(oneHot, codes(2, 40, 16, 1), { kernel });
      const embedded = new WaveNet({ ...small, input: 'embedding', embeddingDim: 5 }).eval();
      checkStreaming(embedded, codes(2, 40, 16, 2), { kernel });
      const real = new WaveNet({ ...small, input: 'real', inputChannels: 2, kernelSize: 3, classes: 5 }).eval();
      checkStreaming(real, randn([2, 2, 40], { seed: 5 }), { kernel });
    });
  }

  it('float64 models stream on the plain-loop kernel, to float64 precision', () => {
    manualSeed(5);
    const net = new Sequential(
      new Conv1d(2, 6, 3, { dilation: 2, padding: 'causal', weightNorm: true }),
      new ReLU(),
      new Conv1d(6, 6, 2, { dilation: 4, padding: 'causal', groups: 3 }),
      new Tanh(),
      new Conv1d(6, 2, 1),
    ).to('float64').eval();
    const run = stream(net);
    assert.equal(run.kernel, 'js');
    checkStreaming(net, randn([2, 2, 30], { seed: 6, dtype: 'float64' }), { tol: 1e-12 });
    const wn = new WaveNet({ residualChannels: 4, skipChannels: 4, classes: 6, layersPerCycle: 3, cycles: 2, input: 'real' }).to('float64').eval();
    checkStreaming(wn, randn([1, 1, 30], { seed: 7, dtype: 'float64' }), { tol: 1e-12 });
  });

  it("'auto' picks the SIMD kernel for float32 models; both kernels agree", () => {
    manualSeed(6);
    const net = new WaveNet({ residualChannels: 16, skipChannels: 16, classes: 32, layersPerCycle: 5, cycles: 1 }).eval();
    const a = stream(net);
    const b = stream(net, { kernel: 'js' });
    assert.equal(a.kernel, 'wasm');
    assert.equal(b.kernel, 'js');
    const x = codes(1, 64, 32, 3);
    const ya = a.push(x);
    const yb = b.push(x);
    for (let i = 0; i < ya.size; i++) assert.ok(Math.abs(ya.data[i] - yb.data[i]) < 1e-5);
  });
});
