import { PNG } from 'pngjs';
import { AtrousError } from '../errors.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/**
 * An RGBA picture to draw plots on: pixels, lines, rectangles and bitmap text, encoded to PNG by
 * pngjs. Coordinates are pixels from the top left; drawing outside the picture is clipped.
 */
export class Raster {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 1 << 26) {
      throw new AtrousError('bad_argument', `Raster: size ${width}x${height} must be positive integers, at most 64 Mpixels`);
    }
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Blends `rgb` over the pixel with opacity `alpha` (0..1). */
  set(x: number, y: number, rgb: Rgb, alpha = 1): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 4;
    for (let k = 0; k < 3; k++) this.data[o + k] = Math.round(this.data[o + k] * (1 - alpha) + rgb[k] * alpha);
    this.data[o + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, rgb: Rgb, alpha = 1): void {
    for (let j = Math.max(0, Math.floor(y)); j < Math.min(this.height, Math.ceil(y + h)); j++)
      for (let i = Math.max(0, Math.floor(x)); i < Math.min(this.width, Math.ceil(x + w)); i++) this.set(i, j, rgb, alpha);
  }

  /** A line of the given width (in pixels), drawn as overlapping discs along its length. */
  line(x0: number, y0: number, x1: number, y1: number, rgb: Rgb, width = 1): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    const r = (width - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      if (r <= 0) this.set(x, y, rgb);
      else for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r + 0.25) this.set(x + dx, y + dy, rgb);
    }
  }

  /** Outline of a rectangle. */
  rect(x: number, y: number, w: number, h: number, rgb: Rgb, width = 1): void {
    this.line(x, y, x + w, y, rgb, width);
    this.line(x + w, y, x + w, y + h, rgb, width);
    this.line(x + w, y + h, x, y + h, rgb, width);
    this.line(x, y + h, x, y, rgb, width);
  }

  /** Width in pixels of `text` at `scale`. */
  static textWidth(text: string, scale = 1): number {
    return text.length * (GLYPH_WIDTH + 1) * scale - scale;
  }

  /** Text with its top-left corner at (x, y); `align` places x at the left, centre or right end. */
  text(x: number, y: number, text: string, rgb: Rgb = [0, 0, 0], scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const w = Raster.textWidth(text, scale);
    let cx = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++)
        for (let c = 0; c < GLYPH_WIDTH; c++)
          if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(Math.round(cx) + c * scale, Math.round(y) + r * scale, scale, scale, rgb);
      cx += (GLYPH_WIDTH + 1) * scale;
    }
  }

  /** The picture as PNG bytes. */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png);
  }
}

/** A colour from the viridis-like ramp for v in [0, 1] (dark blue → green → yellow). */
export function ramp(v: number): Rgb {
  const stops: Rgb[] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const t = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const f = t - i;
  return [0, 1, 2].map((k) => Math.round(stops[i][k] * (1 - f) + stops[i + 1][k] * f)) as unknown as Rgb;
}

/** Distinct colours for plot series. */
export const SERIES_COLOURS: readonly Rgb[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75]];
