import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AtrousError, confusionMatrix, digitCanvases, evaluateSegmentation, loadDigits, meanIoU, pixelAccuracy, predictClasses, type SegmentationProgress,
  segmentationScores, tensor, trainSegmentation,
} from '../../src/index.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('segmentation metrics', () => {
  it('meanIoU against hand-computed values', () => {
    // class 0: TP 1, FN 1 → 1/2; class 1: TP 2, FP 1 → 2/3.
    close(meanIoU([0, 1, 1, 1], [0, 0, 1, 1], 2), (1 / 2 + 2 / 3) / 2);
    // 3 classes, class 2 in neither: left out of the mean.
    close(meanIoU([0, 1, 1, 1], [0, 0, 1, 1], 3), (1 / 2 + 2 / 3) / 2);
    // class 2 only predicted: IoU 0 counts. 0: TP 1, FN 1 → 1/2; 1: TP 1, FN 1 → 1/2; 2: TP 0, FP 2 → 0.
    close(meanIoU([0, 2, 1, 2], [0, 0, 1, 1], 3), (1 / 2 + 1 / 2 + 0) / 3);
    close(meanIoU([3, 3], [3, 3], 4), 1);
    assert.ok(Number.isNaN(meanIoU([], [], 2)));
  });

  it('pixel accuracy, the confusion matrix (accumulated over batches) and per-class IoU', () => {
    close(pixelAccuracy([0, 1, 1, 1], [0, 0, 1, 1]), 0.75);
    const cm = confusionMatrix([0, 1], [0, 0], 2);
    confusionMatrix([1, 1], [0, 1], 2, cm);
    assert.deepEqual([...cm], [1, 2, 0, 1]); // rows: target; columns: prediction
    const s = segmentationScores(cm, 2);
    close(s.pixelAccuracy, 0.5);
    close(s.perClassIoU[0], 1 / 3);
    close(s.perClassIoU[1], 1 / 3);
    close(s.meanIoU, 1 / 3);
    assert.throws(() => confusionMatrix([2], [0], 2), (e: unknown) => e instanceof AtrousError && /pred 2/.test(e.message));
    assert.throws(() => confusionMatrix([0, 1], [0], 2), AtrousError);
    assert.throws(() => pixelAccuracy([0], [0, 1]), AtrousError);
  });

  it('predictClasses takes the argmax over axis 1 per position', () => {
    // [N=1, C=3, 2 positions]: position 0 → class 2, position 1 → class 0 (tie with 1 goes to 0).
    const logits = tensor([[[0.1, 5], [0.2, 5], [0.3, -1]]]);
    assert.deepEqual([...predictClasses(logits)], [2, 0]);
    assert.throws(() => predictClasses(tensor([1, 2])), (e: unknown) => e instanceof AtrousError && e.code === 'rank_mismatch');
  });
});

describe('trainSegmentation', () => {
  const digits = loadDigits();
  const data = { train: digitCanvases(digits.train, { count: 16, size: 32, seed: 1 }), test: digitCanvases(digits.test, { count: 6, size: 32, seed: 2 }) };

  it('a short run on tiny canvases lowers the loss, reports progress every step and scores the test set', () => {
    const head = 'context-identity';
    const seen: SegmentationProgress[] = [];
    const { history, metrics, model } = trainSegmentation({ head, data, epochs: 4, batchSize: 4, lr: 1e-2, width: 4, seed: 3 }, (p) => seen.push(p));
    assert.equal(seen.length, 16);
    assert.deepEqual(seen.map((p) => p.step), Array.from({ length: 16 }, (_, i) => i + 1));
    assert.ok(seen.every((p) => p.steps === 16 && p.epochs === 4 && p.lr > 0 && p.lr <= 1e-2));
    assert.ok(seen[15].lr < seen[0].lr, 'cosine schedule');
    const first = (seen[0].loss + seen[1].loss + seen[2].loss + seen[3].loss) / 4;
    const last = (seen[12].loss + seen[13].loss + seen[14].loss + seen[15].loss) / 4;
    assert.ok(last < 0.6 * first, `loss ${first} → ${last}`);
    assert.equal(history.length, 4);
    assert.ok(history[3].loss < history[0].loss);
    assert.ok(metrics.meanIoU >= 0 && metrics.meanIoU <= 1 && metrics.pixelAccuracy > 0.5);
    assert.equal(metrics.perClassIoU.length, 11);
    assert.equal(metrics.steps, 16);
    assert.equal(metrics.head, head);
    assert.equal(model.training, false);
    assert.equal(evaluateSegmentation(model, data.test).meanIoU, metrics.meanIoU);
  });

  it('is deterministic for a seed', () => {
    const run = () => trainSegmentation({ head: 'frontend', data, epochs: 1, batchSize: 8, width: 2, seed: 5, evalEveryEpoch: false }).history[0].loss;
    assert.equal(run(), run());
  });

  it('starts a second stage from a trained front end (frontendFrom), scoring before the first step', () => {
    const stage1 = trainSegmentation({ head: 'frontend', data, epochs: 1, batchSize: 8, width: 2, seed: 5 }).model;
    const { history, metrics, model } = trainSegmentation({ head: 'context-identity', data, epochs: 1, batchSize: 8, width: 2, seed: 6, frontendFrom: stage1, evalAtStart: true });
    assert.deepEqual(history.map((h) => h.epoch), [0, 1]);
    assert.ok(Number.isNaN(history[0].loss) && history[0].testMeanIoU >= 0);
    assert.equal(metrics.pretrainedFrontend, true);
    assert.notDeepEqual(model.frontend[0].conv.weight!.data, stage1.frontend[0].conv.weight!.data, 'trained on from there');
  });

  it('refuses bad options', () => {
    assert.throws(() => trainSegmentation({ data, batchSize: 32 }), (e: unknown) => e instanceof AtrousError && /no full batch/.test(e.message));
    assert.throws(() => trainSegmentation({ data, head: 'deeplab' as never }), AtrousError);
    assert.throws(() => trainSegmentation({ data, epochs: 0 }), AtrousError);
    assert.throws(() => trainSegmentation({ data, lr: -1 }), AtrousError);
  });
});
