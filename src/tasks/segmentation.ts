import { noGrad } from '../autograd/grad-mode.js';
import { loadDigitCanvases, type SegmentationSet, segmentationBatch } from '../data/digit-canvas.js';
import { shuffledIndices } from '../data/image-set.js';
import { AtrousError } from '../errors.js';
import { SEGMENTATION_HEADS, type SegmentationHead, SegmentationNet } from '../models/aspp.js';
import { crossEntropy } from '../ops/losses.js';
import { Adam } from '../optim/adam.js';
import { CosineAnnealingLR } from '../optim/lr-scheduler.js';
import { globalRng, manualSeed } from '../tensor/random.js';
import { confusionMatrix, predictClasses, type SegmentationScores, segmentationScores } from './segmentation-metrics.js';

/** Options of `trainSegmentation`. */
export interface SegmentationTrainOptions {
  /** What follows the front end (see `SegmentationNet`). Default 'context-identity'. */
  head?: SegmentationHead;
  /** Passes over the train canvases. Default 4. */
  epochs?: number;
  /** Canvases per step (the last partial batch of an epoch is dropped). Default 16. */
  batchSize?: number;
  /** Adam's peak learning rate, annealed to 0 by a per-step cosine schedule. Default 3e-3. */
  lr?: number;
  /** Seeds the model's init, the data order and dropout (`manualSeed`). Default 0. */
  seed?: number;
  /** Train / test canvases made with `loadDigitCanvases` when `data` is not given. Defaults 2000 / 500. */
  trainCanvases?: number;
  testCanvases?: number;
  /** Canvas side when the canvases are made here. Default 56. */
  canvasSize?: number;
  /** Seed of the canvases made here (kept apart from `seed`, so runs can share data). Default 0. */
  dataSeed?: number;
  /** Ready-made sets (e.g. built once for several runs); wins over the canvas options. */
  data?: { train: SegmentationSet; test: SegmentationSet };
  /** Front-end width and stride-2 steps (see `SegmentationNet`). Defaults 16 and 2. */
  width?: number;
  downsamples?: number;
  /** ASPP rates (head 'aspp'). Default [2, 4, 6]. */
  asppRates?: readonly number[];
  /**
   * Start from this net's trained front end (and classifier, where shapes match; see
   * `SegmentationNet.loadFrontend`): the second stage of Yu & Koltun's two-stage training.
   */
  frontendFrom?: SegmentationNet;
  /** Also score the test set before the first step (history entry epoch 0, loss NaN). Default false. */
  evalAtStart?: boolean;
  /** Score the test set after every epoch (true) or only at the end. Default true. */
  evalEveryEpoch?: boolean;
  /** Canvases per forward pass when scoring. Default 64. */
  evalBatchSize?: number;
}

/** What `onProgress` receives after each step. */
export interface SegmentationProgress {
  /** Steps done (1-based) of `steps`. */
  step: number;
  steps: number;
  /** Current epoch (1-based) of `epochs`. */
  epoch: number;
  epochs: number;
  /** This step's training loss (mean cross-entropy per pixel). */
  loss: number;
  /** The learning rate this step used. */
  lr: number;
  /** Wall time since training started. */
  seconds: number;
}

/** One epoch of `history`. */
export interface SegmentationEpoch {
  /** 1-based; 0 is the score before training (`evalAtStart`). */
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Test scores after the epoch (NaN when only the last epoch is scored). */
  testMeanIoU: number;
  testPixelAccuracy: number;
  /** Training wall time so far, scoring excluded. */
  seconds: number;
}

/** Final scores of `trainSegmentation`. */
export interface SegmentationMetrics extends SegmentationScores {
  head: SegmentationHead;
  /** Training wall time (steps only) and the time of the final test scoring. */
  trainSeconds: number;
  evalSeconds: number;
  steps: number;
  parameters: number;
  /** Mean training loss of the last epoch. */
  finalLoss: number;
  /** Whether training started from another net's front end (`frontendFrom`). */
  pretrainedFrontend: boolean;
}

