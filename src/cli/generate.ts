import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { encodeWav } from '../audio/wav.js';
import { AtrousError } from '../errors.js';
import { setThreads } from '../kernels/registry.js';
import { WaveNet, type WaveNetOptions } from '../models/wavenet.js';
import { pitchMapPng } from '../plot/pitch-map.js';
import { type AudioJudgement, formatJudgement, judgeAudio, whiteNoise } from '../tasks/audio-judge.js';
import { generateAudio, type GeneratedAudio } from '../tasks/generate-audio.js';
import { renderMelody, TONES_DEFAULTS, TONES_MELODY, TONES_SAMPLE_RATE } from '../tasks/tones.js';
import { manualSeed } from '../tensor/random.js';
import { parseInteger } from './parse.js';
import { defaultRunDir, progressBar, withCtrlC } from './run-support.js';
import { describeTonesFiles, runTones, TONES_FORMAT } from './tones-run.js';

function parseNumber(v: string, flag: string, min: number, minIncluded: boolean): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || (minIncluded ? x < min : x <= min)) {
    throw new AtrousError('bad_argument', `${flag}: '${v}' is not a number ${minIncluded ? '≥' : '>'} ${min}`);
  }
  return x;
}

/** A tone model from a checkpoint written by `atrous train tones` (or by this command). */
async function loadToneModel(path: string): Promise<WaveNet> {
  const { loadSafetensors } = await import('../io/checkpoint-file.js');
  const { metadata } = await loadSafetensors(path);
  let config: { task?: string; model?: WaveNetOptions; sampleRate?: number } = {};
  try {
    config = JSON.parse(metadata.config ?? '{}');
  } catch {
    throw new AtrousError('bad_file', `generate: ${path} has no readable 'config' metadata; was it written by atrous train tones?`);
  }
  if (config.task !== 'tones' || metadata.format !== TONES_FORMAT || config.model === undefined) {
    throw new AtrousError('bad_file', `generate: ${path} is not a tone-model checkpoint (config task: ${String(config.task)}); train one with atrous train tones`);
  }
  if (config.sampleRate !== undefined && config.sampleRate !== TONES_SAMPLE_RATE) {
    throw new AtrousError('bad_file', `generate: ${path} was trained at ${config.sampleRate} Hz; this version generates at ${TONES_SAMPLE_RATE} Hz`);
  }
  const model = new WaveNet(config.model);
  await model.load(path);
  return model.eval();
}

/** Generates with a progress bar on stderr; Ctrl-C stops early and keeps what there is. */
async function generateWithBar(model: WaveNet, label: string, o: { seconds: number; temperature: number; seed: number }): Promise<GeneratedAudio> {
  const bar = progressBar(`${label} |{bar}| {percentage}% | {value}/{total} samples | {sps} samples/s | ETA {eta_formatted}`);
  const t0 = performance.now();
  bar.start(Math.round(o.seconds * TONES_SAMPLE_RATE), 0, { sps: 0 });
  try {
    return await withCtrlC((stopped) => generateAudio(model, {
      ...o, sampleRate: TONES_SAMPLE_RATE, shouldStop: stopped,
      onProgress: (done) => bar.update(done, { sps: Math.round(done / Math.max(1e-3, (performance.now() - t0) / 1000)) }),
    }));
  } finally {
    bar.stop();
  }
}

