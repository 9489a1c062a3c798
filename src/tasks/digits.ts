import { noGrad } from '../autograd/grad-mode.js';
import { imageBatch, type ImageSet, shuffledIndices } from '../data/image-set.js';
import { loadDigits } from '../data/digits.js';
import { AtrousError } from '../errors.js';
import { DilatedClassifier, type DilatedClassifierOptions } from '../models/dilated-classifier.js';
import { crossEntropy } from '../ops/losses.js';
import { Adam } from '../optim/adam.js';
import { warmupCosine } from '../optim/lr-scheduler.js';
import { globalRng, manualSeed } from '../tensor/random.js';

/** Settings of a digits training run (the CLI's `atrous train digits` options). */
export interface DigitsTrainOptions {
  /** Passes over the 7,996 training digits. Default 4. */
  epochs?: number;
  /** Default 64. */
  batch?: number;
  /** Peak learning rate of Adam (warm-up then cosine decay). Default 3e-3. */
  lr?: number;
  /** Fixes init, data order, augmentation. Default 1. */
  seed?: number;
  /** Random shift of each training digit, in pixels per axis. Default 2. */
  shift?: number;
  /** Stop after this many steps in all (a quick check of the whole pipeline). Default: no limit. */
  maxSteps?: number;
  /** The network; default `{ channels: 32, dilations: [1, 3] }` (see DilatedClassifier). */
  model?: DilatedClassifierOptions;
}

/** One evaluation on the test digits, after an epoch. */
export interface EpochRecord {
  epoch: number;
  step: number;
  seconds: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

/** What a caller hears during training (the CLI draws its progress bar from this). */
export interface DigitsHooks {
  onStep?(s: { step: number; steps: number; epoch: number; loss: number; accuracy: number; examplesPerSecond: number }): void;
  onEpoch?(e: EpochRecord): void;
  /** Checked between steps; true stops the run cleanly (the caller then saves what there is). */
  shouldStop?(): boolean;
}

export interface DigitsRun {
  model: DilatedClassifier;
  options: Required<Omit<DigitsTrainOptions, 'model'>> & { model: DilatedClassifierOptions };
  history: EpochRecord[];
  /** Training loss of every step (for the curve). */
  steps: { step: number; loss: number }[];
  stopped: boolean;
  seconds: number;
  test: { accuracy: number; loss: number; confusion: number[][] };
  /** The held-out digits the run was tested on (so callers need not load them again). */
  testSet: ImageSet;
}

export const DIGITS_DEFAULTS = { epochs: 4, batch: 64, lr: 3e-3, seed: 1, shift: 2, maxSteps: Infinity } as const;
export const DIGITS_MODEL_DEFAULTS: DilatedClassifierOptions = { channels: 32, stemChannels: 16, dilations: [1, 3] };

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new AtrousError('bad_argument', `trainDigits: ${name} must be a positive integer, got ${v}`);
}

/** Accuracy, mean loss and the confusion matrix (rows: true class, columns: predicted) of `model` on `set`. */
export function evaluateClassifier(model: DilatedClassifier, set: ImageSet, batch = 500): { accuracy: number; loss: number; confusion: number[][] } {
  const confusion = Array.from({ length: set.classes }, () => new Array<number>(set.classes).fill(0));
  let correct = 0;
  let lossSum = 0;
  const wasTraining = model.training;
  model.eval();
  noGrad(() => {
    for (let i = 0; i < set.count; i += batch) {
      const idx = Array.from({ length: Math.min(batch, set.count - i) }, (_, k) => i + k);
      const { x, y } = imageBatch(set, idx);
      const logits = model.forward(x);
      lossSum += crossEntropy(logits, y, { reduction: 'sum' }).item();
      const C = set.classes;
      for (let k = 0; k < idx.length; k++) {
        let best = 0;
        for (let c = 1; c < C; c++) if (logits.data[k * C + c] > logits.data[k * C + best]) best = c;
        confusion[y[k]][best]++;
        if (best === y[k]) correct++;
      }
    }
  });
  model.train(wasTraining);
  return { accuracy: correct / set.count, loss: lossSum / set.count, confusion };
}

