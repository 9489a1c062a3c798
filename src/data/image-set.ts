import { AtrousError } from '../errors.js';
import { type Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Labelled single-channel images, stored flat: image i is `images[i·h·w .. (i+1)·h·w)`, values in [0, 1]. */
export interface ImageSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  classes: number;
}

/** A shuffled order of 0..n−1 drawn from `rng` (Fisher–Yates), so a seed fixes the data order. */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** Options of `imageBatch`. */
export interface BatchOptions {
  /** Random translation by up to ±shift pixels per axis (zero fill), drawn from `rng`. Default 0. */
  shift?: number;
  /** Mirror each image left-right with probability 1/2 (drawn from `rng`). Default false. */
  flip?: boolean;
  rng?: Rng;
}

/**
 * The images at `indices` as a `[B, 1, H, W]` float32 tensor and their labels, optionally shifted by
 * a random whole-pixel offset each (the usual cheap augmentation for digits) and mirrored left-right
 * at random (for clothes, not digits). Per image the shift is drawn before the flip.
 */
export function imageBatch(set: ImageSet, indices: ArrayLike<number>, opts: BatchOptions = {}): { x: Tensor; y: Int32Array } {
  const { height: h, width: w } = set;
  const plane = h * w;
  const shift = opts.shift ?? 0;
  const flip = opts.flip ?? false;
  if (!Number.isInteger(shift) || shift < 0 || (shift > 0 && !opts.rng)) {
    throw new AtrousError('bad_argument', `imageBatch: shift must be a non-negative integer (with an rng), got ${shift}`);
  }
  if (typeof flip !== 'boolean' || (flip && !opts.rng)) throw new AtrousError('bad_argument', `imageBatch: flip must be true (with an rng) or false, got ${String(flip)}`);
  const x = new Float32Array(indices.length * plane);
  const y = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= set.count) throw new AtrousError('bad_argument', `imageBatch: index ${i} is outside 0..${set.count - 1}`);
    y[b] = set.labels[i];
    const src = set.images.subarray(i * plane, (i + 1) * plane);
    const dst = x.subarray(b * plane, (b + 1) * plane);
    const dy = shift === 0 ? 0 : opts.rng!.int(-shift, shift);
    const dx = shift === 0 ? 0 : opts.rng!.int(-shift, shift);
    const mirror = flip && opts.rng!.next() < 0.5;
    if (dy === 0 && dx === 0 && !mirror) {
      dst.set(src);
      continue;
    }
    for (let r = 0; r < h; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= h) continue;
      for (let c = 0; c < w; c++) {
        const sc = (mirror ? w - 1 - c : c) - dx;
        if (sc >= 0 && sc < w) dst[r * w + c] = src[sr * w + sc];
      }
    }
  }
  return { x: new Tensor(x, [indices.length, 1, h, w]), y };
}
