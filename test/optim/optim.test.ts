import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Adam,
  AdamW,
  AtrousError,
  clipGradNorm_,
  clipGradValue_,
  CosineAnnealingLR,
  decodeSafetensors,
  encodeSafetensors,
  LambdaLR,
  LinearWarmup,
  MultiStepLR,
  type Optimizer,
  type OptimizerStateDict,
  RMSprop,
  SGD,
  StepLR,
  type Tensor,
  tensor,
  warmupCosine,
} from '../../src/index.js';

const throwsCode = (fn: () => unknown, code: string, msg?: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof AtrousError && e.code === code && (msg === undefined || msg.test(e.message)));

const param = (v: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor => tensor(v, [v.length], dtype).requiresGrad_();
const grad = (p: Tensor, v: number[]): void => {
  p.grad = tensor(v, p.shape, p.dtype);
};

// A quadratic bowl L(p) = ½ Σ a_i (p_i − c_i)², its gradient set by hand: a_i (p_i − c_i).
const A = [1, 4, 0.5, 2];
const C = [1, -2, 3, 0.5];
const loss = (p: Tensor): number => Array.from(p.data).reduce((s, x, i) => s + 0.5 * A[i] * (x - C[i]) ** 2, 0);
const setQuadGrad = (p: Tensor): void => grad(p, [...p.data].map((x, i) => A[i] * (x - C[i])));

const MAKERS: [string, (p: Tensor[]) => Optimizer][] = [
  ['SGD momentum+nesterov', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['SGD momentum+dampening', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.2 })],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.05, amsgrad: true, weightDecay: 0.01 })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.05 })],
  ['RMSprop centered+momentum', (p) => new RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.01 })],
];

