import { AtrousError, fmtShape } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { loadDigits } from './digits.js';
import type { ImageSet } from './image-set.js';

/**
 * Single-channel images with a class per pixel, stored flat: image i is
 * `images[i·h·w .. (i+1)·h·w)` and its labels the same range of `labels`.
 */
export interface SegmentationSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  /** Label values are 0 .. classes − 1; 0 is background. */
  classes: number;
  /** Where each canvas's digits went (index into the source set, its class, top-left corner), in drawing order. */
  placements: DigitPlacement[][];
}

/** One digit drawn on a canvas. */
export interface DigitPlacement {
  /** Index of the digit in the source `ImageSet`. */
  index: number;
  /** Its class in the source set (the pixel label is this + 1). */
  label: number;
  top: number;
  left: number;
}

/** Options of `digitCanvases`. */
export interface DigitCanvasOptions {
  /** Number of canvases. */
  count: number;
  /** Canvas side in pixels (square). Default 56. */
  size?: number;
  /** Digits per canvas, drawn uniformly from minDigits..maxDigits. Defaults 2 and 4. */
  minDigits?: number;
  maxDigits?: number;
  /** Ink above this makes a pixel its digit's; below, the pixel stays as it was. Default 0.3. */
  inkThreshold?: number;
  /** Seed of the canvas generator. Default 0. */
  seed?: number;
}

/** Tries at finding a spot where a digit's ink box misses every earlier box; then it may overlap. */
const PLACEMENT_TRIES = 20;

function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new AtrousError('bad_argument', `digitCanvases: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

/** The bounding box [top, left, bottom, right) of a digit's pixels above the threshold (empty: zeros). */
function inkBox(img: Float32Array, h: number, w: number, thr: number): [number, number, number, number] {
  let t = h;
  let l = w;
  let b = 0;
  let r = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (img[y * w + x] > thr) {
        t = Math.min(t, y);
        b = Math.max(b, y + 1);
        l = Math.min(l, x);
        r = Math.max(r, x + 1);
      }
    }
  }
  return t < b ? [t, l, b, r] : [0, 0, 0, 0];
}

/**
 * A per-pixel segmentation set made from labelled digits: each canvas (size×size, black) gets
 * 2–4 digits from `digits`, chosen and placed by a seeded generator, so the same options give the
 * same canvases everywhere. A pixel's value is the maximum ink of the digits over it; its label is
 * `class + 1` of the last digit drawn whose ink there exceeds `inkThreshold`, else 0 (background),
 * so `classes` = digits.classes + 1 (11 for 0–9). Each digit's position is redrawn (up to 20 times)
 * until its ink box misses the boxes already on the canvas; if none is found it may overlap and is
 * drawn on top. No PyTorch equivalent (a toy stand-in for Pascal VOC).
 * @example const set = digitCanvases(loadDigits().train, { count: 1000, seed: 1 }) // 1000 56x56 canvases
 */
export function digitCanvases(digits: ImageSet, opts: DigitCanvasOptions): SegmentationSet {
  if (typeof opts !== 'object' || opts === null) throw new AtrousError('bad_argument', 'digitCanvases: expected options { count, ... }');
  const count = checkInt('count', opts.count, 0);
  const size = checkInt('size', opts.size ?? 56, 1);
  const minD = checkInt('minDigits', opts.minDigits ?? 2, 1);
  const maxD = checkInt('maxDigits', opts.maxDigits ?? 4, minD);
  const seed = checkInt('seed', opts.seed ?? 0, 0);
  const thr = opts.inkThreshold ?? 0.3;
  if (typeof thr !== 'number' || !(thr >= 0 && thr < 1)) throw new AtrousError('bad_argument', `digitCanvases: inkThreshold must be in [0, 1), got ${String(thr)}`);
  const { height: dh, width: dw } = digits;
  if (dh > size || dw > size) throw new AtrousError('bad_argument', `digitCanvases: digits are ${dh}x${dw}, larger than the ${size}x${size} canvas`);
  if (digits.count < 1 && count > 0) throw new AtrousError('bad_argument', 'digitCanvases: the digit set is empty');
  if (digits.images.length !== digits.count * dh * dw || digits.labels.length !== digits.count) {
    throw new AtrousError('bad_argument', `digitCanvases: the digit set's arrays do not hold ${digits.count} images of ${dh}x${dw}`);
  }
  const rng = new Rng(seed);
  const plane = size * size;
  const images = new Float32Array(count * plane);
  const labels = new Int32Array(count * plane);
  const placements: DigitPlacement[][] = [];
  for (let n = 0; n < count; n++) {
    const k = rng.int(minD, maxD);
    const boxes: [number, number, number, number][] = [];
    const placed: DigitPlacement[] = [];
    for (let j = 0; j < k; j++) {
      const index = Math.floor(rng.next() * digits.count);
      const src = digits.images.subarray(index * dh * dw, (index + 1) * dh * dw);
      const [bt, bl, bb, br] = inkBox(src, dh, dw, thr);
      let top = 0;
      let left = 0;
      for (let tries = 0; tries < PLACEMENT_TRIES; tries++) {
        top = rng.int(0, size - dh);
        left = rng.int(0, size - dw);
        const box: [number, number, number, number] = [top + bt, left + bl, top + bb, left + br];
        if (!boxes.some((o) => box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3])) break;
      }
      boxes.push([top + bt, left + bl, top + bb, left + br]);
      const label = digits.labels[index];
      placed.push({ index, label, top, left });
      const img = images.subarray(n * plane, (n + 1) * plane);
      const lab = labels.subarray(n * plane, (n + 1) * plane);
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          const v = src[y * dw + x];
          const p = (top + y) * size + left + x;
          if (v > img[p]) img[p] = v;
          if (v > thr) lab[p] = label + 1;
        }
      }
    }
    placements.push(placed);
  }
  return { images, labels, count, height: size, width: size, classes: digits.classes + 1, placements };
}

