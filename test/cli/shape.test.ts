import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shapeReport, shapeText } from '../../src/cli/shape.js';
import { cli, isUserError } from './run-cli.js';

describe('atrous shape', () => {
  it("'same' at dilation 4 keeps 64 and pads 4 on each side", () => {
    const r = shapeReport({ input: [64, 64], kernel: [3], dilation: [4], padding: 'same' });
    assert.deepEqual(r.output, [64, 64]);
    assert.deepEqual(r.padding, [[4, 4], [4, 4]]);
    assert.deepEqual(r.effectiveKernel, [9, 9]);
    assert.equal(r.formulas[0], 'H: floor((64 + 4 + 4 − 4·(3−1) − 1) / 1) + 1 = floor(63 / 1) + 1 = 64');
    assert.match(shapeText({ input: [64, 64], kernel: [3], dilation: [4], padding: 'same' }), /H \[4,4\]  W \[4,4\]/);
  });

  it("'same' with stride 2 gives ceil(in / s), the odd extra at the end", () => {
    const r = shapeReport({ input: [8], kernel: [3], stride: [2], dilation: [2], padding: 'same' });
    assert.deepEqual(r.output, [4]); // total pad (4−1)·2 + 5 − 8 = 3
    assert.deepEqual(r.padding, [[1, 2]]);
  });

  it('per-axis dilation and before:after padding', () => {
    const r = shapeReport({ input: [64, 64], kernel: [3, 3], stride: [2], dilation: [4, 1], padding: [[1, 2], [0, 3]] });
    assert.deepEqual(r.output, [30, 33]);
    assert.deepEqual(r.formulas, [
      'H: floor((64 + 1 + 2 − 4·(3−1) − 1) / 2) + 1 = floor(58 / 2) + 1 = 30',
      'W: floor((64 + 0 + 3 − 1·(3−1) − 1) / 2) + 1 = floor(64 / 2) + 1 = 33',
    ]);
  });

  it('causal 1D pads the whole reach at the start', () => {
    const r = shapeReport({ input: [16000], kernel: [2], dilation: [512], padding: 'causal' });
    assert.equal(r.op, 'conv1d');
    assert.deepEqual(r.output, [16000]);
    assert.deepEqual(r.padding, [[512, 0]]);
  });

  it('transposed: (in−1)·s − pb − pa + d·(k−1) + op + 1', () => {
    const r = shapeReport({ input: [32, 32], kernel: [3], stride: [2], padding: 1, transposed: true, outputPadding: [1] });
    assert.equal(r.op, 'convTranspose2d');
    assert.deepEqual(r.output, [64, 64]);
    assert.equal(r.formulas[0], 'H: (32−1)·2 − 1 − 1 + 1·(3−1) + 1 + 1 = 64');
    const d = shapeReport({ input: [10], kernel: [3], dilation: [3], transposed: true });
    assert.deepEqual(d.output, [16]); // 9 + 6 + 1
  });

  it('groups reach the planner as channels', () => {
    const r = shapeReport({ input: [8, 8], kernel: [3], groups: 4 });
    assert.deepEqual(r.xShape, [1, 4, 8, 8]);
    assert.deepEqual(r.outShape, [1, 4, 6, 6]);
  });

  it('errors come from the library, with their codes', () => {
    assert.throws(() => shapeReport({ input: [2, 2], kernel: [2, 2], dilation: [2], stride: [2] }), { code: 'kernel_too_large' });
    assert.throws(() => shapeReport({ input: [8, 8], kernel: [3], padding: 'causal' }), { code: 'bad_argument' });
    assert.throws(() => shapeReport({ input: [8, 8], kernel: [3], transposed: true, stride: [2], outputPadding: [2] }), {
      code: 'output_padding_too_large',
    });
    assert.throws(() => shapeReport({ input: [8, 8], kernel: [3], outputPadding: [1] }), { code: 'bad_argument' });
    assert.throws(() => shapeReport({ input: [8, 8, 8, 8], kernel: [3] }), { code: 'bad_argument' });
  });
});

describe('atrous shape (binary)', () => {
  it('--json prints one parseable object', () => {
    const r = cli('shape', '--input', '32x32', '--kernel', '3', '--stride', '2', '--padding', '1', '--transposed', '--output-padding', '1', '--json');
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.deepEqual(o.output, [64, 64]);
    assert.deepEqual(o.padding, [[1, 1], [1, 1]]);
    assert.equal(o.transposed, true);
    assert.equal(o.formulas[0], 'H: (32−1)·2 − 1 − 1 + 1·(3−1) + 1 + 1 = 64');
  });

  it("the seed's geometry: kernel_too_large, exit 2, the library's message on stderr", () => {
    const r = cli('shape', '--input', '2x2', '--kernel', '2x2', '--dilation', '2', '--stride', '2');
    assert.ok(isUserError(r, 'kernel_too_large'), r.stderr);
    assert.ok(r.stderr.includes('conv2d: dilated kernel 3x3 (kernel 2x2, dilation 2) is larger than the padded input 2x2'));
    assert.match(r.stderr, /atrous explain --input 2x2 --kernel 2x2 --dilation 2 --stride 2/);
  });

  it('bad arguments exit 2 with a clear message and no stack trace', () => {
    const kernel = cli('shape', '--input', '64x64', '--kernel', '3y3');
    assert.ok(isUserError(kernel, 'bad_argument'), kernel.stderr);
    assert.match(kernel.stderr, /--kernel: '3y3'/);
    const dilation = cli('shape', '--input', '64x64', '--kernel', '3', '--dilation', '0');
    assert.ok(isUserError(dilation, 'non_positive'), dilation.stderr);
    assert.match(dilation.stderr, /dilation must be positive, got 0/);
  });
});
