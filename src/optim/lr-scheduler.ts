import { AtrousError } from '../errors.js';

/** What a schedule drives: any optimizer (its mutable `lr`). */
export interface HasLr {
  lr: number;
}

/** The learning rate at step `epoch`, from the optimizer's current rate and the initial one. */
type Rule = (epoch: number, lr: number, baseLr: number) => number;

/** A scheduler's resumable state (plain JSON): save it next to the optimizer's. */
export interface LRSchedulerState {
  lastEpoch: number;
  baseLr: number;
  lastLr: number;
}

function bad(message: string): never {
  throw new AtrousError('bad_argument', message);
}

function checkInt(who: string, name: string, v: unknown, min: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(`${who}: ${name} = ${String(v)} must be an integer >= ${min}`);
}

function checkFinite(who: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${who}: ${name} = ${String(v)} must be a finite number`);
}

/**
 * The base of every schedule, as `torch.optim.lr_scheduler.LRScheduler`: construction records the
 * optimizer's rate as `baseLr` and applies the rate of step 0; each `step()` (after `opt.step()`)
 * advances one epoch or iteration and sets `opt.lr`. `lastLr` is the rate it set last.
 */
export class LRScheduler {
  readonly optimizer: HasLr;
  private readonly rule: Rule;
  private readonly name: string;
  /** The optimizer's learning rate when the schedule was made (PyTorch's `base_lrs[0]`). */
  baseLr: number;
  /** Steps taken; 0 right after construction. */
  lastEpoch = 0;
  /** The learning rate this schedule set last (PyTorch's `get_last_lr()[0]`). */
  lastLr: number;

  protected constructor(name: string, optimizer: HasLr, rule: Rule) {
    if (typeof optimizer !== 'object' || optimizer === null || typeof optimizer.lr !== 'number') bad(`${name}: expected an optimizer`);
    this.name = name;
    this.optimizer = optimizer;
    this.rule = rule;
    this.baseLr = optimizer.lr;
    this.lastLr = this.apply(rule(0, optimizer.lr, this.baseLr));
  }

  /** Advances the schedule one step and sets the optimizer's learning rate; returns it. */
  step(): number {
    this.lastEpoch++;
    return this.apply(this.rule(this.lastEpoch, this.optimizer.lr, this.baseLr));
  }

  /** The state to checkpoint; the optimizer's own state dict carries its current `lr`. */
  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr, lastLr: this.lastLr };
  }

  /** Restores `stateDict()`; as PyTorch, it leaves the optimizer's `lr` to the optimizer's own state. */
  loadStateDict(s: LRSchedulerState): void {
    const who = `${this.name}.loadStateDict`;
    if (typeof s !== 'object' || s === null) bad(`${who}: expected { lastEpoch, baseLr, lastLr }`);
    checkInt(who, 'lastEpoch', s.lastEpoch, 0);
    checkFinite(who, 'baseLr', s.baseLr);
    checkFinite(who, 'lastLr', s.lastLr);
    this.lastEpoch = s.lastEpoch;
    this.baseLr = s.baseLr;
    this.lastLr = s.lastLr;
  }

  private apply(lr: number): number {
    if (typeof lr !== 'number' || !Number.isFinite(lr)) bad(`${this.name}: step ${this.lastEpoch} gave learning rate ${String(lr)}`);
    this.optimizer.lr = lr;
    this.lastLr = lr;
    return lr;
  }
}

/**
 * Multiplies the rate by `gamma` every `stepSize` steps, as PyTorch's `StepLR` (its chainable form:
 * the current rate times gamma, so manual changes to `opt.lr` carry on).
 * @example const sched = new StepLR(opt, 30, 0.1); // lr·0.1 at step 30, lr·0.01 at 60, ...
 */
export class StepLR extends LRScheduler {
  constructor(optimizer: HasLr, stepSize: number, gamma = 0.1) {
    checkInt('StepLR', 'stepSize', stepSize, 1);
    checkFinite('StepLR', 'gamma', gamma);
    super('StepLR', optimizer, (t, lr) => (t === 0 || t % stepSize !== 0 ? lr : lr * gamma));
  }
}

/**
 * Multiplies the rate by `gamma` at each milestone step (twice if listed twice), as PyTorch's
 * `MultiStepLR` (chainable form).
 * @example const sched = new MultiStepLR(opt, [30, 80], 0.1);
 */
export class MultiStepLR extends LRScheduler {
  constructor(optimizer: HasLr, milestones: readonly number[], gamma = 0.1) {
    if (!Array.isArray(milestones)) bad('MultiStepLR: milestones must be an array of step numbers');
    const counts = new Map<number, number>();
    milestones.forEach((m, i) => {
      checkInt('MultiStepLR', `milestones[${i}]`, m, 0);
      counts.set(m, (counts.get(m) ?? 0) + 1);
    });
    checkFinite('MultiStepLR', 'gamma', gamma);
    super('MultiStepLR', optimizer, (t, lr) => (counts.has(t) ? lr * gamma ** counts.get(t)! : lr));
  }
}

/**
 * Cosine annealing from the base rate to `etaMin` over `tMax` steps (rising again after, with period
 * 2·tMax), in PyTorch's closed form (`CosineAnnealingLR._get_closed_form_lr`):
 *   lr = etaMin + (baseLr − etaMin)·(1 + cos(π·t/tMax))/2
 * @example const sched = new CosineAnnealingLR(opt, 100, 1e-5);
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: HasLr, tMax: number, etaMin = 0) {
    checkInt('CosineAnnealingLR', 'tMax', tMax, 1);
    checkFinite('CosineAnnealingLR', 'etaMin', etaMin);
    super('CosineAnnealingLR', optimizer, (t, _lr, base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
  }
}

export interface LinearLROptions {
  /** Multiplier of the base rate at step 0. Default 1/3. PyTorch needs > 0; 0 is allowed here. */
  startFactor?: number;
  /** Multiplier reached at `totalIters` and kept after. Default 1. */
  endFactor?: number;
  /** Steps of the linear ramp. Default 5. */
  totalIters?: number;
}

/**
 * Changes the rate linearly from base·startFactor to base·endFactor over `totalIters` steps, then
 * holds it, as PyTorch's `LinearLR` in its closed form.
 * @example const warm = new LinearLR(opt, { startFactor: 0.01, totalIters: 500 });
 */
export class LinearLR extends LRScheduler {
  constructor(optimizer: HasLr, opts: LinearLROptions = {}) {
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = opts;
    if (!(startFactor >= 0 && startFactor <= 1)) bad(`LinearLR: startFactor = ${startFactor} must be in [0, 1]`);
    if (!(endFactor >= 0 && endFactor <= 1)) bad(`LinearLR: endFactor = ${endFactor} must be in [0, 1]`);
    checkInt('LinearLR', 'totalIters', totalIters, 1);
    super('LinearLR', optimizer, (t, _lr, base) => base * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, t)) / totalIters));
  }
}

/**
 * Linear warmup from base·startFactor (default 0) to the base rate over `warmupSteps` steps, then the
 * base rate: `LinearLR` with endFactor 1.
 * @example const warm = new LinearWarmup(opt, 100);
 */
export class LinearWarmup extends LinearLR {
  constructor(optimizer: HasLr, warmupSteps: number, startFactor = 0) {
    super(optimizer, { startFactor, endFactor: 1, totalIters: warmupSteps });
  }
}

/**
 * The rate is base·fn(step), as PyTorch's `LambdaLR`.
 * @example const sched = new LambdaLR(opt, (t) => 0.95 ** t);
 */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: HasLr, fn: (step: number) => number) {
    if (typeof fn !== 'function') bad('LambdaLR: expected a function of the step');
    super('LambdaLR', optimizer, (t, _lr, base) => base * fn(t));
  }
}

export interface WarmupCosineOptions {
  /** Steps of linear warmup from 0 to the base rate. */
  warmupSteps: number;
  /** The step at which the cosine reaches `minLr` (and stays). */
  totalSteps: number;
  /** Final learning rate (absolute). Default 0. */
  minLr?: number;
}

/**
 * Linear warmup then cosine decay, the usual transformer schedule (as Hugging Face's
 * `get_cosine_schedule_with_warmup`, with an absolute floor): for t < warmupSteps,
 * lr = base·t/warmupSteps; then with progress q = (t − warmupSteps)/(totalSteps − warmupSteps)
 * clamped to 1, lr = minLr + (base − minLr)·(1 + cos(π·q))/2. Step 0 has rate 0 when warming up.
 * @example const sched = warmupCosine(opt, { warmupSteps: 100, totalSteps: 10_000, minLr: 1e-5 });
 */
export function warmupCosine(optimizer: HasLr, opts: WarmupCosineOptions): LRScheduler {
  const who = 'warmupCosine';
  if (typeof opts !== 'object' || opts === null) bad(`${who}: expected { warmupSteps, totalSteps, minLr? }`);
  const { warmupSteps, totalSteps, minLr = 0 } = opts;
  checkInt(who, 'warmupSteps', warmupSteps, 0);
  checkInt(who, 'totalSteps', totalSteps, warmupSteps);
  checkFinite(who, 'minLr', minLr);
  return new WarmupCosine(optimizer, (t, _lr, base) => {
    if (t < warmupSteps) return (base * t) / warmupSteps;
    const q = Math.min(1, (t - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minLr + ((base - minLr) * (1 + Math.cos(Math.PI * q))) / 2;
  });
}

class WarmupCosine extends LRScheduler {
  constructor(optimizer: HasLr, rule: Rule) {
    super('warmupCosine', optimizer, rule);
  }
}