/** Options of `loadDigitCanvases`: the canvas options without count and seed, plus both counts. */
export interface LoadDigitCanvasOptions extends Omit<DigitCanvasOptions, 'count'> {
  /** Canvases made from the train digits. Default 2000. */
  train?: number;
  /** Canvases made from the test digits. Default 500. */
  test?: number;
}

/**
 * Train and test canvases from the shipped digits (`loadDigits`): train canvases only use train
 * digits and test canvases only test digits, so the test score is on unseen digits. The test set
 * is drawn with seed + 1 (a different stream from the train set's).
 * @example const { train, test } = loadDigitCanvases({ train: 4000, test: 500, seed: 0 })
 */
export function loadDigitCanvases(opts: LoadDigitCanvasOptions = {}): { train: SegmentationSet; test: SegmentationSet } {
  const digits = loadDigits();
  const seed = opts.seed ?? 0;
  return {
    train: digitCanvases(digits.train, { ...opts, count: opts.train ?? 2000, seed }),
    test: digitCanvases(digits.test, { ...opts, count: opts.test ?? 500, seed: seed + 1 }),
  };
}

/**
 * The canvases at `indices` as a `[B, 1, H, W]` float32 tensor and their pixel labels, flat
 * `[B·H·W]` in row-major order (what `crossEntropy(logits [B, C, H, W], y)` takes).
 * @example const { x, y } = segmentationBatch(set, [0, 1, 2, 3]); crossEntropy(net.forward(x), y)
 */
export function segmentationBatch(set: SegmentationSet, indices: ArrayLike<number>): { x: Tensor; y: Int32Array } {
  const plane = set.height * set.width;
  if (set.images.length !== set.count * plane || set.labels.length !== set.count * plane) {
    throw new AtrousError('bad_argument', `segmentationBatch: the set's arrays do not hold ${set.count} images of ${fmtShape([set.height, set.width])}`);
  }
  const x = new Float32Array(indices.length * plane);
  const y = new Int32Array(indices.length * plane);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= set.count) throw new AtrousError('bad_argument', `segmentationBatch: index ${i} is outside 0..${set.count - 1}`);
    x.set(set.images.subarray(i * plane, (i + 1) * plane), b * plane);
    y.set(set.labels.subarray(i * plane, (i + 1) * plane), b * plane);
  }
  return { x: new Tensor(x, [indices.length, 1, set.height, set.width]), y };
}
