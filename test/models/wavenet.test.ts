import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, gradcheckProjected, manualSeed, noGrad, randn, Rng, Tensor, WaveNet, type WaveNetOptions } from '../../src/index.js';

const maxDiff = (a: Tensor, b: Tensor) => {
  assert.deepEqual(a.shape, b.shape);
  let e = 0;
  for (let i = 0; i < a.size; i++) e = Math.max(e, Math.abs(a.data[i] - b.data[i]));
  return e;
};

/** Class indices [N, T]. */
function codes(N: number, T: number, classes: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: N * T }, () => rng.int(0, classes - 1)), [N, T]);
}

/** The formula in WaveNet's doc comment. */
function expectedParameters(o: Required<Pick<WaveNetOptions, 'residualChannels' | 'skipChannels' | 'classes' | 'layersPerCycle' | 'cycles' | 'kernelSize'>> & { cin: number; table: number }): number {
  const { residualChannels: R, skipChannels: S, classes: Q, layersPerCycle: L, cycles, kernelSize: k, cin, table } = o;
  return table + 2 * cin * R + R + cycles * L * (2 * k * R * R + 2 * R + R * R + R + R * S + S) + S * S + S + S * Q + Q;
}

/**
 * The network written out in scalar loops (real input [Cin, T], batch 1), from the module's
 * weights: an independent statement of what forward() should compute.
 */
function scalarWaveNet(net: WaveNet, x: number[][]): number[][] {
  const T = x[0].length;
  const w = (t: Tensor, ...idx: number[]) => t.get(...idx);
  const conv = (c: { weight: Tensor | null; bias: Tensor | null; dilation: number[]; kernelSize: number[] }, h: number[][]): number[][] => {
    const W = c.weight!;
    const [O, I, k] = W.shape;
    const d = c.dilation[0];
    return Array.from({ length: O }, (_, o) => Array.from({ length: T }, (_, t) => {
      let s = c.bias === null ? 0 : c.bias.data[o];
      for (let i = 0; i < I; i++) for (let j = 0; j < k; j++) {
        const tt = t - (k - 1 - j) * d;
        if (tt >= 0) s += w(W, o, i, j) * h[i][tt];
      }
      return s;
    }));
  };
  const relu = (h: number[][]) => h.map((r) => r.map((v) => Math.max(v, 0)));
  let h = conv(net.input, x);
  const R = net.residualChannels;
  let skips: number[][] | null = null;
  for (const layer of net.layers) {
    const a = conv(layer.dilated, h);
    const z = a.slice(0, R).map((row, i) => row.map((v, t) => Math.tanh(v) * (1 / (1 + Math.exp(-a[R + i][t])))));
    const res = conv(layer.residual, z);
    const sk = conv(layer.skip, z);
    h = h.map((row, i) => row.map((v, t) => v + res[i][t]));
    skips = skips === null ? sk : skips.map((row, i) => row.map((v, t) => v + sk[i][t]));
  }
  return conv(net.head2, relu(conv(net.head1, relu(skips!))));
}

