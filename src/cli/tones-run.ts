import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setThreads } from '../kernels/registry.js';
import { chartsPng } from '../plot/line-chart.js';
import { TONES_MELODY, TONES_SAMPLE_RATE, type TonesRun, type TonesTrainOptions, trainTones } from '../tasks/tones.js';
import { defaultRunDir, progressBar, smooth, withCtrlC } from './run-support.js';

/** Where a tones run writes. */
export interface TonesFiles {
  dir: string;
  checkpoint: string;
  log: string;
  curves: string;
}

/** The checkpoint's `metadata.format`, checked by `atrous generate audio --checkpoint`. */
export const TONES_FORMAT = 'atrous-tones-v1';

/**
 * Trains the tone WaveNet with a progress bar (step, loss, samples/s, ETA), stops cleanly on
 * Ctrl-C, and writes the checkpoint (config and sample rate in its metadata), a JSON log and the
 * loss curves into `out` (default runs/tones-<time>).
 */
export async function runTones(opts: TonesTrainOptions & { threads?: number; out?: string }): Promise<{ run: TonesRun; files: TonesFiles }> {
  if (opts.threads !== undefined) setThreads(opts.threads);
  const dir = resolve(opts.out ?? defaultRunDir('tones'));
  mkdirSync(dir, { recursive: true });
  const bar = progressBar('train tones |{bar}| {percentage}% | step {value}/{total} | loss {loss} | {sps} samples/s | ETA {eta_formatted}');
  let started = false;
  const run = await withCtrlC(async (stopped) => {
    try {
      return await trainTones(opts, {
        shouldStop: stopped,
        onStep: (s) => {
          const payload = { loss: s.loss.toFixed(4), sps: Math.round(s.samplesPerSecond) };
          if (!started) {
            bar.start(s.steps, s.step - 1, payload);
            started = true;
          }
          bar.update(s.step, payload);
        },
        onEval: (e) => {
          if (started) bar.stop();
          started = false;
          process.stdout.write(`step ${e.step}: train loss ${e.trainLoss.toFixed(4)}, held-out loss ${e.validLoss.toFixed(4)}, held-out next-sample accuracy ${(100 * e.validAccuracy).toFixed(1)}% (${e.seconds.toFixed(1)} s)\n`);
        },
      });
    } finally {
      if (started) bar.stop();
    }
  });
  const files: TonesFiles = { dir, checkpoint: join(dir, 'model.safetensors'), log: join(dir, 'log.json'), curves: join(dir, 'curves.png') };
  await run.model.save(files.checkpoint, {
    config: { task: 'tones', model: run.options.model, sampleRate: TONES_SAMPLE_RATE, melody: TONES_MELODY },
    metadata: { format: TONES_FORMAT },
  });
  writeFileSync(files.log, JSON.stringify({ task: 'tones', options: run.options, stopped: run.stopped, seconds: run.seconds, history: run.history, steps: run.steps }, null, 1) + '\n');
  writeFileSync(files.curves, chartsPng([
    {
      title: 'LOSS (NATS PER SAMPLE)', xLabel: 'STEP', yLabel: 'CROSS-ENTROPY',
      series: [
        { name: 'TRAIN (STEP)', points: smooth(run.steps.map((s) => [s.step, s.loss] as [number, number]), 10) },
        { name: 'HELD-OUT', points: run.history.map((e) => [e.step, e.validLoss] as [number, number]), dots: true },
      ],
    },
    {
      title: 'NEXT-SAMPLE ACCURACY %', xLabel: 'STEP', yLabel: 'PERCENT',
      series: [{ name: 'HELD-OUT', points: run.history.map((e) => [e.step, 100 * e.validAccuracy] as [number, number]), dots: true }],
    },
  ]));
  return { run, files };
}

/** The files of a tones run, one per line, for the CLI's report. */
export function describeTonesFiles(files: TonesFiles): string {
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  return [
    `wrote ${rel(files.dir)}/:`,
    `  ${rel(files.checkpoint)}   checkpoint (safetensors, config in its metadata; atrous generate audio --checkpoint ${rel(files.checkpoint)})`,
    `  ${rel(files.log)}          options, held-out loss per evaluation, every step's loss`,
    `  ${rel(files.curves)}        training and held-out curves`,
  ].join('\n');
}
