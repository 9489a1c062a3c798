import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, digitCanvases, type ImageSet, loadDigitCanvases, loadDigits, segmentationBatch, type SegmentationSet } from '../../src/index.js';

/** Re-renders every canvas from its placements (max ink; label of the last digit above the threshold). */
function rerender(set: SegmentationSet, digits: ImageSet, thr: number): { images: Float32Array; labels: Int32Array } {
  const S = set.height;
  const images = new Float32Array(set.images.length);
  const labels = new Int32Array(set.labels.length);
  set.placements.forEach((ps, n) => {
    for (const p of ps) {
      for (let y = 0; y < digits.height; y++) {
        for (let x = 0; x < digits.width; x++) {
          const v = digits.images[p.index * digits.height * digits.width + y * digits.width + x];
          const q = n * S * S + (p.top + y) * S + p.left + x;
          images[q] = Math.max(images[q], v);
          if (v > thr) labels[q] = p.label + 1;
        }
      }
    }
  });
  return { images, labels };
}

describe('digit canvases', () => {
  const digits = loadDigits();

  it('are deterministic for a seed and differ for another', () => {
    const a = digitCanvases(digits.train, { count: 6, seed: 3 });
    const b = digitCanvases(digits.train, { count: 6, seed: 3 });
    const c = digitCanvases(digits.train, { count: 6, seed: 4 });
    assert.deepEqual(a.images, b.images);
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.placements, b.placements);
    assert.notDeepEqual(a.labels, c.labels);
  });

  it('label each pixel with its digit class + 1 where the ink exceeds 0.3, background 0 (fixed seed, 56x56, 11 classes)', () => {
    const set = digitCanvases(digits.train, { count: 20, seed: 5 });
    assert.equal(set.classes, 11);
    assert.equal(set.height, 56);
    assert.equal(set.images.length, 20 * 56 * 56);
    const { images, labels } = rerender(set, digits.train, 0.3);
    assert.deepEqual(set.images, images);
    assert.deepEqual(set.labels, labels);
    for (let i = 0; i < set.labels.length; i++) {
      assert.equal(set.labels[i] > 0, set.images[i] > 0.3, `pixel ${i}: label ${set.labels[i]}, ink ${set.images[i]}`);
    }
    for (const ps of set.placements) {
      assert.ok(ps.length >= 2 && ps.length <= 4);
      for (const p of ps) {
        assert.equal(p.label, digits.train.labels[p.index]);
        assert.ok(p.top >= 0 && p.top <= 28 && p.left >= 0 && p.left <= 28);
      }
    }
    // Spot check, independent of the re-render: canvas 0's first digit's brightest pixel is labelled
    // with its class unless a later digit covers it.
    const p0 = set.placements[0][0];
    const src = digits.train.images.subarray(p0.index * 784, (p0.index + 1) * 784);
    const k = src.indexOf(Math.max(...src));
    const q = (p0.top + Math.floor(k / 28)) * 56 + p0.left + (k % 28);
    assert.ok(set.labels[q] === p0.label + 1 || set.placements[0].length > 1);
    const classesSeen = new Set(set.labels.subarray(0, 56 * 56));
    for (const c of classesSeen) assert.ok(c === 0 || set.placements[0].some((p) => p.label + 1 === c));
  });

  it('draw later digits on top where they overlap (hand-built 3x3 digits on a 3x3 canvas)', () => {
    const tiny: ImageSet = {
      images: Float32Array.from([0.9, 0.9, 0, 0.9, 0.2, 0, 0, 0, 0, /* digit 1 */ 0, 0.5, 0.5, 0, 0.5, 0.5, 0.1, 0, 0]),
      labels: Int32Array.from([4, 7]),
      count: 2, height: 3, width: 3, classes: 10,
    };
    // A 3x3 canvas leaves one position; seek a seed that draws digit 0 then digit 1.
    let set: SegmentationSet | null = null;
    for (let seed = 0; seed < 200 && set === null; seed++) {
      const s = digitCanvases(tiny, { count: 1, size: 3, minDigits: 2, maxDigits: 2, seed });
      if (s.placements[0].map((p) => p.index).join() === '0,1') set = s;
    }
    assert.ok(set !== null);
    assert.deepEqual([...set.images].map((v) => Math.round(v * 10) / 10), [0.9, 0.9, 0.5, 0.9, 0.5, 0.5, 0.1, 0, 0]);
    assert.deepEqual([...set.labels], [5, 8, 8, 5, 8, 8, 0, 0, 0]);
  });

  it('loadDigitCanvases: train canvases use train digits, test canvases test digits', () => {
    const { train, test } = loadDigitCanvases({ train: 5, test: 4, size: 40, seed: 2 });
    assert.equal(train.count, 5);
    assert.equal(test.count, 4);
    assert.equal(test.height, 40);
    for (const ps of test.placements) for (const p of ps) assert.equal(p.label, digits.test.labels[p.index]);
    assert.deepEqual(rerender(test, digits.test, 0.3).labels, test.labels);
    assert.deepEqual(rerender(train, digits.train, 0.3).labels, train.labels);
  });

  it('segmentationBatch gives x [B, 1, H, W] and flat labels in the order asked', () => {
    const set = digitCanvases(digits.test, { count: 3, size: 32, seed: 1 });
    const { x, y } = segmentationBatch(set, [2, 0]);
    assert.deepEqual(x.shape, [2, 1, 32, 32]);
    assert.deepEqual(x.data.subarray(0, 1024), set.images.subarray(2048, 3072));
    assert.deepEqual(y.subarray(1024), set.labels.subarray(0, 1024));
    assert.throws(() => segmentationBatch(set, [3]), (e: unknown) => e instanceof AtrousError && e.code === 'bad_argument');
  });

  it('refuse bad options with AtrousError', () => {
    const bad = [{ count: -1 }, { count: 2, size: 20 }, { count: 2, minDigits: 3, maxDigits: 2 }, { count: 2, inkThreshold: 1 }, { count: 1.5 }];
    for (const o of bad) assert.throws(() => digitCanvases(digits.train, o), (e: unknown) => e instanceof AtrousError && e.code === 'bad_argument', JSON.stringify(o));
  });
});
