/**
 * The two training-step workloads of issue 4, built from atrous's public API exactly as
 * bench/train/pytorch_step.py builds them in PyTorch (see its header for the layer list):
 * the adding-problem TCN (8 levels, kernel 8, 24 channels, T=600, batch 32, Adam 4e-3) and the basic
 * context module (64 channels, 128x128, identity init, Adam 1e-3), MSE loss, float32.
 */
import { Adam, ContextModule, manualSeed, mseLoss, rand, randn, TCNRegressor, Tensor, type Module, type Optimizer } from '../../src/index.js';

export interface TrainBench {
  name: 'tcn' | 'context';
  model: Module;
  parameters: number;
  /** One step: zeroGrad, forward, loss, backward, Adam step. Returns the loss. */
  step(): number;
}

function bench(name: TrainBench['name'], model: Module, opt: Optimizer, x: Tensor, target: Tensor, parameters: number): TrainBench {
  const n = model.numParameters();
  if (n !== parameters) throw new Error(`${name}: ${n} parameters, but the PyTorch model has ${parameters}`);
  return {
    name, model, parameters,
    step: () => {
      opt.zeroGrad();
      const loss = mseLoss(model.forward(x), target);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}

/** The adding problem's batch: channel 0 uniform [0, 1), channel 1 two marks (one per half); target their sum. */
export function addingBatch(n: number, T: number, seed: number): { x: Tensor; y: Tensor } {
  const u = rand([n, T], { seed });
  const marks = rand([n, 2], { seed: seed + 1 });
  const x = new Float32Array(n * 2 * T);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(u.data.subarray(i * T, (i + 1) * T), i * 2 * T);
    const a = Math.floor(marks.data[2 * i] * (T / 2));
    const b = T / 2 + Math.floor(marks.data[2 * i + 1] * (T / 2));
    x[(2 * i + 1) * T + a] = 1;
    x[(2 * i + 1) * T + b] = 1;
    y[i] = u.data[i * T + a] + u.data[i * T + b];
  }
  return { x: new Tensor(x, [n, 2, T]), y: new Tensor(y, [n, 1]) };
}

export function makeTrainBenches(seed = 1234): TrainBench[] {
  manualSeed(seed);
  const tcn = new TCNRegressor(2, Array(8).fill(24), 1, { kernelSize: 8, dropout: 0 });
  const { x, y } = addingBatch(32, 600, seed);
  const ctx = new ContextModule(64);
  const cx = randn([1, 64, 128, 128], { seed: seed + 2 });
  const ct = randn([1, 64, 128, 128], { seed: seed + 3 });
  return [
    bench('tcn', tcn, new Adam(tcn.parameters(), { lr: 4e-3 }), x, y, 70369),
    bench('context', ctx, new Adam(ctx.parameters(), { lr: 1e-3 }), cx, ct, 262656),
  ];
}
