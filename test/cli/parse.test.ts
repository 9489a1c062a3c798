import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError } from '../../src/index.js';
import { grid, shortList } from '../../src/cli/format.js';
import { formatPadding, parseInteger, parseList, parsePadding, parseSizes } from '../../src/cli/parse.js';

const badArgument = (flag: string, value: string) => (err: unknown) =>
  err instanceof AtrousError && err.code === 'bad_argument' && err.message.includes(flag) && err.message.includes(value);

describe('cli parse', () => {
  it('reads sizes written as 3x3, 3×3, 3,3 or 3', () => {
    assert.deepEqual(parseSizes('3x3', '--kernel'), [3, 3]);
    assert.deepEqual(parseSizes('3×5', '--kernel'), [3, 5]);
    assert.deepEqual(parseSizes('3,3,3', '--kernel'), [3, 3, 3]);
    assert.deepEqual(parseSizes('5', '--kernel'), [5]);
  });

  it('rejects malformed sizes with bad_argument naming the flag and the value', () => {
    for (const v of ['3y3', '3x', '', 'x3', '1.5', '3 3', 'abc']) {
      assert.throws(() => parseSizes(v, '--kernel'), badArgument('--kernel', `'${v}'`), v);
    }
    assert.throws(() => parseSizes('99999999999999999999', '--input'), badArgument('--input', 'too large'));
  });

  it('leaves value checks to the library: 0 and negatives parse', () => {
    assert.deepEqual(parseSizes('0', '--dilation'), [0]);
    assert.equal(parseInteger('-1', '--groups'), -1);
  });

  it('reads per-layer lists', () => {
    assert.deepEqual(parseList('1,2,4,8', '--dilations'), [1, 2, 4, 8]);
    assert.deepEqual(parseList('1, 2', '--dilations'), [1, 2]);
    assert.throws(() => parseList('1,,2', '--dilations'), badArgument('--dilations', "'1,,2'"));
    assert.throws(() => parseList('1x2', '--dilations'), badArgument('--dilations', "'1x2'"));
  });

  it('reads every padding form and prints it back the same way', () => {
    assert.equal(parsePadding('same'), 'same');
    assert.equal(parsePadding('VALID'), 'valid');
    assert.equal(parsePadding('causal'), 'causal');
    assert.equal(parsePadding('2'), 2);
    assert.deepEqual(parsePadding('1,2'), [1, 2]);
    assert.deepEqual(parsePadding('1:2,0:3'), [[1, 2], [0, 3]]);
    assert.deepEqual(parsePadding('1,0:3'), [[1, 1], [0, 3]]);
    for (const v of ['same', '2', '1,2', '1:2,0:3']) assert.equal(formatPadding(parsePadding(v)), v);
    for (const v of ['full', '1:2:3', '1:', 'x']) assert.throws(() => parsePadding(v), badArgument('--padding', v), v);
  });
});

describe('cli format', () => {
  it('abbreviates long lists, arithmetic runs as a, b, c, …, z', () => {
    assert.equal(shortList([1, 2, 3]), '1, 2, 3');
    assert.equal(shortList(Array.from({ length: 14 }, (_, i) => 2 * i + 1)), '1, 3, 5, …, 27');
    const irregular = Array.from({ length: 20 }, (_, i) => i * i);
    assert.equal(shortList(irregular), '0, 1, 4, 9, 16, 25, 36, 49, 64, 81, …, 324, 361 (20 in all)');
  });

  it('right-aligns grid cells and marks a cut grid', () => {
    assert.deepEqual(grid([['1', '10'], ['100', '2']]), ['  1  10', '100   2']);
    const big = Array.from({ length: 3 }, () => ['1', '2', '3']);
    assert.deepEqual(grid(big, { maxRows: 2, maxCols: 2 }), ['1 2 …', '1 2 …', '⋮ ⋮']);
  });
});
