import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, dilationSchedule, griddingCheck, receptiveField } from '../../src/index.js';

describe('dilationSchedule', () => {
  it('reaches the target receptive field with the fewest layers and no holes', () => {
    const s = dilationSchedule(3, 67);
    assert.deepEqual(s.dilations, [1, 3, 9, 20]);
    assert.equal(s.receptiveField, 67);
    assert.equal(s.gridding.grids, false);
    assert.equal(receptiveField(s.dilations.map((d) => ({ kernel: 3, dilation: d }))).at(-1)!.receptiveField, 67);
    // One layer fewer cannot reach 67 with kernel 3 at all without holes: the field at most triples.
    assert.ok(3 ** 3 < 67);
  });

  it('never grids, for every kernel 2..5 and target up to 300 (exact coverage)', () => {
    for (let k = 2; k <= 5; k++) {
      for (let t = k; t <= 300; t++) {
        const s = dilationSchedule(k, t);
        assert.ok(s.receptiveField >= t && s.receptiveField < t + k - 1, `k${k} t${t}: ${s.receptiveField}`);
        assert.equal(griddingCheck(k, s.dilations).grids, false, `k${k} t${t}: [${s.dilations}]`);
      }
    }
  });

  it('gives WaveNet-like doubling for kernel 2', () => {
    assert.deepEqual(dilationSchedule(2, 1024).dilations, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  });

  it('refuses bad arguments and schedules longer than maxLayers', () => {
    assert.throws(() => dilationSchedule(1, 10), AtrousError);
    assert.throws(() => dilationSchedule(3, 2), AtrousError);
    assert.throws(() => dilationSchedule(2, 1 << 20, { maxLayers: 10 }), /more than 10 layers/);
  });
});
