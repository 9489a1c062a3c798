/** imageBatch: the batch tensor, the shift and mirror augmentations, and its argument checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, imageBatch, type ImageSet, Rng, shuffledIndices } from '../../src/index.js';

// Three 3x4 images whose pixels say where they came from: image i, row r, column c → i·100 + r·10 + c.
const H = 3;
const W = 4;
const set: ImageSet = {
  images: Float32Array.from({ length: 3 * H * W }, (_, k) => {
    const i = Math.floor(k / (H * W));
    const r = Math.floor((k % (H * W)) / W);
    return i * 100 + r * 10 + (k % W);
  }),
  labels: Int32Array.from([4, 7, 1]),
  count: 3,
  height: H,
  width: W,
  classes: 10,
};
const px = (i: number, r: number, c: number) => i * 100 + r * 10 + c;

describe('imageBatch', () => {
  it('copies the chosen images into [B, 1, H, W] with their labels', () => {
    const { x, y } = imageBatch(set, [2, 0]);
    assert.deepEqual(x.shape, [2, 1, H, W]);
    assert.deepEqual(Array.from(y), [1, 4]);
    assert.equal(x.data[0], px(2, 0, 0));
    assert.equal(x.data[H * W + 2 * W + 3], px(0, 2, 3));
  });

  it('mirrors about half the images left-right, exactly, when flip is on', () => {
    const idx = Array.from({ length: 400 }, (_, k) => k % 3);
    const { x } = imageBatch(set, idx, { flip: true, rng: new Rng(5) });
    let mirrored = 0;
    for (let b = 0; b < idx.length; b++) {
      const img = x.data.subarray(b * H * W, (b + 1) * H * W);
      const plain = img.every((v, k) => v === px(idx[b], Math.floor(k / W), k % W));
      const flipped = img.every((v, k) => v === px(idx[b], Math.floor(k / W), W - 1 - (k % W)));
      assert.ok(plain !== flipped, `image ${b} is neither itself nor its mirror image`);
      if (flipped) mirrored++;
    }
    assert.ok(mirrored > 160 && mirrored < 240, `${mirrored} of 400 mirrored`);
  });

  it('shifts by whole pixels within ±shift, filling with zeros, and one seed gives one batch', () => {
    const opts = () => ({ shift: 1, flip: true, rng: new Rng(9) });
    const a = imageBatch(set, [0, 1, 2, 0, 1, 2], opts()).x.data;
    assert.deepEqual(a, imageBatch(set, [0, 1, 2, 0, 1, 2], opts()).x.data);
    // Image 1's pixels are 100..123, never 0: every pixel of a shifted copy is either zero fill or a
    // pixel of image 1 moved by at most one row and one column.
    const b = imageBatch(set, Array(50).fill(1), { shift: 1, rng: new Rng(2) }).x.data;
    for (let k = 0; k < b.length; k++) {
      const v = b[k];
      if (v === 0) continue;
      const r = Math.floor((k % (H * W)) / W);
      const c = k % W;
      const sr = Math.floor((v - 100) / 10);
      const sc = (v - 100) % 10;
      assert.ok(Math.abs(sr - r) <= 1 && Math.abs(sc - c) <= 1, `pixel from (${sr}, ${sc}) landed at (${r}, ${c})`);
    }
  });

  it('refuses a bad index, a negative shift, and augmentation without an rng', () => {
    assert.throws(() => imageBatch(set, [3]), (e: unknown) => e instanceof AtrousError && /index 3 is outside 0\.\.2/.test(e.message));
    assert.throws(() => imageBatch(set, [0], { shift: -1, rng: new Rng(1) }), /shift must be a non-negative integer/);
    assert.throws(() => imageBatch(set, [0], { flip: true }), /flip must be true \(with an rng\)/);
  });

  it('shuffledIndices is a permutation fixed by the seed', () => {
    const a = shuffledIndices(100, new Rng(3));
    assert.deepEqual(Array.from(a).sort((p, q) => p - q), Array.from({ length: 100 }, (_, k) => k));
    assert.deepEqual(a, shuffledIndices(100, new Rng(3)));
    assert.notDeepEqual(a, shuffledIndices(100, new Rng(4)));
  });
});
