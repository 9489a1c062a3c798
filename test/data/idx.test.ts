import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AtrousError, decodeIdx, readIdx } from '../../src/index.js';

/** An IDX file by hand: magic 00 00 type rank, big-endian uint32 sizes, then the payload bytes. */
function idx(type: number, shape: number[], payload: number[]): Uint8Array {
  const head = [0, 0, type, shape.length];
  for (const n of shape) head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  return Uint8Array.from([...head, ...payload]);
}

const badFile = (re: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === 'bad_file' && re.test(e.message);

describe('IDX reader', () => {
  it('decodes ubyte [2, 3] (the MNIST image/label type)', () => {
    const a = decodeIdx(idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255]));
    assert.equal(a.type, 'ubyte');
    assert.deepEqual(a.shape, [2, 3]);
    assert.ok(a.data instanceof Uint8Array);
    assert.deepEqual([...a.data], [0, 1, 2, 253, 254, 255]);
  });

  it('reads sizes and multi-byte values big-endian (int32, int16, float32, sbyte)', () => {
    const big = decodeIdx(idx(0x08, [258], new Array(258).fill(7)));
    assert.deepEqual(big.shape, [258]); // 00 00 01 02
    assert.deepEqual([...decodeIdx(idx(0x0c, [2], [0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe])).data], [258, -2]);
    assert.deepEqual([...decodeIdx(idx(0x0b, [1], [0x80, 0x01])).data], [-32767]);
    assert.deepEqual([...decodeIdx(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).data], [1.5]);
    assert.deepEqual([...decodeIdx(idx(0x09, [2], [0x7f, 0x80])).data], [127, -128]);
    assert.deepEqual([...decodeIdx(idx(0x0e, [1], [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18])).data], [Math.PI]);
  });

  it('inflates gzip data (as the Debian package ships the files)', () => {
    const a = decodeIdx(gzipSync(idx(0x08, [1, 2, 2], [9, 8, 7, 6])));
    assert.deepEqual(a.shape, [1, 2, 2]);
    assert.deepEqual([...a.data], [9, 8, 7, 6]);
  });

  it('refuses a bad magic, an unknown type and rank 0', () => {
    assert.throws(() => decodeIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0])), badFile(/magic number.*0x01 0x00 0x08 0x01/));
    assert.throws(() => decodeIdx(Uint8Array.from([0x50, 0x4b, 3, 4])), badFile(/magic/));
    assert.throws(() => decodeIdx(idx(0x0a, [1], [0])), badFile(/unknown IDX type code 0x0a/));
    assert.throws(() => decodeIdx(Uint8Array.from([0, 0, 8, 0])), badFile(/rank 0/));
  });

  it('refuses truncated files (magic, header, payload), trailing bytes and broken gzip', () => {
    assert.throws(() => decodeIdx(Uint8Array.from([0, 0, 8])), badFile(/3 bytes, fewer than the 4-byte magic/));
    assert.throws(() => decodeIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0])), badFile(/truncated: its header needs 16 bytes/));
    assert.throws(() => decodeIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5])), badFile(/truncated: shape \[2,3\] of ubyte needs 18 bytes \(12 header \+ 6·1\), the data has 17/));
    assert.throws(() => decodeIdx(idx(0x0c, [1], [0, 0, 1])), badFile(/truncated.*int32/));
    assert.throws(() => decodeIdx(idx(0x08, [2], [1, 2, 3])), badFile(/trailing bytes/));
    const gz = gzipSync(idx(0x08, [4], [1, 2, 3, 4]));
    assert.throws(() => decodeIdx(gz.subarray(0, gz.length - 6)), badFile(/gzip-compressed but does not inflate/));
    assert.throws(() => decodeIdx(idx(0x08, [65536, 65536, 2], [])), badFile(/more than this reader accepts/));
    assert.throws(() => decodeIdx('abc' as never), (e: unknown) => e instanceof AtrousError && e.code === 'bad_argument');
  });

  it('readIdx reads a file and names the path in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atrous-idx-'));
    try {
      const p = join(dir, 'labels-idx1-ubyte.gz');
      writeFileSync(p, gzipSync(idx(0x08, [3], [4, 0, 9])));
      assert.deepEqual([...readIdx(p).data], [4, 0, 9]);
      writeFileSync(join(dir, 'bad'), idx(0x08, [3], [4]));
      assert.throws(() => readIdx(join(dir, 'bad')), badFile(new RegExp(`${join(dir, 'bad')} is truncated`)));
      assert.throws(() => readIdx(join(dir, 'none')), badFile(/no such file/));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
