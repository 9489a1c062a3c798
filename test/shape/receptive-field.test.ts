import assert from 'node:assert/strict';
import { test } from 'node:test';
import { griddingCheck, receptiveField, receptiveFieldCoverage } from '../../src/shape/receptive-field.js';

test('receptive field, jump and start of a stack', () => {
  const rows = receptiveField([1, 2, 4, 8].map((d) => ({ kernel: 3, dilation: d })));
  assert.deepEqual(rows.map((r) => r.receptiveField), [3, 7, 15, 31]);
  assert.deepEqual(rows.map((r) => r.effectiveKernel), [3, 5, 9, 17]);
  assert.ok(rows.every((r) => r.jump === 1 && r.start === 0));
  // WaveNet: k=2, dilations 1..512 → 1024; three cycles → 3·1023 + 1.
  const wavenet = Array.from({ length: 10 }, (_, i) => ({ kernel: 2, dilation: 2 ** i }));
  assert.equal(receptiveField(wavenet).at(-1)!.receptiveField, 1024);
  assert.equal(receptiveField([...wavenet, ...wavenet, ...wavenet]).at(-1)!.receptiveField, 3070);
  // TCN adding-problem model: 8 levels of two k=8 convs at dilation 2^i.
  const tcn = Array.from({ length: 8 }, (_, i) => [{ kernel: 8, dilation: 2 ** i }, { kernel: 8, dilation: 2 ** i }]).flat();
  assert.equal(receptiveField(tcn).at(-1)!.receptiveField, 1 + 2 * 7 * 255);
});

test('strides multiply the jump; padding moves the start left', () => {
  const rows = receptiveField([
    { kernel: 7, stride: 2, padBefore: 3 },
    { kernel: 3, stride: 2, padBefore: 1 },
    { kernel: 3, dilation: 2, padBefore: 2 },
  ]);
  assert.deepEqual(rows.map((r) => [r.receptiveField, r.jump, r.start]), [[7, 2, -3], [11, 4, -5], [27, 4, -13]]);
});

test('coverage counts the paths to each input offset', () => {
  assert.deepEqual(receptiveFieldCoverage([{ kernel: 2, dilation: 1 }, { kernel: 2, dilation: 2 }]), [1, 1, 1, 1]);
  assert.deepEqual(receptiveFieldCoverage([{ kernel: 3 }, { kernel: 3 }]), [1, 2, 3, 2, 1]);
  assert.deepEqual(receptiveFieldCoverage([{ kernel: 3, dilation: 2 }]), [1, 0, 1, 0, 1]);
  // A stride-2 layer below a dense one leaves every other input unread.
  assert.deepEqual(receptiveFieldCoverage([{ kernel: 1, stride: 2 }, { kernel: 3 }]), [1, 0, 1, 0, 1]);
  const sum = receptiveFieldCoverage([1, 2, 4].map((d) => ({ kernel: 3, dilation: d }))).reduce((a, b) => a + b);
  assert.equal(sum, 27, 'k^L paths in all');
});

test('gridding: K=3 with [1,2,5] covers, [2,4,8] grids (Wang et al. 2018)', () => {
  const good = griddingCheck(3, [1, 2, 5]);
  assert.equal(good.grids, false);
  assert.equal(good.receptiveField, 17);
  assert.deepEqual(good.hdc.maxDistances, [2, 5]);
  assert.equal(good.hdc.satisfied, true);

  const bad = griddingCheck(3, [2, 4, 8]);
  assert.equal(bad.grids, true);
  assert.equal(bad.receptiveField, 29);
  assert.deepEqual(bad.holes, Array.from({ length: 14 }, (_, i) => 2 * i + 1)); // every odd offset
  assert.equal(bad.hdc.commonFactor, 2);
  assert.equal(bad.hdc.satisfied, false);
  assert.match(bad.hdc.explanation, /factor 2/);

  assert.equal(griddingCheck(3, [1, 2, 4, 8]).grids, false);
  const sawtooth = griddingCheck(3, [1, 2, 9]); // M_2 = max(9−4, 9−14, 2) = 5 > 3
  assert.equal(sawtooth.hdc.satisfied, false);
  assert.equal(sawtooth.grids, true);
  const wavenet = griddingCheck(2, [1, 2, 4, 8]); // WaveNet's schedule tiles exactly
  assert.equal(wavenet.grids, false);
  assert.equal(wavenet.hdc.satisfied, null, 'HDC is stated for odd kernels');
  assert.match(wavenet.hdc.explanation, /^The exact coverage reads every input\. HDC .* does not apply: it is stated for odd kernels/);
  const lucky = griddingCheck(3, [1, 1, 4, 1]); // fails HDC, covers anyway
  assert.equal(lucky.grids, false);
  assert.equal(lucky.hdc.satisfied, false);
  assert.match(lucky.hdc.explanation, /happen to be filled/);
});

test('coverage refuses receptive fields too large to list', () => {
  assert.throws(() => receptiveFieldCoverage([{ kernel: 3, dilation: 1e9 }]), /spans 2000000001 inputs; exact coverage is limited to 10000000/);
});

test('bad layers get clear errors', () => {
  assert.throws(() => receptiveField([]), /at least one layer/);
  assert.throws(() => receptiveField([{ kernel: 0 }]), /layer 1 kernel must be positive/);
  assert.throws(() => receptiveField([{ kernel: 3, dilation: 1.5 }]), /layer 1 dilation must be a finite integer/);
});
