import { AtrousError } from '../errors.js';
import { Raster, type Rgb, SERIES_COLOURS } from './raster.js';

/** One line of a chart. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  colour?: Rgb;
  /** Draw a dot at each point (for sparse series such as per-epoch evaluations). */
  dots?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Logarithmic y axis (losses); non-positive values are left out. */
  logY?: boolean;
  /** Fixed y range, e.g. [0.9, 1] for accuracy. */
  yRange?: readonly [number, number];
}

/** Tick positions at 1, 2 or 5 × 10^k, about `count` of them, covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function label(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** Draws a line chart into the box (x, y, w, h) of `r`: axes, ticks, labels, title and a legend. */
export function drawChart(r: Raster, x: number, y: number, w: number, h: number, opts: ChartOptions): void {
  const pts = opts.series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v) && (!opts.logY || v > 0));
  if (pts.length === 0) throw new AtrousError('bad_argument', `drawChart '${opts.title}': no finite points to draw`);
  const f = (v: number) => (opts.logY ? Math.log10(v) : v);
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = opts.yRange ?? [Math.min(...pts.map((p) => f(p[1]))), Math.max(...pts.map((p) => f(p[1])))];
  if (opts.yRange && opts.logY) [y0, y1] = [Math.log10(opts.yRange[0]), Math.log10(opts.yRange[1])];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = { left: 58, right: 12, top: 26, bottom: 40 };
  const px = (v: number) => x + pad.left + ((v - x0) / (x1 - x0)) * (w - pad.left - pad.right);
  const py = (v: number) => y + h - pad.bottom - ((f(v) - y0) / (y1 - y0)) * (h - pad.top - pad.bottom);
  const grey: Rgb = [200, 200, 200];
  const ink: Rgb = [40, 40, 40];
  r.text(x + w / 2, y + 6, opts.title, ink, 2, 'center');
  // Log axis: powers of ten, plus 2× and 5× when the range spans under two decades.
  const decades = opts.logY ? [...Array(Math.ceil(y1) - Math.floor(y0) + 1).keys()].map((k) => Math.floor(y0) + k) : [];
  const yTicks = opts.logY
    ? decades.flatMap((d) => (y1 - y0 < 2 ? [1, 2, 5] : [1]).map((m) => m * 10 ** d)).filter((t) => Math.log10(t) >= y0 - 1e-9 && Math.log10(t) <= y1 + 1e-9)
    : niceTicks(y0, y1, 5);
  for (const t of yTicks) {
    const yy = py(t);
    if (yy < y + pad.top - 1 || yy > y + h - pad.bottom + 1) continue;
    r.line(x + pad.left, yy, x + w - pad.right, yy, grey);
    r.text(x + pad.left - 5, yy - 3, label(t), ink, 1, 'right');
  }
  for (const t of niceTicks(x0, x1, 6)) {
    const xx = px(t);
    r.line(xx, y + h - pad.bottom, xx, y + h - pad.bottom + 4, ink);
    r.text(xx, y + h - pad.bottom + 8, label(t), ink, 1, 'center');
  }
  r.line(x + pad.left, y + pad.top, x + pad.left, y + h - pad.bottom, ink);
  r.line(x + pad.left, y + h - pad.bottom, x + w - pad.right, y + h - pad.bottom, ink);
  r.text(x + (w + pad.left) / 2, y + h - 14, opts.xLabel, ink, 1, 'center');
  r.text(x + 4, y + pad.top - 12, opts.yLabel, ink, 1, 'left');
  opts.series.forEach((s, i) => {
    const colour = s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length];
    const ok = s.points.filter(([, v]) => Number.isFinite(v) && (!opts.logY || v > 0));
    for (let k = 1; k < ok.length; k++) r.line(px(ok[k - 1][0]), py(ok[k - 1][1]), px(ok[k][0]), py(ok[k][1]), colour, 2);
    if (s.dots || ok.length === 1) for (const [a, b] of ok) r.fillRect(px(a) - 2, py(b) - 2, 5, 5, colour);
    // Legend, top right.
    const ly = y + pad.top + 4 + i * 12;
    const lx = x + w - pad.right - 8 - Raster.textWidth(s.name);
    r.fillRect(lx - 14, ly + 2, 10, 3, colour);
    r.text(lx, ly, s.name, ink);
  });
}

/** Charts side by side in one picture. */
export function chartsPng(charts: readonly ChartOptions[], panel: { width: number; height: number } = { width: 480, height: 320 }): Buffer {
  const r = new Raster(panel.width * charts.length, panel.height);
  charts.forEach((c, i) => drawChart(r, i * panel.width, 0, panel.width, panel.height, c));
  return r.toPng();
}
