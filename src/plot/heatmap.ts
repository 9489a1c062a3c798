import { AtrousError } from '../errors.js';
import { Raster, ramp, type Rgb } from './raster.js';

/**
 * A confusion matrix as a picture: cell (true class r, predicted class c) shaded by the share of
 * class r predicted as c, with the count written in it. Rows: true class; columns: predicted.
 */
export function confusionPng(confusion: readonly (readonly number[])[], title: string, labels?: readonly string[]): Buffer {
  const C = confusion.length;
  if (C === 0 || confusion.some((row) => row.length !== C)) throw new AtrousError('bad_argument', 'confusionPng: expects a square matrix');
  const cell = 40;
  const left = 60;
  const top = 50;
  const r = new Raster(left + C * cell + 20, top + C * cell + 40);
  r.text(r.width / 2, 8, title, [40, 40, 40], 2, 'center');
  for (let i = 0; i < C; i++) {
    const total = confusion[i].reduce((a, b) => a + b, 0) || 1;
    for (let j = 0; j < C; j++) {
      const share = confusion[i][j] / total;
      const colour: Rgb = i === j ? ramp(0.25 + 0.75 * share) : ramp(Math.sqrt(share));
      r.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1, colour);
      const ink: Rgb = share > 0.5 || i !== j ? [255, 255, 255] : [0, 0, 0];
      r.text(left + j * cell + cell / 2, top + i * cell + cell / 2 - 3, String(confusion[i][j]), share > 0.6 ? [0, 0, 0] : ink, 1, 'center');
    }
    r.text(left - 8, top + i * cell + cell / 2 - 3, labels?.[i] ?? String(i), [40, 40, 40], 1, 'right');
    r.text(left + i * cell + cell / 2, top + C * cell + 6, labels?.[i] ?? String(i), [40, 40, 40], 1, 'center');
  }
  r.text(left + (C * cell) / 2, top + C * cell + 22, 'PREDICTED', [40, 40, 40], 1, 'center');
  r.text(4, top - 14, 'TRUE', [40, 40, 40], 1, 'left');
  return r.toPng();
}

/** A grey image (values in [0, 1], row-major h×w, ink dark) upscaled by `scale`. */
export function drawImage(r: Raster, x: number, y: number, img: ArrayLike<number>, h: number, w: number, scale: number): void {
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const g = Math.round(255 * (1 - Math.min(1, Math.max(0, img[i * w + j]))));
      r.fillRect(x + j * scale, y + i * scale, scale, scale, [g, g, g]);
    }
}

/** Non-negative values (row-major h×w) as colours, √-scaled to their max so faint tails show. */
export function drawHeat(r: Raster, x: number, y: number, heat: ArrayLike<number>, h: number, w: number, scale: number): void {
  let hmax = 0;
  for (let i = 0; i < h * w; i++) hmax = Math.max(hmax, heat[i]);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) r.fillRect(x + j * scale, y + i * scale, scale, scale, ramp(hmax > 0 ? Math.sqrt(heat[i * w + j] / hmax) : 0));
}
