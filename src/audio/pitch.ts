import { AtrousError } from '../errors.js';
import type { Samples } from './mulaw.js';

/** Options of `detectPitch` and `pitchTrack`. */
export interface PitchOptions {
  /** Lowest pitch looked for, in Hz. Default 100. */
  minHz?: number;
  /** Highest pitch looked for, in Hz. Default 2000. */
  maxHz?: number;
  /**
   * YIN's threshold on the cumulative-mean-normalized difference: a lag whose value falls below it
   * is a period. 0 is a perfect repetition, ≈ 1 is noise. Default 0.2.
   */
  threshold?: number;
  /** Frames quieter than this RMS count as silence (no pitch is looked for). Default 0.01. */
  silenceRms?: number;
}

/** One frame's verdict. */
export interface PitchFrame {
  /** Start of the frame, in samples. */
  start: number;
  rms: number;
  /** 'silent': below silenceRms; 'pitched': a clear period; 'noise': loud but aperiodic. */
  kind: 'silent' | 'pitched' | 'noise';
  /** The fundamental in Hz when pitched, else null. */
  hz: number | null;
  /** YIN's normalized difference at the chosen lag (lower: more periodic); 1 when silent. */
  aperiodicity: number;
}

const DEFAULTS = { minHz: 100, maxHz: 2000, threshold: 0.2, silenceRms: 0.01 } as const;

function settings(op: string, sampleRate: number, opts: PitchOptions): Required<PitchOptions> {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new AtrousError('bad_argument', `${op}: sampleRate must be a positive number, got ${String(sampleRate)}`);
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as Required<PitchOptions>;
  if (!(o.minHz > 0 && o.maxHz > o.minHz && o.maxHz < sampleRate / 2)) {
    throw new AtrousError('bad_argument', `${op}: need 0 < minHz < maxHz < sampleRate/2, got minHz ${o.minHz}, maxHz ${o.maxHz}, sampleRate ${sampleRate}`);
  }
  if (!(o.threshold > 0 && o.threshold < 1)) throw new AtrousError('bad_argument', `${op}: threshold must be in (0, 1), got ${o.threshold}`);
  if (!(o.silenceRms >= 0)) throw new AtrousError('bad_argument', `${op}: silenceRms must be ≥ 0, got ${o.silenceRms}`);
  return o;
}

function checkSamples(op: string, x: Samples): void {
  if (!(x instanceof Float32Array || x instanceof Float64Array || Array.isArray(x))) {
    throw new AtrousError('bad_argument', `${op}: samples must be a Float32Array, a Float64Array or a number array`);
  }
}

/**
 * The fundamental frequency of one stretch of audio by YIN (de Cheveigné & Kawahara 2002): the
 * squared difference d(τ) between the signal and itself shifted by τ, normalized by its running
 * mean, d′(τ) = d(τ)·τ / Σ_{j≤τ} d(j); the first lag whose d′ dips below the threshold (then
 * followed to its local minimum, refined by a parabola) is the period. Unlike the peak of an
 * autocorrelation it does not jump an octave down on harmonic-rich tones. The window compared is
 * the frame's first `length − maxLag` samples, so the frame must be longer than sampleRate/minHz.
 * Like librosa's `yin`, but one frame and with a silence and a noise verdict.
 * @example detectPitch(sine440, 8000).hz // ≈ 440
 */
export function detectPitch(frame: Samples, sampleRate: number, opts: PitchOptions = {}): PitchFrame {
  const op = 'detectPitch';
  checkSamples(op, frame);
  const o = settings(op, sampleRate, opts);
  const minLag = Math.max(2, Math.floor(sampleRate / o.maxHz));
  const maxLag = Math.ceil(sampleRate / o.minHz);
  const W = frame.length - maxLag - 1;
  if (W < maxLag) throw new AtrousError('bad_argument', `${op}: a frame of ${frame.length} samples is too short for minHz ${o.minHz} at ${sampleRate} Hz (needs ${2 * maxLag + 1})`);
  let energy = 0;
  for (let i = 0; i < frame.length; i++) energy += frame[i] * frame[i];
  const rms = Math.sqrt(energy / frame.length);
  if (!Number.isFinite(rms)) throw new AtrousError('bad_argument', `${op}: the frame holds a NaN or infinite sample`);
  if (rms < o.silenceRms) return { start: 0, rms, kind: 'silent', hz: null, aperiodicity: 1 };
  // d′ for τ = 0..maxLag+1 (one past, so the parabola has a right neighbour).
  const dn = new Float64Array(maxLag + 2);
  dn[0] = 1;
  let running = 0;
  for (let tau = 1; tau <= maxLag + 1; tau++) {
    let d = 0;
    for (let j = 0; j < W; j++) {
      const e = frame[j] - frame[j + tau];
      d += e * e;
    }
    running += d;
    dn[tau] = running > 0 ? (d * tau) / running : 1;
  }
  let best = -1;
  for (let tau = minLag; tau <= maxLag; tau++) {
    if (dn[tau] < o.threshold) {
      while (tau + 1 <= maxLag && dn[tau + 1] < dn[tau]) tau++;
      best = tau;
      break;
    }
  }
  if (best < 0) {
    let m = 1;
    for (let tau = minLag; tau <= maxLag; tau++) m = Math.min(m, dn[tau]);
    return { start: 0, rms, kind: 'noise', hz: null, aperiodicity: m };
  }
  // The period to a fraction of a sample: a parabola through the raw difference around its minimum
  // (as YIN's step 5). A short period spans few samples, where the parabola is coarse, so the fit is
  // repeated at lags 2p, 4p, 8p, ... up to maxLag, each dividing the sub-sample error by the
  // multiple (and each guess close enough to find the next minimum).
  const raw = (tau: number) => {
    let d = 0;
    for (let j = 0; j < W; j++) {
      const e = frame[j] - frame[j + tau];
      d += e * e;
    }
    return d;
  };
  let period = best + parabola(dn[best - 1], dn[best], dn[best + 1]);
  for (let k = 2; k * period + 2 <= maxLag; k *= 2) {
    const c = Math.round(k * period);
    let tk = c - 1;
    let dk = Infinity;
    for (let tau = c - 1; tau <= c + 1; tau++) {
      const d = raw(tau);
      if (d < dk) [tk, dk] = [tau, d];
    }
    if (tk === c - 1 || tk === c + 1) {
      // The minimum is at an edge of the window: look one further before trusting it.
      const side = tk === c - 1 ? tk - 1 : tk + 1;
      if (raw(side) < dk) break;
    }
    period = (tk + parabola(raw(tk - 1), dk, raw(tk + 1))) / k;
  }
  return { start: 0, rms, kind: 'pitched', hz: sampleRate / period, aperiodicity: dn[best] };
}

