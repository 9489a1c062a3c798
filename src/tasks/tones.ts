import { noGrad } from '../autograd/grad-mode.js';
import { muLawEncode } from '../audio/mulaw.js';
import { AtrousError } from '../errors.js';
import { WaveNet, type WaveNetOptions } from '../models/wavenet.js';
import { crossEntropy } from '../ops/losses.js';
import { Adam } from '../optim/adam.js';
import { warmupCosine } from '../optim/lr-scheduler.js';
import { globalRng, manualSeed, Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Sample rate of the tone data and of everything generated from it. */
export const TONES_SAMPLE_RATE = 8000;

/** One note of the training melody. */
export interface ToneNote {
  name: string;
  /** Pitch in Hz (equal temperament, A4 = 440). */
  hz: number;
}

/** The melody the tone model learns: four distinct pitches, none an octave of another (so a pitch detector's octave slip cannot pass for another note). */
export const TONES_MELODY: readonly ToneNote[] = Object.freeze([
  { name: 'C5', hz: 523.25 },
  { name: 'E5', hz: 659.26 },
  { name: 'G5', hz: 783.99 },
  { name: 'D5', hz: 587.33 },
]);

/** Samples per note (0.25 s): the tone, then a short silence before the next note. */
export const TONES_NOTE_SAMPLES = 2000;
const GAP = 200;

/** Options of `renderMelody` / `tonesDataset`. */
export interface ToneRenderOptions {
  /** Fixes the variations. Default 1. */
  seed?: number;
  /** Times the melody is played, each with fresh variations. Default 8 (8 s). */
  repeats?: number;
  /** Largest random detuning of a note, in cents. Default 15. */
  jitterCents?: number;
  /** Standard deviation of the added white noise. Default 0.002. */
  noise?: number;
}

/**
 * The training audio: `TONES_MELODY` played `repeats` times at 8 kHz, each note 0.25 s — a tone of
 * a fundamental and two weaker harmonics under an attack/decay/release envelope, then 25 ms of
 * silence — with seeded variations (detuning, loudness, harmonic mix, phase) and a little noise.
 * Made by the package itself: nothing is downloaded.
 * @example const x = renderMelody({ seed: 1, repeats: 1 }) // Float32Array of 8000 samples in [−1, 1]
 */
export function renderMelody(opts: ToneRenderOptions = {}): Float32Array {
  const seed = opts.seed ?? 1;
  const repeats = opts.repeats ?? 8;
  const jitter = opts.jitterCents ?? 15;
  const noise = opts.noise ?? 0.002;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 1000) throw new AtrousError('bad_argument', `renderMelody: repeats must be an integer in 1..1000, got ${String(repeats)}`);
  if (!(jitter >= 0 && jitter <= 100)) throw new AtrousError('bad_argument', `renderMelody: jitterCents must be in [0, 100], got ${String(jitter)}`);
  if (!(noise >= 0 && noise <= 0.5)) throw new AtrousError('bad_argument', `renderMelody: noise must be in [0, 0.5], got ${String(noise)}`);
  const rng = new Rng(seed);
  const sr = TONES_SAMPLE_RATE;
  const out = new Float32Array(repeats * TONES_MELODY.length * TONES_NOTE_SAMPLES);
  const len = TONES_NOTE_SAMPLES - GAP;
  const attack = Math.round(0.008 * sr);
  const release = Math.round(0.02 * sr);
  let at = 0;
  for (let r = 0; r < repeats; r++) {
    for (const note of TONES_MELODY) {
      const hz = note.hz * 2 ** (rng.uniform(-jitter, jitter) / 1200);
      const amp = rng.uniform(0.45, 0.7);
      const h2 = rng.uniform(0.2, 0.45);
      const h3 = rng.uniform(0.05, 0.2);
      const phase = rng.uniform(0, 2 * Math.PI);
      const norm = amp / (1 + h2 + h3);
      for (let i = 0; i < len; i++) {
        // Envelope: linear attack, decay towards 0.7 of the peak, linear release.
        const env = (i < attack ? i / attack : 0.7 + 0.3 * Math.exp(-(i - attack) / (0.05 * sr))) * (i >= len - release ? (len - i) / release : 1);
        const ph = phase + (2 * Math.PI * hz * i) / sr;
        out[at + i] = norm * env * (Math.sin(ph) + h2 * Math.sin(2 * ph) + h3 * Math.sin(3 * ph));
      }
      at += TONES_NOTE_SAMPLES;
    }
  }
  if (noise > 0) for (let i = 0; i < out.length; i++) out[i] += noise * rng.normal();
  return out;
}

/** The tone data as the model sees it. */
export interface TonesDataset {
  samples: Float32Array;
  /** μ-law codes 0..255 of the samples (`muLawEncode(samples, 256)`). */
  codes: Int32Array;
  sampleRate: number;
  notes: readonly ToneNote[];
}