function checkInt(name: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new AtrousError('bad_argument', `trainSegmentation: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

/**
 * Scores a model on a segmentation set: eval mode, no gradients, argmax per pixel, then mean IoU,
 * pixel accuracy and per-class IoU over the whole set. Restores training mode afterwards if set.
 * @example evaluateSegmentation(net, test).meanIoU
 */
export function evaluateSegmentation(model: SegmentationNet, set: SegmentationSet, batchSize = 64): SegmentationScores {
  checkInt('evalBatchSize', batchSize, 1);
  const wasTraining = model.training;
  model.eval();
  const cm = new Float64Array(set.classes * set.classes);
  try {
    noGrad(() => {
      for (let i = 0; i < set.count; i += batchSize) {
        const idx = Array.from({ length: Math.min(batchSize, set.count - i) }, (_, k) => i + k);
        const { x, y } = segmentationBatch(set, idx);
        confusionMatrix(predictClasses(model.forward(x)), y, set.classes, cm);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return segmentationScores(cm, set.classes);
}

/**
 * Trains a `SegmentationNet` on digit canvases (`loadDigitCanvases`) and scores it by mean IoU on
 * the test canvases: Adam, a per-step cosine schedule from `lr` to 0, per-pixel cross-entropy,
 * shuffled batches, one seed for init, order and dropout. Synchronous; `onProgress` is called after
 * every step (e.g. to draw a progress bar). Returns the per-epoch history, the final metrics and
 * the trained model (in eval mode).
 * @example const { metrics } = trainSegmentation({ head: 'aspp', epochs: 2 }, (p) => console.log(p.step, p.loss))
 */
export function trainSegmentation(
  opts: SegmentationTrainOptions = {},
  onProgress?: (p: SegmentationProgress) => void,
): { history: SegmentationEpoch[]; metrics: SegmentationMetrics; model: SegmentationNet } {
  const head = opts.head ?? 'context-identity';
  if (!SEGMENTATION_HEADS.includes(head)) throw new AtrousError('bad_argument', `trainSegmentation: unknown head ${JSON.stringify(head)}`);
  const epochs = checkInt('epochs', opts.epochs ?? 4, 1);
  const batchSize = checkInt('batchSize', opts.batchSize ?? 16, 1);
  const evalBatch = checkInt('evalBatchSize', opts.evalBatchSize ?? 64, 1);
  const lr = opts.lr ?? 3e-3;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new AtrousError('bad_argument', `trainSegmentation: lr must be a positive number, got ${String(lr)}`);
  const seed = checkInt('seed', opts.seed ?? 0, 0);
  const data = opts.data ?? loadDigitCanvases({
    train: checkInt('trainCanvases', opts.trainCanvases ?? 2000, 1),
    test: checkInt('testCanvases', opts.testCanvases ?? 500, 1),
    size: opts.canvasSize ?? 56,
    seed: opts.dataSeed ?? 0,
  });
  const { train, test } = data;
  if (train.classes !== test.classes) throw new AtrousError('bad_argument', `trainSegmentation: train has ${train.classes} classes but test has ${test.classes}`);
  const perEpoch = Math.floor(train.count / batchSize);
  if (perEpoch < 1) throw new AtrousError('bad_argument', `trainSegmentation: ${train.count} train canvases make no full batch of ${batchSize}`);
  const steps = perEpoch * epochs;

  manualSeed(seed);
  const model = new SegmentationNet(train.classes, { head, width: opts.width, downsamples: opts.downsamples, asppRates: opts.asppRates });
  if (opts.frontendFrom !== undefined) model.loadFrontend(opts.frontendFrom);
  const opt = new Adam(model.parameters(), { lr });
  const sched = new CosineAnnealingLR(opt, steps);
  const history: SegmentationEpoch[] = [];
  let trainMs = 0;
  let step = 0;
  // The last epoch is always scored, so these are set when the loop ends.
  let final: SegmentationScores | null = null;
  let evalSeconds = 0;
  if (opts.evalAtStart === true) {
    const s = evaluateSegmentation(model, test, evalBatch);
    history.push({ epoch: 0, loss: NaN, testMeanIoU: s.meanIoU, testPixelAccuracy: s.pixelAccuracy, seconds: 0 });
  }
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const order = shuffledIndices(train.count, globalRng());
    let lossSum = 0;
    for (let b = 0; b < perEpoch; b++) {
      const t0 = performance.now();
      const { x, y } = segmentationBatch(train, order.subarray(b * batchSize, (b + 1) * batchSize));
      const usedLr = opt.lr;
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      sched.step();
      const value = loss.item();
      trainMs += performance.now() - t0;
      lossSum += value;
      step++;
      onProgress?.({ step, steps, epoch, epochs, loss: value, lr: usedLr, seconds: trainMs / 1000 });
    }
    let s: SegmentationScores | null = null;
    if ((opts.evalEveryEpoch ?? true) || epoch === epochs) {
      const t0 = performance.now();
      s = evaluateSegmentation(model, test, evalBatch);
      evalSeconds = (performance.now() - t0) / 1000;
      final = s;
    }
    history.push({ epoch, loss: lossSum / perEpoch, testMeanIoU: s?.meanIoU ?? NaN, testPixelAccuracy: s?.pixelAccuracy ?? NaN, seconds: trainMs / 1000 });
  }
  model.eval();
  return {
    history,
    model,
    metrics: {
      ...final!, head, trainSeconds: trainMs / 1000, evalSeconds, steps, parameters: model.numParameters(), finalLoss: history[history.length - 1].loss,
      pretrainedFrontend: opts.frontendFrom !== undefined,
    },
  };
}
