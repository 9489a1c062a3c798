import { AtrousError } from '../errors.js';
import type { DilatedClassifier } from '../models/dilated-classifier.js';
import { sum } from '../ops/reduce.js';
import { slice } from '../ops/shape-ops.js';
import { Tensor } from '../tensor/tensor.js';
import { drawHeat, drawImage } from './heatmap.js';
import { Raster } from './raster.js';

/** |∂(sum of the centre position's features)/∂(input)| for each image, in eval mode. */
function centreGradients(model: DilatedClassifier, images: Float32Array, count: number, h: number, w: number): { grads: Float32Array; fh: number; fw: number } {
  const wasTraining = model.training;
  model.eval();
  const x = new Tensor(Float32Array.from(images.subarray(0, count * h * w)), [count, 1, h, w]).requiresGrad_();
  const f = model.features(x); // [count, C, h', w']
  const [, , fh, fw] = f.shape;
  const cy = Math.floor(fh / 2);
  const cx = Math.floor(fw / 2);
  sum(slice(slice(f, 2, cy, cy + 1), 3, cx, cx + 1)).backward();
  model.train(wasTraining);
  return { grads: Float32Array.from(x.grad!.data, Math.abs), fh, fw };
}

/**
 * How one position of the classifier's last feature map sees its input: a digit; the map of
 * |∂(sum of that position's features)/∂(input)| for that digit — the effective receptive field (Luo
 * et al. 2016); and the same averaged over `images` (up to 64), with the theoretical receptive field
 * drawn as a box (clipped at the image edge). Heat maps are square-root scaled. `images` holds
 * row-major h×w images, the first one the digit shown.
 */
export function receptiveFieldPng(model: DilatedClassifier, images: Float32Array, h: number, w: number, caption: string): { png: Buffer; theoretical: number; effectivePixels: number } {
  const count = Math.min(64, Math.floor(images.length / (h * w)));
  if (count < 1 || images.length % (h * w) !== 0) throw new AtrousError('bad_argument', `receptiveFieldPng: ${images.length} values are not whole ${h}x${w} images`);
  const { grads, fh, fw } = centreGradients(model, images, count, h, w);
  const plane = h * w;
  const mean = new Float32Array(plane);
  for (let n = 0; n < count; n++) for (let i = 0; i < plane; i++) mean[i] += grads[n * plane + i] / count;
  let gmax = 0;
  for (const v of mean) gmax = Math.max(gmax, v);
  const effectivePixels = mean.filter((v) => v > 0.01 * gmax).length;
  const scale = 10;
  const gap = 30;
  const top = 46;
  const panel = w * scale + gap;
  const r = new Raster(3 * panel + gap, h * scale + top + 60);
  r.text(r.width / 2, 8, caption, [40, 40, 40], 2, 'center');
  drawImage(r, gap, top, images, h, w, scale);
  drawHeat(r, gap + panel, top, grads.subarray(0, plane), h, w, scale);
  drawHeat(r, gap + 2 * panel, top, mean, h, w, scale);
  // The theoretical field, centred on the input position the feature sits over.
  const rf = model.receptiveField;
  const stride = h / fh;
  const centreIn = { y: Math.floor(fh / 2) * stride + (stride - 1) / 2, x: Math.floor(fw / 2) * stride + (stride - 1) / 2 };
  const ox = gap + 2 * panel;
  const bx0 = Math.max(0, centreIn.x - (rf - 1) / 2);
  const by0 = Math.max(0, centreIn.y - (rf - 1) / 2);
  const bx1 = Math.min(w, centreIn.x + (rf + 1) / 2);
  const by1 = Math.min(h, centreIn.y + (rf + 1) / 2);
  r.rect(ox + bx0 * scale, top + by0 * scale, (bx1 - bx0) * scale - 1, (by1 - by0) * scale - 1, [214, 39, 40], 2);
  const ink: [number, number, number] = [40, 40, 40];
  const below = top + h * scale + 10;
  r.text(gap + (w * scale) / 2, below, 'INPUT DIGIT', ink, 1, 'center');
  r.text(gap + panel + (w * scale) / 2, below, '|GRADIENT| OF THE CENTRE FEATURE', ink, 1, 'center');
  r.text(gap + panel + (w * scale) / 2, below + 14, 'FOR THIS DIGIT', ink, 1, 'center');
  r.text(ox + (w * scale) / 2, below, `MEAN OVER ${count} TEST DIGITS`, ink, 1, 'center');
  r.text(ox + (w * scale) / 2, below + 14, `RED: THEORETICAL FIELD ${rf}x${rf} (CLIPPED)`, [214, 39, 40], 1, 'center');
  r.text(ox + (w * scale) / 2, below + 28, `${effectivePixels} PIXELS ABOVE 1% OF THE MAX`, ink, 1, 'center');
  return { png: r.toPng(), theoretical: rf, effectivePixels };
}
