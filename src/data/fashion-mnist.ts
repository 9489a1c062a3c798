import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AtrousError } from '../errors.js';
import { type IdxArray, readIdx } from './idx.js';
import type { ImageSet } from './image-set.js';

/** Where Debian's `dataset-fashion-mnist` package installs the four IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** The file `base` in `dir`, gzipped (as Debian ships it) or not; null when neither exists. */
function findFile(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function loadSplit(dir: string, prefix: 'train' | 't10k'): ImageSet {
  const op = 'loadFashionMnist';
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (imagesPath === null || labelsPath === null) {
    const missing = [imagesPath === null ? `${prefix}-images-idx3-ubyte[.gz]` : '', labelsPath === null ? `${prefix}-labels-idx1-ubyte[.gz]` : ''].filter(Boolean).join(' and ');
    throw new AtrousError('bad_file', `${op}: ${missing} not found in ${dir}. Fashion-MNIST comes from Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist puts it in ${FASHION_MNIST_DIR}), or pass the folder holding the four IDX files`);
  }
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  const expect = (a: IdxArray, path: string, rank: number) => {
    if (a.type !== 'ubyte' || a.shape.length !== rank) {
      throw new AtrousError('bad_file', `${op}: ${path} holds ${a.type} [${a.shape.join(',')}]; expected ubyte of rank ${rank}`);
    }
  };
  expect(images, imagesPath, 3);
  expect(labels, labelsPath, 1);
  const [count, height, width] = images.shape;
  if (labels.shape[0] !== count) throw new AtrousError('bad_file', `${op}: ${imagesPath} has ${count} images but ${labelsPath} has ${labels.shape[0]} labels`);
  const px = images.data;
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) out[i] = px[i] / 255;
  const lab = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = labels.data[i];
    if (v > 9) throw new AtrousError('bad_file', `${op}: ${labelsPath} has label ${v} at ${i}; Fashion-MNIST's are 0..9`);
    lab[i] = v;
  }
  return { images: out, labels: lab, count, height, width, classes: 10 };
}

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017: 28x28 greyscale clothing images in 10 classes, see
 * `FASHION_MNIST_CLASSES`), read from the IDX files of Debian's `dataset-fashion-mnist` package
 * (`/usr/share/datasets/fashion-mnist` by default; `.gz` or plain). Train: 60,000 images, test:
 * 10,000; pixel values scaled to [0, 1]. The package is not a dependency: without it this throws
 * AtrousError 'bad_file' naming the package. PyTorch equivalent: `torchvision.datasets.FashionMNIST`.
 * @example const { train, test } = loadFashionMnist() // train.count 60000, test.count 10000
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): { train: ImageSet; test: ImageSet } {
  if (typeof dir !== 'string' || dir === '') throw new AtrousError('bad_argument', 'loadFashionMnist: dir must be a folder path');
  return { train: loadSplit(dir, 'train'), test: loadSplit(dir, 't10k') };
}