/** `renderMelody(opts)` and its 8-bit μ-law codes. @example tonesDataset({ seed: 1 }).codes.length // 64000 */
export function tonesDataset(opts: ToneRenderOptions = {}): TonesDataset {
  const samples = renderMelody(opts);
  return { samples, codes: muLawEncode(samples, 256), sampleRate: TONES_SAMPLE_RATE, notes: TONES_MELODY };
}

/** Settings of a tone-model training run (the CLI's `atrous train tones` options). */
export interface TonesTrainOptions {
  /** Optimizer steps. Default 300. */
  steps?: number;
  /** Crops per step. Default 2. */
  batch?: number;
  /**
   * Samples per crop (the model predicts each from the ones before it). Default 512, the default
   * model's receptive field, so the crop's last samples are predicted from as much context as
   * generation gives.
   */
  crop?: number;
  /** Peak learning rate of Adam (warm-up then cosine decay). Default 0.03 (high, but it learns in 300 steps; 3e-3 does not). */
  lr?: number;
  /** Fixes init, data and crop positions. Default 1. */
  seed?: number;
  /** Evaluate on held-out audio every this many steps (and at the end). Default steps/10. */
  evalEvery?: number;
  /** The network; default `TONES_MODEL_DEFAULTS`. */
  model?: WaveNetOptions;
}

/** One evaluation on the held-out rendering. */
export interface TonesEvalRecord {
  step: number;
  seconds: number;
  /** Mean training loss since the previous evaluation (nats per sample). */
  trainLoss: number;
  /** Cross-entropy on held-out audio (another seed's rendering), nats per sample. */
  validLoss: number;
  /** Share of held-out samples whose most likely next code is the true one. */
  validAccuracy: number;
}

/** What a caller hears during training (the CLI draws its progress bar from this). */
export interface TonesHooks {
  onStep?(s: { step: number; steps: number; loss: number; samplesPerSecond: number }): void;
  /** Called after each evaluation (as `onEpoch` of `trainImageClassifier`). */
  onEval?(e: TonesEvalRecord): void;
  /** Checked between steps; true stops the run cleanly (the caller then saves what there is). */
  shouldStop?(): boolean;
}

export interface TonesRun {
  model: WaveNet;
  options: Required<Omit<TonesTrainOptions, 'model'>> & { model: WaveNetOptions };
  history: TonesEvalRecord[];
  /** Training loss of every step (for the curve). */
  steps: { step: number; loss: number }[];
  stopped: boolean;
  seconds: number;
}

export const TONES_DEFAULTS = { steps: 300, batch: 2, crop: 512, lr: 0.03, seed: 1 } as const;
/** 2 cycles of dilations 1..128 (receptive field 512 samples, 64 ms: several periods of every note), 32 channels. */
export const TONES_MODEL_DEFAULTS: Readonly<WaveNetOptions> = Object.freeze({
  residualChannels: 32, skipChannels: 32, classes: 256, layersPerCycle: 8, cycles: 2, kernelSize: 2, input: 'one-hot',
});

/** The seed of the held-out rendering (another draw of the same variations). */
const VALID_SEED_OFFSET = 1000;
/** Held-out crops are this long whatever the training crop, so runs with different crops compare. */
const EVAL_CROP = 1024;

/** Crops `[batch, crop]` of `codes` and their next-code targets, from the given starts. */
export function cropBatch(codes: Int32Array, starts: readonly number[], crop: number): { x: Tensor; y: Int32Array } {
  const x = new Float32Array(starts.length * crop);
  const y = new Int32Array(starts.length * crop);
  starts.forEach((s, n) => {
    if (!Number.isInteger(s) || s < 0 || s + crop + 1 > codes.length) throw new AtrousError('bad_argument', `cropBatch: a crop of ${crop} at ${s} (plus its target) does not fit in ${codes.length} codes`);
    for (let t = 0; t < crop; t++) {
      x[n * crop + t] = codes[s + t];
      y[n * crop + t] = codes[s + t + 1];
    }
  });
  return { x: new Tensor(x, [starts.length, crop]), y };
}

/** Mean next-code cross-entropy and top-1 accuracy of `model` over fixed crops of `codes`. */
export function evaluateTones(model: WaveNet, codes: Int32Array, crop: number, crops = 4): { loss: number; accuracy: number } {
  const span = codes.length - crop - 1;
  if (span < 0) throw new AtrousError('bad_argument', `evaluateTones: ${codes.length} codes are too few for crops of ${crop}`);
  const starts = Array.from({ length: crops }, (_, i) => Math.floor((i * span) / Math.max(1, crops - 1)));
  const wasTraining = model.training;
  model.eval();
  let loss = 0;
  let correct = 0;
  noGrad(() => {
    const { x, y } = cropBatch(codes, starts, crop);
    const logits = model.forward(x); // [N, C, T]
    loss = crossEntropy(logits, y).item();
    const C = model.classes;
    const d = logits.data;
    for (let n = 0; n < crops; n++) for (let t = 0; t < crop; t++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (d[(n * C + c) * crop + t] > d[(n * C + best) * crop + t]) best = c;
      if (best === y[n * crop + t]) correct++;
    }
  });
  model.train(wasTraining);
  return { loss, accuracy: correct / (crops * crop) };
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new AtrousError('bad_argument', `trainTones: ${name} must be a positive integer, got ${String(v)}`);
}