/**
 * Trains the dilated digit classifier on the digits the package ships (the `mnist` package's
 * 10,000, first 80% of each class for training) with Adam, a short warm-up and cosine decay, random
 * ±shift translations; evaluates on the held-out digits after every epoch.
 * @example const run = await trainDigits({ epochs: 4 }); run.test.accuracy // ≈ 0.985
 */
export async function trainDigits(opts: DigitsTrainOptions = {}, hooks: DigitsHooks = {}): Promise<DigitsRun> {
  // Options given as undefined (a CLI flag not passed) keep their defaults.
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as DigitsTrainOptions;
  const o = { ...DIGITS_DEFAULTS, ...given, model: { ...DIGITS_MODEL_DEFAULTS, ...(given.model ?? {}) } };
  if (!(o.maxSteps === Infinity || (Number.isInteger(o.maxSteps) && o.maxSteps >= 1))) throw new AtrousError('bad_argument', `trainDigits: maxSteps must be a positive integer, got ${o.maxSteps}`);
  checkPositiveInt('epochs', o.epochs);
  checkPositiveInt('batch', o.batch);
  if (!(o.lr > 0 && o.lr < 10)) throw new AtrousError('bad_argument', `trainDigits: lr must be in (0, 10), got ${o.lr}`);
  if (!Number.isInteger(o.shift) || o.shift < 0 || o.shift > 8) throw new AtrousError('bad_argument', `trainDigits: shift must be an integer in 0..8, got ${o.shift}`);
  manualSeed(o.seed);
  const { train, test } = loadDigits();
  const model = new DilatedClassifier(10, o.model);
  const opt = new Adam(model.parameters(), { lr: o.lr });
  const perEpoch = Math.floor(train.count / o.batch);
  const steps = o.epochs * perEpoch;
  const sched = warmupCosine(opt, { warmupSteps: Math.min(100, Math.floor(steps / 10)), totalSteps: steps });
  const history: EpochRecord[] = [];
  const losses: { step: number; loss: number }[] = [];
  const t0 = performance.now();
  let step = 0;
  let stopped = false;
  for (let epoch = 1; epoch <= o.epochs && !stopped; epoch++) {
    const order = shuffledIndices(train.count, globalRng());
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < perEpoch; b++) {
      if (hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
      if (step >= o.maxSteps) break;
      const { x, y } = imageBatch(train, order.subarray(b * o.batch, (b + 1) * o.batch), { shift: o.shift, rng: globalRng() });
      opt.zeroGrad();
      const logits = model.forward(x);
      const loss = crossEntropy(logits, y);
      loss.backward();
      opt.step();
      sched.step();
      step++;
      const l = loss.item();
      losses.push({ step, loss: l });
      lossSum += l * o.batch;
      for (let k = 0; k < o.batch; k++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (logits.data[k * 10 + c] > logits.data[k * 10 + best]) best = c;
        if (best === y[k]) correct++;
      }
      seen += o.batch;
      const elapsed = (performance.now() - t0) / 1000;
      hooks.onStep?.({ step, steps, epoch, loss: l, accuracy: correct / seen, examplesPerSecond: (step * o.batch) / elapsed });
      // Let the event loop run (progress redraws, Ctrl-C) between steps.
      await new Promise((r) => setImmediate(r));
    }
    if (seen === 0) break;
    const last = step >= o.maxSteps;
    const ev = evaluateClassifier(model, test);
    const rec: EpochRecord = {
      epoch, step, seconds: (performance.now() - t0) / 1000, trainLoss: lossSum / seen, trainAccuracy: correct / seen,
      testLoss: ev.loss, testAccuracy: ev.accuracy,
    };
    history.push(rec);
    hooks.onEpoch?.(rec);
    if (last) break;
  }
  const final = evaluateClassifier(model, test);
  return { model, options: o, history, steps: losses, stopped, seconds: (performance.now() - t0) / 1000, test: final, testSet: test };
}
