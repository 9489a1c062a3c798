import { muLawDecode, muLawEncode } from '../audio/mulaw.js';
import { AtrousError } from '../errors.js';
import type { WaveNet } from '../models/wavenet.js';
import { stream } from '../stream/runner.js';
import { Rng } from '../tensor/random.js';

/** Options of `generateAudio`. */
export interface GenerateAudioOptions {
  /** Length of the result in seconds (at `sampleRate`). Default 2. */
  seconds?: number;
  /** Sample rate the model was trained at; sets the length in samples. Default 8000. */
  sampleRate?: number;
  /**
   * Softmax temperature: logits are divided by it before sampling. 1 samples the model's own
   * distribution; lower is more conservative; 0 always takes the most likely code (greedy). Default 1.
   */
  temperature?: number;
  /** Seeds the sampler (the same seed and model give the same audio). Default 1. */
  seed?: number;
  /**
   * Audio to continue: samples in [−1, 1] (Float32Array / Float64Array) or μ-law codes
   * (Int32Array). It is fed through the model first and is not part of the result. Default: one
   * sample of silence (code 128 for 256 classes).
   */
  prime?: Float32Array | Float64Array | Int32Array;
  /**
   * Called every `progressEvery` samples and at the end with (samples done, total). Between
   * these calls the loop lets the event loop run (timers, progress redraws, Ctrl-C).
   */
  onProgress?(done: number, total: number): void;
  /** Default 1000. */
  progressEvery?: number;
  /** Checked every `progressEvery` samples; true stops early (the result is then shorter). */
  shouldStop?(): boolean;
}

/** What `generateAudio` returns. */
export interface GeneratedAudio {
  /** The generated samples in [−1, 1] (μ-law decoded). */
  samples: Float32Array;
  /** The sampled μ-law codes, one per sample. */
  codes: Int32Array;
  sampleRate: number;
  seconds: number;
  /** Wall time of the generation, in seconds. */
  wallSeconds: number;
}

/**
 * Makes new audio with a trained class-input WaveNet, one sample at a time, as in the paper: the
 * model (run by the streaming runner, so a step costs one pass through its layers, not over the
 * receptive field) scores the 256 possible next μ-law codes; the logits divided by `temperature`
 * go through a softmax, one code is drawn with a seeded generator and fed back as the next input.
 * The codes are μ-law decoded at the end. The model's weights are read once, at the start.
 * PyTorch has no built-in equivalent; this is the sampling loop of WaveNet implementations.
 * @example const { samples } = await generateAudio(run.model, { seconds: 2, temperature: 0.9, seed: 3 });
 *          writeFileSync('out.wav', encodeWav(samples, 8000));
 */
export async function generateAudio(model: WaveNet, opts: GenerateAudioOptions = {}): Promise<GeneratedAudio> {
  const op = 'generateAudio';
  if (model === null || typeof model !== 'object' || typeof (model as { inputMode?: unknown }).inputMode !== 'string') {
    throw new AtrousError('bad_argument', `${op}: expected a WaveNet`);
  }
  if (model.inputMode === 'real') throw new AtrousError('bad_argument', `${op}: the model reads real values; sampling needs a class-input WaveNet ('one-hot' or 'embedding')`);
  const seconds = opts.seconds ?? 2;
  const sampleRate = opts.sampleRate ?? 8000;
  const temperature = opts.temperature ?? 1;
  const seed = opts.seed ?? 1;
  const every = opts.progressEvery ?? 1000;
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new AtrousError('bad_argument', `${op}: sampleRate must be a positive integer, got ${String(sampleRate)}`);
  if (!(seconds > 0 && seconds * sampleRate <= 1e8)) throw new AtrousError('bad_argument', `${op}: seconds must be positive (at most 1e8 samples), got ${String(seconds)}`);
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new AtrousError('bad_argument', `${op}: temperature must be a finite number ≥ 0, got ${String(temperature)}`);
  if (!Number.isInteger(seed)) throw new AtrousError('bad_argument', `${op}: seed must be an integer, got ${String(seed)}`);
  if (!Number.isInteger(every) || every < 1) throw new AtrousError('bad_argument', `${op}: progressEvery must be a positive integer, got ${String(every)}`);
  const C = model.classes;
  const prime = primeCodes(op, opts.prime, C);
  const total = Math.round(seconds * sampleRate);
  const t0 = performance.now();
  const wasTraining = model.training;
  model.eval();
  const run = stream(model);
  model.train(wasTraining);
  const frame = new Float32Array(1);
  const logits = new Float32Array(C);
  const p = new Float64Array(C);
  for (let i = 0; i < prime.length - 1; i++) {
    frame[0] = prime[i];
    run.stepInto(frame, logits);
  }
  const rng = new Rng(seed);
  const codes = new Int32Array(total);
  let last = prime[prime.length - 1];
  let done = 0;
  for (; done < total; done++) {
    if (done % every === 0 && done > 0) {
      opts.onProgress?.(done, total);
      await new Promise((r) => setImmediate(r));
      if (opts.shouldStop?.()) break;
    }
    frame[0] = last;
    run.stepInto(frame, logits);
    last = temperature === 0 ? argmax(logits) : sample(logits, temperature, p, rng);
    codes[done] = last;
  }
  const kept = done === total ? codes : codes.slice(0, done);
  opts.onProgress?.(done, total);
  return { samples: muLawDecode(kept, C), codes: kept, sampleRate, seconds: kept.length / sampleRate, wallSeconds: (performance.now() - t0) / 1000 };
}

/** The prime as codes: samples are μ-law encoded; codes are checked. */
function primeCodes(op: string, prime: GenerateAudioOptions['prime'], C: number): Int32Array {
  if (prime === undefined) return Int32Array.of(Math.floor(C / 2));
  if (prime instanceof Int32Array) {
    for (let i = 0; i < prime.length; i++) {
      if (prime[i] < 0 || prime[i] >= C) throw new AtrousError('bad_argument', `${op}: prime code ${prime[i]} at ${i} is not in 0..${C - 1}`);
    }
  } else if (!(prime instanceof Float32Array || prime instanceof Float64Array)) {
    throw new AtrousError('bad_argument', `${op}: prime must be samples (Float32Array, Float64Array) or μ-law codes (Int32Array)`);
  }
  const codes = prime instanceof Int32Array ? prime : muLawEncode(prime, C);
  if (codes.length === 0) throw new AtrousError('bad_argument', `${op}: prime is empty`);
  return codes;
}

/** The index of the largest value (the first one on ties). */
function argmax(x: Float32Array): number {
  let best = 0;
  for (let c = 1; c < x.length; c++) if (x[c] > x[best]) best = c;
  return best;
}

/** One draw from softmax(x / temperature), by inverting the cumulative distribution. */
function sample(x: Float32Array, temperature: number, p: Float64Array, rng: Rng): number {
  let m = -Infinity;
  for (let c = 0; c < x.length; c++) if (x[c] > m) m = x[c];
  let z = 0;
  for (let c = 0; c < x.length; c++) z += p[c] = Math.exp((x[c] - m) / temperature);
  let u = rng.next() * z;
  for (let c = 0; c < x.length; c++) {
    u -= p[c];
    if (u < 0) return c;
  }
  return argmax(x); // u rounded to z exactly: the largest bin
}