describe('optimizer validation', () => {
  it('rejects bad parameter lists', () => {
    throwsCode(() => new SGD([]), 'bad_argument', /non-empty/);
    throwsCode(() => new SGD([{} as Tensor]), 'bad_argument', /params\[0\] is not a Tensor/);
    throwsCode(() => new Adam([tensor([1, 2])]), 'bad_argument', /does not require gradients/);
    const p = param([1, 2]);
    throwsCode(() => new Adam([p, p]), 'bad_argument', /more than once/);
    throwsCode(() => new Adam([p.reshape([2, 1])]), 'bad_argument', /computed by reshape/);
  });

  it('rejects hyper-parameters PyTorch rejects', () => {
    const ps = [param([1])];
    throwsCode(() => new SGD(ps, { lr: -0.1 }), 'bad_argument', /learning rate -0.1/);
    throwsCode(() => new SGD(ps, { lr: NaN }), 'bad_argument');
    throwsCode(() => new SGD(ps, { momentum: -1 }), 'bad_argument', /momentum/);
    throwsCode(() => new SGD(ps, { nesterov: true }), 'bad_argument', /Nesterov/);
    throwsCode(() => new SGD(ps, { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'bad_argument', /Nesterov/);
    throwsCode(() => new Adam(ps, { betas: [1, 0.999] }), 'bad_argument', /betas\[0\] = 1/);
    throwsCode(() => new Adam(ps, { betas: [0.9, -0.1] }), 'bad_argument', /betas\[1\]/);
    throwsCode(() => new Adam(ps, { eps: -1e-8 }), 'bad_argument', /eps/);
    throwsCode(() => new AdamW(ps, { weightDecay: -1 }), 'bad_argument', /AdamW: weightDecay/);
    throwsCode(() => new RMSprop(ps, { alpha: -0.5 }), 'bad_argument', /alpha/);
    throwsCode(() => new RMSprop(ps, { momentum: Infinity }), 'bad_argument', /momentum/);
  });

  it('rejects a gradient of the wrong shape or dtype before touching any parameter', () => {
    const a = param([1, 2]);
    const b = param([3, 4]);
    const opt = new Adam([a, b], { lr: 0.1 });
    grad(a, [1, 1]);
    b.grad = tensor([1, 1, 1], [3], 'float64');
    throwsCode(() => opt.step(), 'bad_tensor', /gradient float64 \[3\] does not match the parameter float64 \[2\]/);
    b.grad = tensor([1, 1], [2], 'float32');
    throwsCode(() => opt.step(), 'bad_tensor', /float32/);
    assert.deepEqual([...a.data], [1, 2]);
    assert.equal(opt.paramState(0), undefined);
  });
});

describe('optimizer behaviour', () => {
  it('zeroGrad sets every gradient to null', () => {
    const ps = [param([1, 2]), param([3])];
    grad(ps[0], [1, 1]);
    grad(ps[1], [1]);
    new SGD(ps).zeroGrad();
    assert.equal(ps[0].grad, null);
    assert.equal(ps[1].grad, null);
  });

  it('skips parameters without a gradient: unchanged, no state, no step counted', () => {
    const a = param([1, 2]);
    const b = param([3, 4]);
    const opt = new Adam([a, b], { lr: 0.1 });
    grad(a, [1, -1]);
    opt.step();
    assert.deepEqual([...b.data], [3, 4]);
    assert.equal(opt.paramState(1), undefined);
    // Adam's first step moves each coordinate by lr·sign(g) (up to eps).
    assert.ok(Math.abs(a.data[0] - 0.9) < 1e-8 && Math.abs(a.data[1] - 2.1) < 1e-8);
    grad(b, [1, 1]);
    opt.step();
    assert.equal(opt.paramState(0)?.step, 2);
    assert.equal(opt.paramState(1)?.step, 1);
    assert.ok(Math.abs(b.data[0] - 2.9) < 1e-8);
  });

  it('updates in place without recording: parameters stay leaves, data buffers are the same objects', () => {
    const p = param([1, 2]);
    const data = p.data;
    const opt = new SGD([p], { lr: 0.5, momentum: 0.9 });
    grad(p, [2, 4]);
    opt.step();
    assert.equal(p.data, data);
    assert.equal(p.gradFn, null);
    assert.deepEqual([...p.data], [0, 0]);
  });

  it('plain SGD is p − lr·g and keeps no state buffers', () => {
    const p = param([1, 2]);
    const opt = new SGD([p], { lr: 0.25 });
    grad(p, [4, -8]);
    opt.step();
    assert.deepEqual([...p.data], [0, 4]);
    assert.deepEqual(Object.keys(opt.stateDict().tensors), []);
  });

  it('works on float32 parameters with float32 state', () => {
    const p = param([1, -1], 'float32');
    const opt = new Adam([p], { lr: 0.1 });
    grad(p, [0.5, -0.5]);
    opt.step();
    assert.ok(p.data instanceof Float32Array);
    assert.ok(opt.paramState(0)!.buffers.exp_avg instanceof Float32Array);
    assert.ok(Math.abs(p.data[0] - 0.9) < 1e-6 && Math.abs(p.data[1] + 0.9) < 1e-6);
  });

  for (const [name, make] of MAKERS) {
    it(`${name} reduces a quadratic loss`, () => {
      const p = param([0, 0, 0, 0]);
      const opt = make([p]);
      const l0 = loss(p);
      for (let t = 0; t < 300; t++) {
        opt.zeroGrad();
        setQuadGrad(p);
        opt.step();
      }
      assert.ok(loss(p) < 0.01 * l0, `${name}: loss ${loss(p)} from ${l0}`);
    });
  }
});

/** Checkpoints through safetensors bytes, as a training run would. */
function roundTrip(sd: OptimizerStateDict): OptimizerStateDict {
  const { tensors, metadata } = decodeSafetensors(encodeSafetensors(sd.tensors, { optim: JSON.stringify(sd.meta) }));
  return { tensors, meta: JSON.parse(metadata.optim) as OptimizerStateDict['meta'] };
}

describe('stateDict / loadStateDict', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [name, make] of MAKERS) {
      it(`${name} (${dtype}): resuming from a safetensors checkpoint gives the identical trajectory`, () => {
        const p = param([0.5, -1, 2, 0.25], dtype);
        const q = param([1, 2], dtype);
        const opt = make([p, q]);
        const run = (o: Optimizer, ps: Tensor[], steps: number, from: number): void => {
          for (let t = from; t < from + steps; t++) {
            setQuadGrad(ps[0]);
            // q gets a gradient on even steps only, so step counts differ per parameter.
            ps[1].grad = t % 2 === 0 ? tensor([Math.sin(t), Math.cos(t)], [2], dtype) : null;
            o.step();
          }
        };
        run(opt, [p, q], 3, 0);
        opt.lr *= 0.5; // a schedule's change is part of the state
        const saved = roundTrip(opt.stateDict());
        const p2 = tensor([...p.data], [4], dtype).requiresGrad_();
        const q2 = tensor([...q.data], [2], dtype).requiresGrad_();
        const resumed = make([p2, q2]);
        resumed.loadStateDict(saved);
        assert.equal(resumed.lr, opt.lr);
        run(opt, [p, q], 4, 3);
        run(resumed, [p2, q2], 4, 3);
        assert.deepEqual([...p2.data], [...p.data]);
        assert.deepEqual([...q2.data], [...q.data]);
        assert.deepEqual(resumed.stateDict().meta, opt.stateDict().meta);
      });
    }
  }

  it('is a snapshot, and the loaded buffers do not alias the dict', () => {
    const p = param([1, 2]);
    const opt = new Adam([p]);
    grad(p, [1, 1]);
    opt.step();
    const sd = opt.stateDict();
    assert.deepEqual(sd.meta, {
      kind: 'Adam',
      lr: 1e-3,
      hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, decoupledWeightDecay: false },
      steps: [1],
    });
    assert.deepEqual(Object.keys(sd.tensors).sort(), ['0.exp_avg', '0.exp_avg_sq']);
    const before = [...sd.tensors['0.exp_avg'].data];
    opt.step();
    assert.deepEqual([...sd.tensors['0.exp_avg'].data], before);
    opt.loadStateDict(sd);
    opt.step();
    assert.deepEqual([...sd.tensors['0.exp_avg'].data], before);
  });

  it('restores hyper-parameters, as PyTorch', () => {
    const sd = new SGD([param([1])], { lr: 0.3, momentum: 0.7 }).stateDict();
    const opt = new SGD([param([1])], { lr: 0.1, momentum: 0.9 });
    opt.loadStateDict(sd);
    assert.equal(opt.lr, 0.3);
    assert.equal(opt.hyper.momentum, 0.7);
    assert.ok(Object.isFrozen(opt.hyper));
  });

  it('rejects a state that does not fit, changing nothing', () => {
    const p = param([1, 2]);
    const opt = new Adam([p], { lr: 0.1, amsgrad: true });
    grad(p, [1, 1]);
    opt.step();
    const good = opt.stateDict();
    const variants: [string, OptimizerStateDict, RegExp][] = [
      ['kind', { ...good, meta: { ...good.meta, kind: 'SGD' } }, /from SGD, not Adam/],
      ['steps', { ...good, meta: { ...good.meta, steps: [1, 1] } }, /steps must list 1/],
      ['step value', { ...good, meta: { ...good.meta, steps: [0] } }, /steps\[0\]/],
      ['lr', { ...good, meta: { ...good.meta, lr: -1 } }, /learning rate/],
      ['hyper type', { ...good, meta: { ...good.meta, hyper: { ...good.meta.hyper, amsgrad: 1 } } }, /'amsgrad' must be a boolean/],
      ['hyper range', { ...good, meta: { ...good.meta, hyper: { ...good.meta.hyper, beta1: 2 } } }, /betas\[0\]/],
      ['hyper unknown', { ...good, meta: { ...good.meta, hyper: { ...good.meta.hyper, nesterov: true } } }, /unknown hyper-parameter 'nesterov'/],
      ['missing', { ...good, tensors: { '0.exp_avg': good.tensors['0.exp_avg'], '0.exp_avg_sq': good.tensors['0.exp_avg_sq'] } }, /missing buffer '0.max_exp_avg_sq'/],
      ['extra', { ...good, tensors: { ...good.tensors, '1.exp_avg': good.tensors['0.exp_avg'] } }, /unexpected tensor '1.exp_avg'/],
      ['shape', { ...good, tensors: { ...good.tensors, '0.exp_avg': tensor([1, 2, 3], [3], 'float64') } }, /\[3\] does not match parameter 0 \[2\]/],
    ];
    const data = [...opt.paramState(0)!.buffers.exp_avg];
    for (const [what, sd, msg] of variants) {
      opt.lr = 0.05;
      throwsCode(() => opt.loadStateDict(sd), 'bad_argument', msg);
      assert.equal(opt.lr, 0.05, what);
      assert.deepEqual([...opt.paramState(0)!.buffers.exp_avg], data, what);
    }
    throwsCode(() => opt.loadStateDict(null as unknown as OptimizerStateDict), 'bad_argument', /expected \{ tensors, meta \}/);
  });
});