/**
 * Trains a small WaveNet to continue the tone melody one sample at a time: each step takes `batch`
 * random crops of the μ-law codes of `tonesDataset({ seed })` and minimizes the cross-entropy of
 * every next code (256 classes) given the ones before, with Adam, a short warm-up and cosine
 * decay; every `evalEvery` steps it measures the loss on a held-out rendering.
 * Generate from the result with `generateAudio(run.model, { seconds: 2 })`.
 * @example const run = await trainTones({ steps: 300 }); run.history.at(-1)!.validLoss
 */
export async function trainTones(opts: TonesTrainOptions = {}, hooks: TonesHooks = {}): Promise<TonesRun> {
  // Options given as undefined (a CLI flag not passed) keep their defaults.
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as TonesTrainOptions;
  const base = { ...TONES_DEFAULTS, ...given };
  const o = { ...base, evalEvery: given.evalEvery ?? Math.max(1, Math.round(base.steps / 10)), model: { ...TONES_MODEL_DEFAULTS, ...(given.model ?? {}) } };
  for (const k of ['steps', 'batch', 'crop', 'evalEvery'] as const) checkPositiveInt(k, o[k]);
  if (!(o.lr > 0 && o.lr < 10)) throw new AtrousError('bad_argument', `trainTones: lr must be in (0, 10), got ${String(o.lr)}`);
  if (!Number.isInteger(o.seed)) throw new AtrousError('bad_argument', `trainTones: seed must be an integer, got ${String(o.seed)}`);
  if (o.model.input !== undefined && o.model.input === 'real') throw new AtrousError('bad_argument', "trainTones: the tone model reads codes; model.input must be 'one-hot' or 'embedding'");
  if ((o.model.classes ?? 256) !== 256) throw new AtrousError('bad_argument', `trainTones: the tone data has 256 μ-law classes; model.classes must be 256, got ${String(o.model.classes)}`);
  const train = tonesDataset({ seed: o.seed });
  const valid = tonesDataset({ seed: o.seed + VALID_SEED_OFFSET, repeats: 2 });
  if (o.crop + 1 > train.codes.length) throw new AtrousError('bad_argument', `trainTones: crop ${o.crop} is longer than the training audio (${train.codes.length - 1})`);
  manualSeed(o.seed);
  const model = new WaveNet(o.model);
  const opt = new Adam(model.parameters(), { lr: o.lr });
  const sched = warmupCosine(opt, { warmupSteps: Math.min(20, Math.floor(o.steps / 10)), totalSteps: o.steps });
  const history: TonesEvalRecord[] = [];
  const losses: { step: number; loss: number }[] = [];
  const rng = globalRng();
  const t0 = performance.now();
  let stopped = false;
  let sinceEval = 0;
  let lossSum = 0;
  const evaluate = (step: number) => {
    const ev = evaluateTones(model, valid.codes, EVAL_CROP);
    const rec: TonesEvalRecord = { step, seconds: (performance.now() - t0) / 1000, trainLoss: sinceEval > 0 ? lossSum / sinceEval : NaN, validLoss: ev.loss, validAccuracy: ev.accuracy };
    history.push(rec);
    hooks.onEval?.(rec);
    sinceEval = 0;
    lossSum = 0;
  };
  for (let step = 1; step <= o.steps; step++) {
    if (hooks.shouldStop?.()) {
      stopped = true;
      break;
    }
    const starts = Array.from({ length: o.batch }, () => rng.int(0, train.codes.length - o.crop - 1));
    const { x, y } = cropBatch(train.codes, starts, o.crop);
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    sched.step();
    const l = loss.item();
    losses.push({ step, loss: l });
    lossSum += l;
    sinceEval++;
    const elapsed = (performance.now() - t0) / 1000;
    hooks.onStep?.({ step, steps: o.steps, loss: l, samplesPerSecond: (step * o.batch * o.crop) / elapsed });
    if (step % o.evalEvery === 0 || step === o.steps) evaluate(step);
    // Let the event loop run (progress redraws, Ctrl-C) between steps.
    await new Promise((r) => setImmediate(r));
  }
  if (sinceEval > 0) evaluate(losses.length);
  return { model: model.eval(), options: o, history, steps: losses, stopped, seconds: (performance.now() - t0) / 1000 };
}