describe('WaveNet', () => {
  it('defaults: 3 cycles of dilations 1..512, receptive field 3071, [N, T] codes → [N, 256, T] logits', () => {
    manualSeed(1);
    const net = new WaveNet({ residualChannels: 4, skipChannels: 4 });
    assert.equal(net.layers.length, 30);
    assert.deepEqual(net.dilations.slice(0, 11), [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1]);
    assert.equal(net.receptiveField, 3071);
    assert.equal(new WaveNet({ residualChannels: 2, skipChannels: 2, layersPerCycle: 4, cycles: 2, kernelSize: 3 }).receptiveField, 2 + 2 * 2 * 15);
    const y = noGrad(() => net.forward(codes(2, 20, 256, 1)));
    assert.deepEqual(y.shape, [2, 256, 20]);
    assert.deepEqual(noGrad(() => net.forward(codes(2, 20, 256, 1).reshape([2, 1, 20]))).data, y.data); // [N, 1, T] too
    const keys = Object.keys(net.stateDict());
    assert.deepEqual(keys.slice(0, 8), ['input.weight', 'input.bias', 'layers.0.dilated.weight', 'layers.0.dilated.bias', 'layers.0.residual.weight', 'layers.0.residual.bias', 'layers.0.skip.weight', 'layers.0.skip.bias']);
    assert.deepEqual(keys.slice(-4), ['head1.weight', 'head1.bias', 'head2.weight', 'head2.bias']);
  });

  it('parameter count follows the documented formula for each input mode', () => {
    const base = { residualChannels: 6, skipChannels: 5, classes: 7, layersPerCycle: 3, cycles: 2, kernelSize: 2 };
    assert.equal(new WaveNet(base).numParameters(), expectedParameters({ ...base, cin: 7, table: 0 }));
    assert.equal(new WaveNet({ ...base, input: 'embedding', embeddingDim: 4 }).numParameters(), expectedParameters({ ...base, cin: 4, table: 7 * 4 }));
    assert.equal(new WaveNet({ ...base, input: 'real', inputChannels: 2, kernelSize: 3 }).numParameters(), expectedParameters({ ...base, kernelSize: 3, cin: 2, table: 0 }));
    // The benchmark's model: R = S = 64, 256 classes, 30 layers.
    const big = { residualChannels: 64, skipChannels: 64, classes: 256, layersPerCycle: 10, cycles: 3, kernelSize: 2 };
    assert.equal(expectedParameters({ ...big, cin: 256, table: 0 }), 798_592);
  });

  it('forward equals the network written out in scalar loops', () => {
    manualSeed(2);
    const net = new WaveNet({ residualChannels: 3, skipChannels: 2, classes: 4, layersPerCycle: 2, cycles: 2, input: 'real', inputChannels: 2, kernelSize: 3 });
    const x = randn([1, 2, 13], { seed: 2 });
    const y = noGrad(() => net.forward(x));
    const rows = [Array.from(x.data.subarray(0, 13)), Array.from(x.data.subarray(13, 26))];
    const want = new Tensor(Float32Array.from(scalarWaveNet(net, rows).flat()), [1, 4, 13]);
    assert.ok(maxDiff(y, want) < 1e-5, String(maxDiff(y, want)));
  });

  it('one-hot and embedded class input equal real input fed the one-hot vectors / table rows', () => {
    manualSeed(3);
    const opts = { residualChannels: 4, skipChannels: 3, classes: 5, layersPerCycle: 2, cycles: 1 };
    const idx = codes(2, 9, 5, 3);
    const hot = new WaveNet(opts);
    const real = new WaveNet({ ...opts, input: 'real', inputChannels: 5 });
    real.loadStateDict(hot.stateDict());
    const onehot = new Tensor(new Float32Array(2 * 5 * 9), [2, 5, 9]);
    for (let n = 0; n < 2; n++) for (let t = 0; t < 9; t++) onehot.data[(n * 5 + idx.data[n * 9 + t]) * 9 + t] = 1;
    assert.ok(maxDiff(noGrad(() => hot.forward(idx)), noGrad(() => real.forward(onehot))) < 1e-6);

    const emb = new WaveNet({ ...opts, input: 'embedding', embeddingDim: 3 });
    const real3 = new WaveNet({ ...opts, input: 'real', inputChannels: 3 });
    const { 'embedding.weight': table, ...rest } = emb.stateDict();
    real3.loadStateDict(rest);
    const rows = new Tensor(new Float32Array(2 * 3 * 9), [2, 3, 9]);
    for (let n = 0; n < 2; n++) for (let t = 0; t < 9; t++) for (let e = 0; e < 3; e++) rows.data[(n * 3 + e) * 9 + t] = table.get(idx.data[n * 9 + t], e);
    assert.ok(maxDiff(noGrad(() => emb.forward(idx)), noGrad(() => real3.forward(rows))) < 1e-6);
  });

  it('is causal, and an input reaches exactly receptiveField − 1 steps ahead', () => {
    manualSeed(4);
    // float64: the effect 15 steps on is ~1e-8, below float32's resolution of the outputs.
    const net = new WaveNet({ residualChannels: 4, skipChannels: 4, classes: 3, layersPerCycle: 3, cycles: 2, input: 'real' }).to('float64');
    assert.equal(net.receptiveField, 16);
    const x = randn([1, 1, 40], { seed: 4, dtype: 'float64' });
    const x2 = x.clone();
    x2.data[10] += 1;
    const a = noGrad(() => net.forward(x));
    const b = noGrad(() => net.forward(x2));
    const changed = (t: number) => [0, 1, 2].some((c) => a.data[c * 40 + t] !== b.data[c * 40 + t]);
    for (let t = 0; t < 10; t++) assert.ok(!changed(t), `output ${t} saw the future`);
    assert.ok(changed(10) && changed(25), 'outputs 10 and 10 + 16 − 1 see input 10');
    for (let t = 26; t < 40; t++) assert.ok(!changed(t), `output ${t} is beyond the receptive field`);
  });

  it('gradients: float64 projected check in the input; every parameter but the unused last residual conv gets one', () => {
    manualSeed(5);
    const net = new WaveNet({ residualChannels: 3, skipChannels: 3, classes: 4, layersPerCycle: 2, cycles: 1, input: 'real', inputChannels: 2 }).to('float64');
    const x = randn([2, 2, 7], { seed: 5, dtype: 'float64' });
    const r = gradcheckProjected((xx) => net.forward(xx), [x.clone().requiresGrad_()]);
    assert.ok(r.ok, r.failure);
    const emb = new WaveNet({ residualChannels: 3, skipChannels: 3, classes: 4, layersPerCycle: 2, cycles: 1, input: 'embedding' }).to('float64');
    emb.forward(codes(1, 6, 4, 6)).backward(randn([1, 4, 6], { seed: 6, dtype: 'float64' }));
    for (const [k, p] of emb.namedParameters()) {
      const used = !k.startsWith('layers.1.residual'); // the last layer's residual output feeds nothing
      assert.equal(p.grad !== null && p.grad.data.some((v) => v !== 0), used, k);
    }
  });

  it('refuses bad options and inputs with AtrousErrors', () => {
    const net = new WaveNet({ residualChannels: 2, skipChannels: 2, classes: 4, layersPerCycle: 1, cycles: 1 });
    const bad = (fn: () => unknown, code: string, msg: RegExp) =>
      assert.throws(fn, (e) => e instanceof AtrousError && e.code === code && msg.test(e.message));
    bad(() => net.forward(new Tensor(Float32Array.of(1, 4), [1, 2])), 'bad_argument', /input value 4 at flat position 1 .* 0\.\.3/);
    bad(() => net.forward(new Tensor(Float32Array.of(0.5), [1, 1])), 'bad_argument', /not a class index/);
    bad(() => net.forward(randn([1, 2, 3])), 'rank_mismatch', /\[N, T\] or \[N, 1, T\]/);
    const real = new WaveNet({ residualChannels: 2, skipChannels: 2, classes: 4, layersPerCycle: 1, cycles: 1, input: 'real', inputChannels: 3 });
    bad(() => real.forward(randn([1, 2, 5])), 'channel_mismatch', /expected x \[N, 3, T\], got \[1,2,5\]/);
    bad(() => new WaveNet({ input: 'wav' as 'real' }), 'bad_argument', /input must be/);
    bad(() => new WaveNet({ cycles: 0 }), 'non_positive', /cycles/);
    bad(() => new WaveNet({ layersPerCycle: 31 }), 'bad_argument', /at most 30/);
  });
});