/**
 * `atrous generate audio`: sample new audio from the tone WaveNet (training one first when no
 * checkpoint is given), write it as a 16-bit WAV, and judge it against the training melody next to
 * an untrained model's output and white noise.
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Generate audio one sample at a time with a WaveNet trained on synthesized tones (trains one first, ~1 min, unless --checkpoint); writes a WAV and judges it against the melody.')
    .argument('<what>', 'audio: 8 kHz audio from the tone model')
    .option('--checkpoint <path>', 'a model.safetensors from atrous train tones (default: train one now and save it next to the output)')
    .option('--seconds <s>', 'length of the generated audio', '2')
    .option('--temperature <t>', 'softmax temperature (1: the model\'s distribution, 0: always the most likely sample)', '1')
    .option('--seed <n>', 'fixes the sampling (and the training, when training)', '1')
    .option('--out <file.wav>', 'output WAV (default runs/audio-<time>/generated.wav)')
    .option('--steps <n>', 'training steps when training first', String(TONES_DEFAULTS.steps))
    .option('--threads <n>', 'kernel threads (default: all cores)')
    .action(async (what: string, o: Record<string, string | undefined>) => {
      if (what !== 'audio') throw new AtrousError('bad_argument', `generate: unknown kind '${what}'; available: audio`);
      const seconds = parseNumber(o.seconds!, '--seconds', 0, false);
      if (seconds > 600) throw new AtrousError('bad_argument', `--seconds: ${seconds} is more than 600`);
      const temperature = parseNumber(o.temperature!, '--temperature', 0, true);
      const seed = parseInteger(o.seed!, '--seed');
      const steps = parseInteger(o.steps!, '--steps');
      if (steps < 1) throw new AtrousError('bad_argument', `--steps: ${steps} is not a positive integer`);
      if (o.threads !== undefined) setThreads(parseInteger(o.threads, '--threads'));
      const wav = resolve(o.out ?? join(defaultRunDir('audio'), 'generated.wav'));
      const stem = join(dirname(wav), basename(wav, extname(wav)));
      mkdirSync(dirname(wav), { recursive: true });
      const rel = (p: string) => relative(process.cwd(), p) || '.';
      const lines: string[] = [];

      let model: WaveNet;
      let trainSeconds: number | null = null;
      let checkpoint = o.checkpoint === undefined ? null : resolve(o.checkpoint);
      if (checkpoint !== null) {
        model = await loadToneModel(checkpoint);
      } else {
        process.stdout.write(`no --checkpoint: training the tone WaveNet first (${steps} steps)\n`);
        const { run, files } = await runTones({ steps, seed, out: `${stem}-model` });
        model = run.model;
        trainSeconds = run.seconds;
        checkpoint = files.checkpoint;
        process.stdout.write(`${run.stopped ? 'stopped early: ' : ''}trained in ${run.seconds.toFixed(1)} s, held-out loss ${run.history.at(-1)?.validLoss.toFixed(4) ?? '?'}\n${describeTonesFiles(files)}\n`);
      }

      const gen = await generateWithBar(model, 'generate', { seconds, temperature, seed });
      writeFileSync(wav, encodeWav(gen.samples, TONES_SAMPLE_RATE));
      // The baselines: the same architecture untrained (same sampler), white noise as loud as the training audio.
      manualSeed(seed + 7919);
      const untrainedModel = new WaveNet(configOf(model)).eval();
      const untrained = await generateWithBar(untrainedModel, 'untrained baseline', { seconds: gen.seconds, temperature, seed });
      const training = renderMelody({ seed: 12345, repeats: Math.max(1, Math.ceil(gen.seconds)) }).subarray(0, gen.samples.length);
      const noise = whiteNoise(gen.samples.length, rmsOf(training), seed);
      const judge = (x: Float32Array): AudioJudgement => judgeAudio(x, TONES_SAMPLE_RATE, TONES_MELODY);
      const results = { generated: judge(gen.samples), untrained: judge(untrained.samples), whiteNoise: judge(noise), trainingAudio: judge(training) };
      const judgeFile = `${stem}.judge.json`;
      const pngFile = `${stem}.pitch.png`;
      writeFileSync(judgeFile, JSON.stringify({
        wav: rel(wav), checkpoint: rel(checkpoint), sampleRate: TONES_SAMPLE_RATE, seconds: gen.seconds, temperature, seed,
        melody: TONES_MELODY, method: 'YIN pitch per 256-sample frame (hop 128); a pitched frame is on the melody within 50 cents of a note',
        wallSeconds: { train: trainSeconds, generate: gen.wallSeconds, untrained: untrained.wallSeconds },
        ...results,
      }, null, 1) + '\n');
      writeFileSync(pngFile, pitchMapPng([
        { title: 'TRAINING AUDIO (A FRESH RENDERING OF THE MELODY)', samples: training },
        { title: `GENERATED (TEMPERATURE ${temperature}, SEED ${seed})`, samples: gen.samples },
        { title: 'UNTRAINED MODEL, SAME SAMPLER', samples: untrained.samples },
      ], { sampleRate: TONES_SAMPLE_RATE, notes: TONES_MELODY }));

      const rate = gen.samples.length / gen.wallSeconds;
      lines.push(
        `generated ${gen.seconds.toFixed(2)} s of ${TONES_SAMPLE_RATE} Hz audio in ${gen.wallSeconds.toFixed(1)} s (${Math.round(rate)} samples/s, ${(rate / TONES_SAMPLE_RATE).toFixed(2)}x real time)`,
        `judged against the melody ${TONES_MELODY.map((n) => `${n.name} ${n.hz} Hz`).join(', ')} (share of 32 ms frames):`,
        `  generated       ${formatJudgement(results.generated, TONES_MELODY.length)}`,
        `  untrained model ${formatJudgement(results.untrained, TONES_MELODY.length)}`,
        `  white noise     ${formatJudgement(results.whiteNoise, TONES_MELODY.length)}`,
        `  training audio  ${formatJudgement(results.trainingAudio, TONES_MELODY.length)}`,
        `wrote ${rel(wav)}   the generated audio (16-bit WAV)`,
        `      ${rel(judgeFile)}   the numbers above and per-note shares`,
        `      ${rel(pngFile)}   spectrograms with the detected pitch: training audio, generated, untrained`,
      );
      process.stdout.write(lines.join('\n') + '\n');
    });
}

/** The constructor options that rebuild `m`'s architecture. */
function configOf(m: WaveNet): WaveNetOptions {
  return {
    residualChannels: m.residualChannels, skipChannels: m.skipChannels, classes: m.classes,
    layersPerCycle: m.layersPerCycle, cycles: m.cycles, kernelSize: m.kernelSize, input: m.inputMode,
    ...(m.embedding !== null ? { embeddingDim: m.embedding.dim } : {}),
  };
}

function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}
