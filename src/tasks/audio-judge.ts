import { centsBetween, type PitchFrame, type PitchTrackOptions, pitchTrack } from '../audio/pitch.js';
import type { Samples } from '../audio/mulaw.js';
import { AtrousError } from '../errors.js';
import { Rng } from '../tensor/random.js';
import type { ToneNote } from './tones.js';

/** Options of `judgeAudio`. */
export interface JudgeOptions extends PitchTrackOptions {
  /** A pitched frame counts as a note when it is within this many cents of it. Default 50 (it rounds to that semitone). */
  toleranceCents?: number;
  /** A note counts as played when at least this share of all frames is on it. Default 0.05. */
  minNoteShare?: number;
}

/** How much of a recording sounds like the melody's notes, frame by frame. */
export interface AudioJudgement {
  frames: number;
  /** Shares of all frames (they sum to 1). */
  silent: number;
  pitched: number;
  noise: number;
  /** Share of all frames whose pitch is one of the melody's notes (within toleranceCents). */
  onMelody: number;
  /** Share of the pitched frames that are on a melody note. */
  onMelodyOfPitched: number;
  /** Share of all frames on each note, by name. */
  notes: Record<string, number>;
  /** How many of the melody's notes get at least minNoteShare of the frames. */
  notesPlayed: number;
  /** Median distance in cents of on-melody frames from their note (null without any). */
  medianCents: number | null;
  /** RMS of the whole recording. */
  rms: number;
}

/**
 * Judges a recording against a melody: `pitchTrack` (YIN) gives each frame's verdict — silent,
 * pitched at some Hz, or aperiodic noise — and a pitched frame is "on the melody" when it lies
 * within `toleranceCents` of one of `notes`. The shares answer "does this sound like the tones it
 * was trained on": the training audio itself scores near 0.9 on the melody (the rest is the short
 * silences and note edges), white noise near 0.
 * @example judgeAudio(samples, 8000, TONES_MELODY).onMelody // 0..1
 */
export function judgeAudio(samples: Samples, sampleRate: number, notes: readonly ToneNote[], opts: JudgeOptions = {}): AudioJudgement {
  const tol = opts.toleranceCents ?? 50;
  const minShare = opts.minNoteShare ?? 0.05;
  if (!(tol > 0 && tol <= 600)) throw new AtrousError('bad_argument', `judgeAudio: toleranceCents must be in (0, 600], got ${String(tol)}`);
  if (!(minShare >= 0 && minShare <= 1)) throw new AtrousError('bad_argument', `judgeAudio: minNoteShare must be in [0, 1], got ${String(minShare)}`);
  if (!Array.isArray(notes) || notes.length === 0 || notes.some((n) => !(n.hz > 0))) throw new AtrousError('bad_argument', 'judgeAudio: notes must be a non-empty list of { name, hz > 0 }');
  const track = pitchTrack(samples, sampleRate, opts);
  const n = track.length;
  if (n === 0) throw new AtrousError('bad_argument', `judgeAudio: ${samples.length} samples are shorter than one analysis frame`);
  const counts: Record<string, number> = Object.fromEntries(notes.map((x) => [x.name, 0]));
  const cents: number[] = [];
  let silent = 0;
  let pitched = 0;
  for (const f of track) {
    if (f.kind === 'silent') silent++;
    if (f.kind !== 'pitched') continue;
    pitched++;
    const near = nearestNote(f, notes);
    if (Math.abs(near.cents) <= tol) {
      counts[near.note.name]++;
      cents.push(Math.abs(near.cents));
    }
  }
  cents.sort((a, b) => a - b);
  let energy = 0;
  for (let i = 0; i < samples.length; i++) energy += samples[i] * samples[i];
  const share: Record<string, number> = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));
  return {
    frames: n,
    silent: silent / n,
    pitched: pitched / n,
    noise: (n - silent - pitched) / n,
    onMelody: cents.length / n,
    onMelodyOfPitched: pitched > 0 ? cents.length / pitched : 0,
    notes: share,
    notesPlayed: Object.values(share).filter((v) => v >= minShare && v > 0).length,
    medianCents: cents.length > 0 ? cents[Math.floor(cents.length / 2)] : null,
    rms: Math.sqrt(energy / Math.max(1, samples.length)),
  };
}

/** The melody note closest to a pitched frame, and the distance in cents. */
export function nearestNote(f: PitchFrame, notes: readonly ToneNote[]): { note: ToneNote; cents: number } {
  let best = notes[0];
  let bestCents = Infinity;
  for (const note of notes) {
    const c = centsBetween(f.hz ?? NaN, note.hz);
    if (Math.abs(c) < Math.abs(bestCents)) {
      best = note;
      bestCents = c;
    }
  }
  return { note: best, cents: bestCents };
}

/** Seeded Gaussian white noise of the given RMS, clipped to [−1, 1]: the judge's floor. */
export function whiteNoise(length: number, rms: number, seed: number): Float32Array {
  if (!Number.isInteger(length) || length < 0) throw new AtrousError('bad_argument', `whiteNoise: length must be a non-negative integer, got ${String(length)}`);
  const rng = new Rng(seed);
  return Float32Array.from({ length }, () => Math.max(-1, Math.min(1, rms * rng.normal())));
}

/** One line of a judgement, for the CLI: `on melody 83.1% | silent 8.0% | noise 2.3% | notes 4/4`. */
export function formatJudgement(j: AudioJudgement, notes: number): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return `on melody ${pct(j.onMelody).padStart(6)} | pitched ${pct(j.pitched).padStart(6)} | silent ${pct(j.silent).padStart(6)} | noise ${pct(j.noise).padStart(6)} | notes played ${j.notesPlayed}/${notes}`;
}
