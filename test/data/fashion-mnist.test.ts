import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AtrousError, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../../src/index.js';

function idx(type: number, shape: number[], payload: number[]): Uint8Array {
  const head = [0, 0, type, shape.length];
  for (const n of shape) head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  return Uint8Array.from([...head, ...payload]);
}

function withDir(files: Record<string, Uint8Array>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'atrous-fmnist-'));
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A 2x2 "Fashion-MNIST": 3 train images, 2 test images; train files gzipped, test files plain.
const small = {
  'train-images-idx3-ubyte.gz': gzipSync(idx(0x08, [3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8])),
  'train-labels-idx1-ubyte.gz': gzipSync(idx(0x08, [3], [9, 0, 4])),
  't10k-images-idx3-ubyte': idx(0x08, [2, 2, 2], [10, 20, 30, 40, 50, 60, 70, 80]),
  't10k-labels-idx1-ubyte': idx(0x08, [2], [1, 2]),
};

describe('loadFashionMnist', () => {
  it('reads the four IDX files (gzipped or plain) into ImageSets with pixels in [0, 1]', () => {
    withDir(small, (dir) => {
      const { train, test } = loadFashionMnist(dir);
      assert.equal(train.count, 3);
      assert.equal(train.height, 2);
      assert.equal(train.classes, 10);
      assert.deepEqual([...train.images.subarray(0, 4)], [0, 1, 0.2, 0.4].map(Math.fround));
      assert.deepEqual([...train.labels], [9, 0, 4]);
      assert.equal(test.count, 2);
      assert.deepEqual([...test.labels], [1, 2]);
    });
    assert.equal(FASHION_MNIST_CLASSES[9], 'Ankle boot');
  });

  it('names the Debian package when the files are absent', () => {
    withDir({}, (dir) => {
      assert.throws(() => loadFashionMnist(dir), (e: unknown) => e instanceof AtrousError && e.code === 'bad_file'
        && /train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\] not found/.test(e.message) && /dataset-fashion-mnist/.test(e.message));
    });
  });

  it('refuses mismatched counts, labels past 9 and the wrong ranks', () => {
    const cases: [Record<string, Uint8Array>, RegExp][] = [
      [{ ...small, 't10k-labels-idx1-ubyte': idx(0x08, [3], [1, 2, 3]) }, /has 2 images but .* has 3 labels/],
      [{ ...small, 't10k-labels-idx1-ubyte': idx(0x08, [2], [1, 10]) }, /label 10 at 1/],
      [{ ...small, 't10k-images-idx3-ubyte': idx(0x08, [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, /ubyte \[2,4\]; expected ubyte of rank 3/],
    ];
    for (const [files, re] of cases) {
      withDir(files, (dir) => assert.throws(() => loadFashionMnist(dir), (e: unknown) => e instanceof AtrousError && e.code === 'bad_file' && re.test(e.message), re.source));
    }
  });

  // The real data, when Debian's dataset-fashion-mnist is installed (or ATROUS_FASHION_MNIST_DIR
  // points at its files, e.g. unpacked with `dpkg -x`).
  const real = process.env.ATROUS_FASHION_MNIST_DIR ?? FASHION_MNIST_DIR;
  it('loads the real 60,000 / 10,000 images when the package is installed', { skip: existsSync(real) ? false : `no Fashion-MNIST in ${real}` }, () => {
    const { train, test } = loadFashionMnist(real);
    assert.equal(train.count, 60000);
    assert.equal(test.count, 10000);
    assert.equal(train.height * train.width, 784);
    const perClass = new Array(10).fill(0);
    for (const l of train.labels) perClass[l]++;
    assert.deepEqual(perClass, new Array(10).fill(6000));
    assert.ok(test.images.every((v) => v >= 0 && v <= 1));
  });
});
