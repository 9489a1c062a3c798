import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, AtrousError, conv2d } from '../../src/index.js';
import { explainText } from '../../src/cli/explain.js';
import { cli, isUserError } from './run-cli.js';

const SEED_MESSAGE = 'conv2d: dilated kernel 3x3 (kernel 2x2, dilation 2) is larger than the padded input 2x2';

/** The lines from the heading `n. ...` up to the next numbered heading. */
function section(text: string, n: number): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${n}. `));
  assert.ok(start >= 0, `section ${n} missing`);
  const end = lines.findIndex((l, i) => i > start && /^\d+\. /.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

/** Checks every written-out sum `out[i,j] = a·b + ... = total` adds up. */
function checkSums(text: string): number {
  const sums = text.replace(/\n\s+\+ /g, ' + ').match(/out\[\d+,\d+\] = [\d·+ ]+ = \d+/g) ?? [];
  for (const s of sums) {
    const [, terms, total] = /= ([\d·+ ]+) = (\d+)$/.exec(s) as RegExpExecArray;
    const sum = terms.split(' + ').reduce((acc, t) => acc + t.split('·').map(Number).reduce((a, b) => a * b), 0);
    assert.equal(sum, Number(total), s);
  }
  return sums.length;
}

describe('atrous explain (seed example)', () => {
  const text = explainText();

  it('draws the dilated kernel with zeros between the taps', () => {
    const s = section(text, 1).map((l) => l.trim());
    const rows = s.map((l) => l.split(/\s{3,}/).at(-1));
    const at = rows.indexOf('1 0 2');
    assert.ok(at > 0, s.join('\n'));
    assert.deepEqual(rows.slice(at, at + 3), ['1 0 2', '0 0 0', '3 0 4']);
  });

  it('substitutes the numbers into the output-size formula and finds no valid output', () => {
    const s = section(text, 2).join('\n');
    assert.match(s, /floor\(\(2 \+ 0 \+ 0 − 2·\(2−1\) − 1\) \/ 2\) \+ 1 = floor\(−1 \/ 2\) \+ 1 = 0/);
    assert.match(s, /invalid/);
    assert.match(s, /\(2 − 2 \+ 0\) \/ 2 \+ 1 = 1/, "the seed's formula without dilation");
    assert.match(s, /stride where the dilation belongs/);
  });

  it("prints the library's own error: the message conv2d throws and its code", () => {
    let thrown: unknown;
    try {
      conv2d(arange([1, 1, 2, 2], 1), arange([1, 1, 2, 2], 1), { dilation: 2, stride: 2, padding: 'valid' });
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof AtrousError);
    assert.equal(thrown.message, SEED_MESSAGE);
    const s = section(text, 3).join('\n');
    assert.ok(s.includes(thrown.message));
    assert.ok(s.includes('[kernel_too_large]'));
  });

  it('computes the valid 5x5 variant: [[92,112],[192,212]], with one grid per output', () => {
    const s4 = section(text, 4);
    assert.ok(s4.some((l) => / 92 112$/.test(l)), s4.join('\n'));
    assert.ok(s4.some((l) => /192 212$/.test(l)), s4.join('\n'));
    const s5 = section(text, 5);
    assert.match(s5[1], /out\[0,0\] = 92 +out\[0,1\] = 112 +out\[1,0\] = 192 +out\[1,1\] = 212$/);
    // out[1,1], the last grid on the row, reads input rows 2 and 4, columns 2 and 4.
    assert.deepEqual(s5.slice(2, 7).map((l) => l.slice(-9)), ['· · · · ·', '· · · · ·', '· · 1 · 2', '· · · · ·', '· · 3 · 4']);
    assert.ok(s5.includes('   out[0,0] = 1·1 + 2·3 + 3·11 + 4·13 = 92'));
    assert.equal(checkSums(text), 1);
  });

  it('stays readable: no tabs, no runaway lines', () => {
    assert.ok(!text.includes('\t'));
    for (const l of text.split('\n')) assert.ok(l.length <= 92, l);
  });
});

describe('atrous explain (other parameters)', () => {
  it('walks through a 7x7 input with a 3x3 kernel, dilation 2, and counts the outputs not drawn', () => {
    const text = explainText({ input: [7, 7], kernel: [3, 3], dilation: [2], stride: [1], padding: 'valid' });
    assert.match(text, /H, W: floor\(\(7 \+ 0 \+ 0 − 2·\(3−1\) − 1\) \/ 1\) \+ 1 = floor\(2 \/ 1\) \+ 1 = 3/);
    assert.match(text, /1029 1074 1119/);
    assert.match(text, /\(5 more outputs not drawn\)/);
    assert.equal(checkSums(text), 1);
  });

  it("writes out a sum that matches conv2d's value with 'same' padding, where border taps read 0", () => {
    const text = explainText({ input: [7, 7], kernel: [3, 3], dilation: [2], stride: [1], padding: 'same' });
    assert.match(text, /padding same → H \[2,2\], W \[2,2\]/);
    assert.match(text, /Taps that land in the padding read 0/);
    assert.equal(checkSums(text), 1);
  });

  it('explains a kernel that does not fit and says what would', () => {
    const text = explainText({ input: [3, 3], kernel: [3, 3], dilation: [2] });
    assert.match(text, /\[kernel_too_large\]/);
    assert.match(text, /at least 5x5/);
  });

  it('crops tap grids of large inputs to where the taps land', () => {
    const text = explainText({ input: [40, 40], kernel: [3], dilation: [4], stride: [2] });
    assert.match(text, /\(input rows 0–8, columns 0–\d+ of 40x40\)/);
    assert.equal(checkSums(text), 1);
  });

  it('passes parameter errors through: a dilation of 0 is the library non_positive error', () => {
    assert.throws(() => explainText({ dilation: [0] }), { name: 'AtrousError', code: 'non_positive' });
    assert.throws(() => explainText({ input: [5, 5, 5] }), { code: 'bad_argument' });
  });
});

describe('atrous explain (binary)', () => {
  it('prints the walk-through and exits 0', () => {
    const r = cli('explain');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, explainText());
    assert.ok(r.stdout.includes(SEED_MESSAGE));
  });

  it('refuses inputs too large to draw with exit 2', () => {
    const r = cli('explain', '--input', '100x100');
    assert.ok(isUserError(r, 'bad_argument'), r.stderr);
    assert.match(r.stderr, /atrous shape/);
  });
});
