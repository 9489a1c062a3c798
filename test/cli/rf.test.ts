import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rfReport, rfText } from '../../src/cli/rf.js';
import { cli, isUserError } from './run-cli.js';

/** Offsets one output reads, by brute force over every choice of taps: Σ t_l·d_l·J_l. */
function readOffsets(kernel: number, dilations: number[], strides: number[]): Set<number> {
  let offsets = [0];
  let jump = 1;
  dilations.forEach((d, l) => {
    offsets = offsets.flatMap((o) => Array.from({ length: kernel }, (_, t) => o + t * d * jump));
    jump *= strides[l];
  });
  return new Set(offsets);
}

describe('atrous rf', () => {
  it('K=3 with dilations 1,2,5 covers its whole receptive field (HDC)', () => {
    const r = rfReport({ kernel: [3], dilations: [1, 2, 5] });
    assert.equal(r.receptiveField, 17);
    assert.deepEqual(r.holes, []);
    assert.equal(r.gridding?.grids, false);
    const text = rfText({ kernel: [3], dilations: [1, 2, 5] });
    assert.match(text, /Gridding: none/);
    assert.match(text, /^\s+0  #{17}$/m);
  });

  it('K=3 with dilations 2,4,8 grids: every odd offset is a hole', () => {
    const r = rfReport({ kernel: [3], dilations: [2, 4, 8] });
    assert.equal(r.receptiveField, 29);
    assert.deepEqual(r.holes, Array.from({ length: 14 }, (_, i) => 2 * i + 1));
    const text = rfText({ kernel: [3], dilations: [2, 4, 8] });
    assert.match(text, /Gridding: yes\. 14 of the 29 inputs/);
    assert.match(text, /at offsets 1, 3, 5, …, 27/);
    assert.match(text, /share the factor 2/);
    assert.match(text, /^\s+0  (#\.){14}#$/m);
    assert.match(text, /In 2D, a 3x3 kernel/);
  });

  it('the layer table follows receptiveField: rf, jump and start per layer', () => {
    const r = rfReport({ kernel: [3], dilations: [1, 2, 4, 8], strides: [1, 1, 2, 1], padBefore: [1, 2, 4, 8] });
    assert.deepEqual(r.layers.map((l) => [l.effectiveKernel, l.receptiveField, l.jump, l.start]), [
      [3, 3, 1, -1], [5, 7, 1, -3], [9, 15, 2, -7], [17, 47, 2, -23],
    ]);
  });

  it('strided stacks: holes from the exact coverage, checked by brute force; HDC left out', () => {
    const r = rfReport({ kernel: [3], dilations: [1, 2, 4, 8], strides: [1, 1, 2, 1] });
    const read = readOffsets(3, [1, 2, 4, 8], [1, 1, 2, 1]);
    assert.deepEqual(r.holes, Array.from({ length: r.receptiveField }, (_, i) => i).filter((i) => !read.has(i)));
    assert.equal(r.gridding, null);
    assert.match(rfText({ kernel: [3], dilations: [1, 2, 4, 8], strides: [1, 1, 2, 1] }), /HDC assumes stride 1/);
  });

  it('--cycles repeats the schedule; the 2D map is left out past 41', () => {
    const r = rfReport({ kernel: [3], dilations: [1, 2, 4], cycles: 3 });
    assert.equal(r.layers.length, 9);
    assert.equal(r.receptiveField, 1 + 3 * 2 * (1 + 2 + 4));
    assert.deepEqual(r.holes, []);
    assert.doesNotMatch(rfText({ kernel: [3], dilations: [1, 2, 4], cycles: 3 }), /In 2D/);
  });

  it('wraps long 1D maps and elides the middle', () => {
    const text = rfText({ kernel: [2], dilations: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], cycles: 3 });
    assert.match(text, /: 3070 inputs/);
    assert.match(text, /^\s+64  #{64}$/m);
    assert.match(text, /more rows\)/);
  });

  it('rejects per-layer lists of the wrong length', () => {
    assert.throws(() => rfReport({ kernel: [3], dilations: [1, 2], strides: [1, 1, 1] }), { code: 'wrong_length' });
    assert.throws(() => rfReport({ kernel: [3], dilations: [1, 0] }), { code: 'non_positive' });
    assert.throws(() => rfReport({ kernel: [3], dilations: [1], cycles: 0 }), { code: 'bad_argument' });
  });
});

describe('atrous rf (binary)', () => {
  it('prints the table and verdict', () => {
    const r = cli('rf', '--kernel', '3', '--dilations', '2,4,8');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, rfText({ kernel: [3], dilations: [2, 4, 8] }));
  });

  it('--json parses', () => {
    const r = cli('rf', '--kernel', '3', '--dilations', '1,2,5', '--json');
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.receptiveField, 17);
    assert.deepEqual(o.holes, []);
  });
});

describe('atrous rf --model', () => {
  it('describes a model family: parameters and the receptive field of its conv path', () => {
    const r = cli('rf', '--model', 'tcn');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Model tcn: TCN/);
    assert.match(r.stdout, /70369 parameters; 16 convs/);
    // 1 + 2·(8−1)·(1+2+...+128) = 1 + 14·255
    assert.match(r.stdout, /Receptive field of 16 layers \(kernel 8, dilations 1,1,2,2,.*128,128\): 3571 inputs/);
    const c = cli('rf', '--model', 'context');
    assert.match(c.stdout, /dilations 1,1,2,4,8,16,1\): 67 inputs/);
    const d = cli('rf', '--model', 'digits', '--json');
    assert.equal(JSON.parse(d.stdout).receptiveField, 37);
  });

  it('refuses an unknown family, and --model together with --dilations', () => {
    assert.ok(isUserError(cli('rf', '--model', 'resnet'), 'bad_argument'));
    assert.ok(isUserError(cli('rf', '--model', 'tcn', '--dilations', '1,2'), 'bad_argument'));
    assert.ok(isUserError(cli('rf', '--kernel', '3'), 'bad_argument'));
  });
});
