import { AtrousError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** Scores of a segmentation, from a confusion matrix. */
export interface SegmentationScores {
  /** Mean of `perClassIoU` over the classes that occur in the target or the prediction. */
  meanIoU: number;
  /** Fraction of pixels whose predicted class is the target class. */
  pixelAccuracy: number;
  /** TP / (TP + FP + FN) per class; NaN for a class in neither target nor prediction. */
  perClassIoU: number[];
}

function checkClasses(op: string, classes: number): void {
  if (!Number.isInteger(classes) || classes < 1) throw new AtrousError('bad_argument', `${op}: classes must be a positive integer, got ${String(classes)}`);
}

/**
 * Counts of (target, predicted) class pairs: entry `t·classes + p` of a flat `classes × classes`
 * matrix (rows are the truth). Pass `into` to keep adding batches to one matrix. Every value must
 * be an integer in 0..classes − 1. Like `torchmetrics`' `MulticlassConfusionMatrix`.
 * @example const cm = confusionMatrix([0, 1, 1], [0, 1, 0], 2) // [1, 0, 1, 1]
 */
export function confusionMatrix(pred: ArrayLike<number>, target: ArrayLike<number>, classes: number, into?: Float64Array): Float64Array {
  const op = 'confusionMatrix';
  checkClasses(op, classes);
  if (pred.length !== target.length) throw new AtrousError('bad_argument', `${op}: pred has ${pred.length} values but target has ${target.length}`);
  if (into !== undefined && (!(into instanceof Float64Array) || into.length !== classes * classes)) {
    throw new AtrousError('bad_argument', `${op}: into must be a Float64Array of ${classes}·${classes} counts`);
  }
  const cm = into ?? new Float64Array(classes * classes);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    const t = target[i];
    if (!(Number.isInteger(p) && p >= 0 && p < classes) || !(Number.isInteger(t) && t >= 0 && t < classes)) {
      throw new AtrousError('bad_argument', `${op}: at ${i}, pred ${p} / target ${t} is not a class in 0..${classes - 1}`);
    }
    cm[t * classes + p]++;
  }
  return cm;
}

/**
 * Mean IoU, pixel accuracy and per-class IoU of a confusion matrix (from `confusionMatrix`).
 * Classes absent from both target and prediction are left out of the mean (as `nanmean` over
 * per-class IoU, the usual convention); with no pixels at all, everything is NaN.
 */
export function segmentationScores(confusion: Float64Array, classes: number): SegmentationScores {
  checkClasses('segmentationScores', classes);
  if (!(confusion instanceof Float64Array) || confusion.length !== classes * classes) {
    throw new AtrousError('bad_argument', `segmentationScores: confusion must be a Float64Array of ${classes}·${classes} counts`);
  }
  const perClassIoU: number[] = [];
  let total = 0;
  let correct = 0;
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    let row = 0;
    let col = 0;
    for (let k = 0; k < classes; k++) {
      row += confusion[c * classes + k];
      col += confusion[k * classes + c];
    }
    const tp = confusion[c * classes + c];
    total += row;
    correct += tp;
    const union = row + col - tp;
    const iou = union > 0 ? tp / union : NaN;
    perClassIoU.push(iou);
    if (union > 0) {
      sum += iou;
      present++;
    }
  }
  return { meanIoU: present > 0 ? sum / present : NaN, pixelAccuracy: total > 0 ? correct / total : NaN, perClassIoU };
}

/**
 * Mean intersection over union of predicted and target class maps (flat, same length): per class
 * TP / (TP + FP + FN), averaged over the classes present in either. The usual segmentation score
 * (Pascal VOC, Cityscapes), like `torchmetrics.JaccardIndex(task='multiclass')` restricted to the
 * classes present.
 * @example meanIoU([0, 1, 1, 1], [0, 0, 1, 1], 2) // (1/2 + 2/3) / 2
 */
export function meanIoU(pred: ArrayLike<number>, target: ArrayLike<number>, classes: number): number {
  return segmentationScores(confusionMatrix(pred, target, classes), classes).meanIoU;
}

/**
 * Fraction of positions where pred equals target (NaN when empty).
 * @example pixelAccuracy([0, 1, 1, 1], [0, 0, 1, 1]) // 0.75
 */
export function pixelAccuracy(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  if (pred.length !== target.length) throw new AtrousError('bad_argument', `pixelAccuracy: pred has ${pred.length} values but target has ${target.length}`);
  let hit = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === target[i]) hit++;
  return pred.length > 0 ? hit / pred.length : NaN;
}

/**
 * The highest-scoring class per position of logits `[N, C, ...]`, flat `[N·…]` (as
 * `logits.argmax(1).flatten()`); ties go to the lower class.
 * @example predictClasses(net.forward(x)) // Int32Array of N·H·W classes
 */
export function predictClasses(logits: Tensor): Int32Array {
  if (!(logits instanceof Tensor) || logits.rank < 2) {
    throw new AtrousError('rank_mismatch', `predictClasses: expected logits [N, C, ...], got ${logits instanceof Tensor ? fmtShape(logits.shape) : String(logits)}`);
  }
  const [N, C] = logits.shape;
  if (C < 1) throw new AtrousError('bad_argument', `predictClasses: logits ${fmtShape(logits.shape)} have no classes (axis 1 is empty)`);
  const S = logits.shape.slice(2).reduce((a, b) => a * b, 1);
  const d = logits.data;
  const out = new Int32Array(N * S);
  for (let n = 0; n < N; n++) {
    const base = n * C * S;
    for (let s = 0; s < S; s++) {
      let best = 0;
      let bv = d[base + s];
      for (let c = 1; c < C; c++) {
        const v = d[base + c * S + s];
        if (v > bv) {
          bv = v;
          best = c;
        }
      }
      out[n * S + s] = best;
    }
  }
  return out;
}