describe('gradient clipping', () => {
  it('clipGradNorm_ scales by maxNorm / (norm + 1e-6) and returns the norm before clipping', () => {
    const a = param([3, 0]);
    const b = param([0, 4]);
    grad(a, [3, 0]);
    grad(b, [0, 4]);
    const c = param([7]); // no gradient: ignored
    assert.equal(clipGradNorm_([a, b, c], 1), 5);
    const s = 1 / (5 + 1e-6);
    assert.deepEqual([...a.grad!.data, ...b.grad!.data], [3 * s, 0, 0, 4 * s]);
    assert.equal(c.grad, null);
    assert.equal(clipGradNorm_(a, 10, Infinity), 3 * s); // a single tensor works; below maxNorm: unchanged
    assert.deepEqual([...a.grad!.data], [3 * s, 0]);
    assert.equal(clipGradNorm_([c], 1), 0);
  });

  it('clipGradNorm_ validates, and errorIfNonfinite leaves the gradients alone', () => {
    const a = param([1, 2]);
    grad(a, [NaN, 1]);
    throwsCode(() => clipGradNorm_([a], 1, 2, { errorIfNonfinite: true }), 'bad_argument', /NaN/);
    assert.equal(a.grad!.data[1], 1);
    throwsCode(() => clipGradNorm_([a], -1), 'bad_argument', /maxNorm/);
    throwsCode(() => clipGradNorm_([a], 1, 0), 'bad_argument', /normType/);
    throwsCode(() => clipGradNorm_([a, 3 as unknown as Tensor], 1), 'bad_argument', /params\[1\]/);
  });

  it('clipGradValue_ clamps each value', () => {
    const a = param([1, 2, 3]);
    grad(a, [-2, 0.1, 5]);
    clipGradValue_([a], 1);
    assert.deepEqual([...a.grad!.data], [-1, 0.1, 1]);
    throwsCode(() => clipGradValue_([a], NaN), 'bad_argument', /clipValue/);
  });
});