/** Offset in (−0.5, 0.5) of the vertex of the parabola through (−1, a), (0, b), (1, c). */
function parabola(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  return den > 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
}

/** Options of `pitchTrack`. */
export interface PitchTrackOptions extends PitchOptions {
  /** Samples per frame. Default 256 (32 ms at 8 kHz). */
  frame?: number;
  /** Samples between frame starts. Default frame/2. */
  hop?: number;
}

/**
 * `detectPitch` on successive frames of a recording: the pitch over time (a pitch contour). Only
 * whole frames are analyzed; a recording shorter than one frame gives none.
 * @example pitchTrack(samples, 8000).filter((f) => f.kind === 'pitched').map((f) => f.hz)
 */
export function pitchTrack(samples: Samples, sampleRate: number, opts: PitchTrackOptions = {}): PitchFrame[] {
  const op = 'pitchTrack';
  checkSamples(op, samples);
  const frame = opts.frame ?? 256;
  const hop = opts.hop ?? Math.floor(frame / 2);
  if (!Number.isInteger(frame) || frame < 8) throw new AtrousError('bad_argument', `${op}: frame must be an integer ≥ 8, got ${String(frame)}`);
  if (!Number.isInteger(hop) || hop < 1) throw new AtrousError('bad_argument', `${op}: hop must be a positive integer, got ${String(hop)}`);
  const out: PitchFrame[] = [];
  const x = samples instanceof Float32Array || samples instanceof Float64Array ? samples : Float64Array.from(samples);
  for (let s = 0; s + frame <= x.length; s += hop) {
    out.push({ ...detectPitch(x.subarray(s, s + frame), sampleRate, opts), start: s });
  }
  return out;
}

/** Distance between two frequencies in cents (hundredths of an equal-tempered semitone). */
export function centsBetween(hz: number, ref: number): number {
  return 1200 * Math.log2(hz / ref);
}

/**
 * Magnitudes of a short-time DFT (Hann window) for bins 0..`bins`−1 of a `frame`-point transform,
 * one row per frame: `[frames][bins]`, bin k at k·sampleRate/frame Hz. A direct DFT: the picture
 * needs a few dozen bins, not an FFT.
 */
export function spectrogram(samples: Samples, opts: { frame?: number; hop?: number; bins?: number } = {}): Float64Array[] {
  checkSamples('spectrogram', samples);
  const frame = opts.frame ?? 256;
  const hop = opts.hop ?? Math.floor(frame / 2);
  const bins = Math.min(opts.bins ?? Math.floor(frame / 2), Math.floor(frame / 2) + 1);
  if (!Number.isInteger(frame) || frame < 2 || !Number.isInteger(hop) || hop < 1 || !Number.isInteger(bins) || bins < 1) {
    throw new AtrousError('bad_argument', `spectrogram: frame, hop and bins must be positive integers, got ${frame}, ${hop}, ${bins}`);
  }
  const win = Float64Array.from({ length: frame }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frame));
  const cos = Float64Array.from({ length: frame }, (_, i) => Math.cos((2 * Math.PI * i) / frame));
  const sin = Float64Array.from({ length: frame }, (_, i) => Math.sin((2 * Math.PI * i) / frame));
  const rows: Float64Array[] = [];
  const buf = new Float64Array(frame);
  for (let s = 0; s + frame <= samples.length; s += hop) {
    for (let i = 0; i < frame; i++) buf[i] = samples[s + i] * win[i];
    const row = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0, p = 0; i < frame; i++, p = (p + k) % frame) {
        re += buf[i] * cos[p];
        im -= buf[i] * sin[p];
      }
      row[k] = Math.hypot(re, im);
    }
    rows.push(row);
  }
  return rows;
}
