import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  Adam,
  type AdamOptions,
  AdamW,
  clipGradNorm_,
  clipGradValue_,
  CosineAnnealingLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  type Optimizer,
  RMSprop,
  type RMSpropOptions,
  SGD,
  type SGDOptions,
  StepLR,
  type Tensor,
  tensor,
  warmupCosine,
} from '../../src/index.js';

// test/golden/optim.json is written by tools/make-optim-goldens.py with torch.optim; this test needs
// no Python. The problem is repeated here literally and checked against the copy in the JSON.
const PARAMS = [[0.5, -1.25, 2.0], [0.3, -0.7, 1.1, 0.05]];
const SHAPES = [[3], [2, 2]];
const GRADS: (number[] | null)[][] = [
  [[0.1, -0.2, 0.3], [0.4, -0.5, 0.6, -0.7]],
  [[-0.25, 0.05, 0.8], [0.01, 0.2, -0.3, 0.9]],
  [[0.6, -0.9, -0.1], null],
  [[0.02, 0.03, -0.04], [-0.6, 0.1, 0.05, -0.2]],
  [[-0.3, 0.7, 0.2], [0.3, -0.35, 0.0, 0.15]],
];
const LRS = [0.01, 0.02, 0.005, 0.01, 0.03];

interface Golden {
  torch: string;
  params: number[][];
  shapes: number[][];
  grads: (number[] | null)[][];
  lrs: number[];
  optimizers: { name: string; kind: string; options: Record<string, unknown>; useLrs: boolean; trajectory: number[][][] }[];
  clipNorm: { maxNorm: number; normType: number | 'inf'; total: number; grads: number[][] }[];
  clipValue: { clipValue: number; grads: number[][] }[];
  baseLr: number;
  schedules: { name: string; args: Record<string, number | number[]>; lrs: number[] }[];
}

const golden = JSON.parse(readFileSync(new URL('../../../test/golden/optim.json', import.meta.url), 'utf8')) as Golden;

const RTOL = 1e-10;
function close(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= RTOL * Math.abs(e) + 1e-15, `${what}[${i}]: got ${a}, torch ${e}`);
  }
}

const makeParams = (): Tensor[] => PARAMS.map((v, i) => tensor(v, SHAPES[i], 'float64').requiresGrad_());

function setGrads(params: Tensor[], grads: readonly (number[] | null)[]): void {
  params.forEach((p, i) => {
    const g = grads[i];
    p.grad = g === null ? null : tensor(g, p.shape, 'float64');
  });
}

// The JSON holds each optimizer's options in atrous's own names (betas as a two-element array).
type Opts = SGDOptions & AdamOptions & RMSpropOptions;
const OPTIMIZERS: Record<string, (p: Tensor[], o: Opts) => Optimizer> = {
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
};

type Args = Record<string, number & number[]>;
const SCHEDULES: Record<string, (o: Optimizer, a: Args) => LRScheduler> = {
  StepLR: (o, a) => new StepLR(o, a.stepSize, a.gamma),
  MultiStepLR: (o, a) => new MultiStepLR(o, a.milestones, a.gamma),
  CosineAnnealingLR: (o, a) => new CosineAnnealingLR(o, a.tMax, a.etaMin),
  LinearLR: (o, a) => new LinearLR(o, { startFactor: a.startFactor, endFactor: a.endFactor, totalIters: a.totalIters }),
  LambdaLR: (o, a) => new LambdaLR(o, (t) => a.base ** t),
  warmupCosine: (o, a) => warmupCosine(o, { warmupSteps: a.warmupSteps, totalSteps: a.totalSteps, minLr: a.minLr }),
};

describe(`optimizers against torch.optim (golden from torch ${golden.torch})`, () => {
  it('replays the same problem as the script that made the golden', () => {
    assert.deepEqual(golden.params, PARAMS);
    assert.deepEqual(golden.shapes, SHAPES);
    assert.deepEqual(golden.grads, GRADS);
    assert.deepEqual(golden.lrs, LRS);
    assert.deepEqual(Object.keys(OPTIMIZERS).sort(), [...new Set(golden.optimizers.map((o) => o.kind))].sort());
  });

  for (const run of golden.optimizers) {
    it(`${run.name}: 5 steps match torch to rtol 1e-10`, () => {
      const params = makeParams();
      const opt = OPTIMIZERS[run.kind](params, run.options as Opts);
      assert.equal(opt.kind, run.kind);
      GRADS.forEach((grads, k) => {
        setGrads(params, grads);
        if (run.useLrs) opt.lr = LRS[k];
        opt.step();
        params.forEach((p, i) => close(p.data, run.trajectory[k][i], `${run.name} step ${k + 1} param ${i}`));
      });
      // The second parameter had no gradient at step 3: one update fewer.
      assert.equal(opt.paramState(0)?.step, 5);
      assert.equal(opt.paramState(1)?.step, 4);
    });
  }
});

describe('gradient clipping against torch.nn.utils', () => {
  for (const c of golden.clipNorm) {
    it(`clipGradNorm_ maxNorm ${c.maxNorm}, normType ${c.normType}`, () => {
      const params = makeParams();
      setGrads(params, GRADS[0]);
      const total = clipGradNorm_(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      close([total], [c.total], 'total norm');
      params.forEach((p, i) => close(p.grad!.data, c.grads[i], `grad ${i}`));
    });
  }
  for (const c of golden.clipValue) {
    it(`clipGradValue_ ${c.clipValue}`, () => {
      const params = makeParams();
      setGrads(params, GRADS[1]);
      clipGradValue_(params, c.clipValue);
      params.forEach((p, i) => assert.deepEqual([...p.grad!.data], c.grads[i]));
    });
  }
});

describe('learning-rate schedules against torch.optim.lr_scheduler', () => {
  for (const s of golden.schedules) {
    it(`${s.name} ${JSON.stringify(s.args)}: ${s.lrs.length - 1} steps`, () => {
      const opt = new SGD(makeParams(), { lr: golden.baseLr });
      const sched = SCHEDULES[s.name](opt, s.args as Args);
      const lrs = [sched.lastLr];
      for (let t = 1; t < s.lrs.length; t++) {
        opt.step();
        lrs.push(sched.step());
        assert.equal(opt.lr, sched.lastLr);
      }
      close(lrs, s.lrs, `${s.name} lr`);
    });
  }
});
