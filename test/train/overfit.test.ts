/**
 * End to end: small dilated nets, built from the public layers, overfit a fixed batch (the loss falls
 * by at least 100x), and one seed fixes a whole run (init, data order, dropout masks).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Adam, Conv2d, crossEntropy, getThreads, manualSeed, globalRng, mseLoss, noGrad, randn, ReLU, Sequential, setThreads, shuffledIndices, TCNRegressor, tensor, Tensor,
} from '../../src/index.js';

function adding(n: number, T: number, seed: number): { x: Tensor; y: Tensor } {
  // The adding problem (Bai et al.): channel 0 random in [0, 1), channel 1 marks two steps; the
  // target is the sum of the two marked values.
  const x = randn([n, 2, T], { seed }).data.map(() => 0);
  const ys: number[] = [];
  const r = randn([n, T + 2], { seed: seed + 1 });
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < T; t++) x[(i * 2) * T + t] = Math.abs(r.data[i * (T + 2) + t]) % 1;
    const a = Math.abs(Math.floor(r.data[i * (T + 2) + T] * 1000)) % (T / 2);
    const b = T / 2 + (Math.abs(Math.floor(r.data[i * (T + 2) + T + 1] * 1000)) % (T / 2));
    for (const t of [a, b]) {
      x[(i * 2 + 1) * T + t] = 1;
      s += x[(i * 2) * T + t];
    }
    ys.push(s);
  }
  return { x: new Tensor(x, [n, 2, T]), y: tensor(ys, [n, 1]) };
}

describe('training end to end', () => {
  it('a TCN (3 levels, kernel 3, causal dilations 1, 2, 4) overfits a fixed adding-problem batch: loss falls 100x', () => {
    manualSeed(1);
    const model = new TCNRegressor(2, [16, 16, 16], 1, { kernelSize: 3, dropout: 0 });
    const { x, y } = adding(16, 32, 5);
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const first = mseLoss(model.forward(x), y).item();
    let last = first;
    for (let step = 0; step < 300 && last > first / 200; step++) {
      opt.zeroGrad();
      const loss = mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      last = loss.item();
    }
    assert.ok(last < first / 100, `loss ${first} → ${last}`);
  });

  it('a dilated 2D net (dilations 1, 2, 4) overfits per-pixel labels of a fixed batch', () => {
    manualSeed(2);
    const net = new Sequential(
      new Conv2d(1, 16, 3, { padding: 'same' }), new ReLU(),
      new Conv2d(16, 16, 3, { padding: 'same', dilation: 2 }), new ReLU(),
      new Conv2d(16, 16, 3, { padding: 'same', dilation: 4 }), new ReLU(),
      new Conv2d(16, 3, 1),
    );
    const x = randn([2, 1, 12, 12], { seed: 3 });
    // Labels need context: the class of a pixel is set by the sign of its 3x3 neighbourhood's mean.
    const labels = new Int32Array(2 * 12 * 12);
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 12; i++)
        for (let j = 0; j < 12; j++) {
          let s = 0;
          for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) s += x.data[n * 144 + Math.min(11, Math.max(0, i + a)) * 12 + Math.min(11, Math.max(0, j + b))];
          labels[n * 144 + i * 12 + j] = s > 1 ? 2 : s < -1 ? 0 : 1;
        }
    const target = new Tensor(Float32Array.from(labels), [2, 12, 12]);
    const opt = new Adam(net.parameters(), { lr: 1e-2 });
    const first = crossEntropy(net.forward(x), target).item();
    let last = first;
    for (let step = 0; step < 400 && last > first / 200; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(x), target);
      loss.backward();
      opt.step();
      last = loss.item();
    }
    assert.ok(last < first / 100, `loss ${first} → ${last}`);
  });

  it('one seed fixes init, data order and dropout: two runs agree bit for bit, another seed differs', () => {
    const run = (seed: number) => {
      manualSeed(seed);
      const model = new TCNRegressor(2, [8, 8], 1, { kernelSize: 2, dropout: 0.3 });
      const data = adding(12, 16, 9);
      const opt = new Adam(model.parameters(), { lr: 1e-2 });
      for (let epoch = 0; epoch < 2; epoch++) {
        const order = shuffledIndices(12, globalRng());
        for (let b = 0; b < 12; b += 4) {
          const idx = Array.from(order.subarray(b, b + 4));
          const xb = new Tensor(Float32Array.from(idx.flatMap((i) => Array.from(data.x.data.subarray(i * 32, (i + 1) * 32)))), [4, 2, 16]);
          const yb = tensor(idx.map((i) => data.y.data[i]), [4, 1]);
          opt.zeroGrad();
          mseLoss(model.forward(xb), yb).backward();
          opt.step();
        }
      }
      return noGrad(() => Float32Array.from(model.parameters().flatMap((p) => Array.from(p.data))));
    };
    const a = run(7);
    const b = run(7);
    const c = run(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('the thread count does not change a run: 1 and 2 threads give the same parameters, bit for bit', () => {
    // A TCN (direct kernels) and a 48-channel dilated 3x3 stack (Winograd in all three directions).
    const run = (threads: number) => {
      const before = getThreads();
      setThreads(threads);
      try {
        manualSeed(3);
        const tcn = new TCNRegressor(2, [8, 8], 1, { kernelSize: 3, dropout: 0 });
        const net = new Sequential(new Conv2d(4, 48, 3, { padding: 'same' }), new ReLU(), new Conv2d(48, 48, 3, { dilation: 2, padding: 'same' }), new ReLU(), new Conv2d(48, 1, 1));
        const { x, y } = adding(8, 24, 4);
        const img = randn([2, 4, 12, 12], { seed: 5 });
        const target = randn([2, 1, 12, 12], { seed: 6 });
        const opt = new Adam([...tcn.parameters(), ...net.parameters()], { lr: 1e-2 });
        for (let step = 0; step < 3; step++) {
          opt.zeroGrad();
          mseLoss(tcn.forward(x), y).backward();
          mseLoss(net.forward(img), target).backward();
          opt.step();
        }
        return noGrad(() => Float32Array.from([...tcn.parameters(), ...net.parameters()].flatMap((p) => Array.from(p.data))));
      } finally {
        setThreads(before);
      }
    };
    assert.deepEqual(run(1), run(2));
  });
});