describe('learning-rate schedules', () => {
  const opt = (lr = 1): SGD => new SGD([param([0])], { lr });
  const run = (s: { step(): number; lastLr: number }, n: number): number[] => [s.lastLr, ...Array.from({ length: n }, () => s.step())];

  it('StepLR, MultiStepLR, LambdaLR, LinearWarmup by hand', () => {
    assert.deepEqual(run(new StepLR(opt(8), 2, 0.5), 5), [8, 8, 4, 4, 2, 2]);
    assert.deepEqual(run(new MultiStepLR(opt(8), [1, 3, 3], 0.5), 4), [8, 4, 4, 1, 1]);
    assert.deepEqual(run(new LambdaLR(opt(3), (t) => t + 1), 2), [3, 6, 9]);
    assert.deepEqual(run(new LinearWarmup(opt(4), 4), 5), [0, 1, 2, 3, 4, 4]);
  });

  it('CosineAnnealingLR and warmupCosine reach their floor at the end', () => {
    const cos = run(new CosineAnnealingLR(opt(1), 4, 0.1), 4);
    assert.equal(cos[2], 0.55);
    assert.equal(cos[4], 0.1);
    const wc = run(warmupCosine(opt(2), { warmupSteps: 2, totalSteps: 6, minLr: 0.2 }), 8);
    assert.deepEqual(wc.slice(0, 3), [0, 1, 2]);
    assert.ok(Math.abs(wc[4] - 1.1) < 1e-15);
    assert.deepEqual(wc.slice(6), [0.2, 0.2, 0.2]);
  });

  it('StepLR is chainable (carries a manual change), the closed forms are not', () => {
    const o = opt(1);
    const s = new StepLR(o, 2, 0.5);
    o.lr = 10;
    s.step();
    assert.equal(s.step(), 5);
    const o2 = opt(1);
    const c = new CosineAnnealingLR(o2, 10);
    o2.lr = 10;
    assert.ok(c.step() < 1);
  });

  it('resumes from its state dict', () => {
    const a = opt(1);
    const s = new CosineAnnealingLR(a, 10, 0.01);
    for (let i = 0; i < 4; i++) s.step();
    const saved = JSON.parse(JSON.stringify(s.stateDict())) as ReturnType<typeof s.stateDict>;
    const b = opt(1);
    const r = new CosineAnnealingLR(b, 10, 0.01);
    r.loadStateDict(saved);
    assert.deepEqual(run(r, 3).slice(1), run(s, 3).slice(1));
    throwsCode(() => r.loadStateDict({ ...saved, lastEpoch: -1 }), 'bad_argument', /lastEpoch/);
  });

  it('validates its arguments', () => {
    throwsCode(() => new StepLR(opt(), 0), 'bad_argument', /stepSize = 0/);
    throwsCode(() => new StepLR(opt(), 2, NaN), 'bad_argument', /gamma/);
    throwsCode(() => new MultiStepLR(opt(), [1.5]), 'bad_argument', /milestones\[0\]/);
    throwsCode(() => new CosineAnnealingLR(opt(), 0), 'bad_argument', /tMax/);
    throwsCode(() => new LinearWarmup(opt(), 0), 'bad_argument', /totalIters/);
    throwsCode(() => new LinearWarmup(opt(), 3, 2), 'bad_argument', /startFactor/);
    throwsCode(() => warmupCosine(opt(), { warmupSteps: 5, totalSteps: 3 }), 'bad_argument', /totalSteps = 3/);
    throwsCode(() => new LambdaLR(opt(), () => NaN), 'bad_argument', /learning rate NaN/);
    throwsCode(() => new StepLR({} as SGD, 2), 'bad_argument', /expected an optimizer/);
  });
});
