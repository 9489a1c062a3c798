import { pitchTrack, spectrogram } from '../audio/pitch.js';
import type { Samples } from '../audio/mulaw.js';
import { AtrousError } from '../errors.js';
import { Raster, ramp, type Rgb } from './raster.js';

/** One recording to draw. */
export interface PitchPanel {
  title: string;
  samples: Samples;
}

/** Options of `pitchMapPng`. */
export interface PitchMapOptions {
  sampleRate: number;
  /** Reference pitches drawn as labelled horizontal lines (the melody's notes). */
  notes?: readonly { name: string; hz: number }[];
  /** Highest frequency shown, in Hz. Default 1200 (the melody's fundamentals; its harmonics lie above). */
  maxHz?: number;
  /** Seconds shown per panel (longer recordings are cut). Default: the longest recording. */
  seconds?: number;
}

const SPEC_FRAME = 512; // 15.6 Hz bins at 8 kHz: neighbouring semitones around 500 Hz fall in different bins
const PITCH_FRAME = 256;
const HOP = 128;
const DB_RANGE = 60;
const PLOT_W = 720;

/**
 * Recordings as spectrograms stacked one above the other, on a shared time and frequency axis:
 * the short-time DFT magnitude in dB (60 dB range, viridis-like ramp), the pitch `pitchTrack`
 * detects in each frame as white dots, and the reference notes as dashed lines. For judging by eye
 * whether generated audio holds the training melody's pitches.
 * @example writeFileSync('pitch.png', pitchMapPng([{ title: 'TRAINING', samples: x }], { sampleRate: 8000, notes: TONES_MELODY }))
 */
export function pitchMapPng(panels: readonly PitchPanel[], opts: PitchMapOptions): Buffer {
  const { sampleRate } = opts;
  if (!Array.isArray(panels) || panels.length === 0) throw new AtrousError('bad_argument', 'pitchMapPng: expected at least one panel');
  if (!Number.isInteger(sampleRate) || sampleRate < 8) throw new AtrousError('bad_argument', `pitchMapPng: sampleRate must be an integer ≥ 8, got ${String(sampleRate)}`);
  const maxHz = Math.min(opts.maxHz ?? 1200, sampleRate / 2);
  const seconds = opts.seconds ?? Math.max(...panels.map((p) => p.samples.length / sampleRate));
  if (!(seconds > 0)) throw new AtrousError('bad_argument', 'pitchMapPng: nothing to draw (no samples)');
  const total = seconds * sampleRate;
  const bins = Math.max(2, Math.min(SPEC_FRAME / 2 + 1, Math.ceil((maxHz * SPEC_FRAME) / sampleRate)));
  const rowH = Math.max(1, Math.floor(240 / bins));
  const left = 60;
  const plotH = bins * rowH;
  const panelH = plotH + 40;
  const r = new Raster(left + PLOT_W + 30, 10 + panels.length * panelH + 30);
  const ink: Rgb = [40, 40, 40];
  const xOf = (sample: number) => left + (sample / total) * PLOT_W;
  const yOf = (hz: number) => plotH - ((hz * SPEC_FRAME) / sampleRate) * rowH;
  panels.forEach((panel, k) => {
    const top = 10 + k * panelH + 20;
    r.text(left, top - 16, panel.title, ink, 1, 'left');
    const n = Math.min(panel.samples.length, Math.round(total));
    const x = Float64Array.from({ length: n }, (_, i) => panel.samples[i]);
    const spec = spectrogram(x, { frame: SPEC_FRAME, hop: HOP, bins });
    let max = 1e-12;
    for (const row of spec) for (const v of row) max = Math.max(max, v);
    spec.forEach((row, t) => {
      // Each column covers the hop around its frame's centre.
      const x0 = xOf(t * HOP + SPEC_FRAME / 2 - HOP / 2);
      for (let b = 0; b < bins; b++) {
        const db = 20 * Math.log10(Math.max(row[b], 1e-12) / max);
        r.fillRect(x0, top + plotH - (b + 1) * rowH, xOf(HOP) - left, rowH, ramp(1 + db / DB_RANGE));
      }
    });
    for (const note of opts.notes ?? []) {
      if (note.hz > maxHz) continue;
      const y = top + yOf(note.hz);
      for (let xx = left; xx < left + PLOT_W; xx += 6) r.line(xx, y, Math.min(xx + 3, left + PLOT_W), y, [255, 120, 120]);
      r.text(left + PLOT_W + 4, y - 3, note.name, ink, 1, 'left');
    }
    const track = n >= PITCH_FRAME ? pitchTrack(x, sampleRate, { frame: PITCH_FRAME, hop: HOP }) : [];
    for (const f of track) {
      if (f.hz !== null && f.hz <= maxHz) r.fillRect(xOf(f.start + PITCH_FRAME / 2) - 1, top + yOf(f.hz) - 1, 3, 3, [255, 255, 255]);
    }
    r.rect(left, top, PLOT_W, plotH, ink);
    for (let hz = 0; hz <= maxHz; hz += 200) {
      r.line(left - 4, top + yOf(hz), left, top + yOf(hz), ink);
      r.text(left - 6, top + yOf(hz) - 3, String(hz), ink, 1, 'right');
    }
    r.text(4, top - 16, 'HZ', ink, 1, 'left');
  });
  const axisY = 10 + panels.length * panelH;
  const tick = seconds > 4 ? 1 : seconds > 1 ? 0.25 : 0.05;
  for (let i = 0; i * tick <= seconds + 1e-9; i++) {
    const s = Number((i * tick).toFixed(2));
    const xx = xOf(s * sampleRate);
    r.line(xx, axisY - 20, xx, axisY - 16, ink);
    r.text(xx, axisY - 12, `${s}`, ink, 1, 'center');
  }
  r.text(left + PLOT_W / 2, axisY + 4, 'SECONDS  (WHITE DOTS: DETECTED PITCH, DASHED: MELODY NOTES)', ink, 1, 'center');
  return r.toPng();
}
