import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setThreads } from '../kernels/registry.js';
import { chartsPng } from '../plot/line-chart.js';
import { confusionPng } from '../plot/heatmap.js';
import { receptiveFieldPng } from '../plot/receptive-field-map.js';
import { type ClassifierRun, type ImageDataset, type ImageTrainOptions, trainImageClassifier } from '../tasks/image-classifier.js';
import { defaultRunDir, progressBar, smooth, withCtrlC } from './run-support.js';

/** Where a run writes, and what it wrote. */
export interface RunFiles {
  dir: string;
  checkpoint: string;
  log: string;
  curves: string;
  confusion: string;
  receptiveField?: string;
}

/** How the pictures and messages name each dataset's test images, and which class the receptive-field picture shows first. */
const DATASET_WORDS: Record<ImageDataset, { test: string; rfClass: number }> = {
  digits: { test: 'TEST DIGITS', rfClass: 7 },
  fashion: { test: 'TEST FASHION-MNIST', rfClass: 9 }, // an ankle boot
};

/**
 * Trains the dilated image classifier with a progress bar (step, loss, accuracy, examples/s, ETA), stops
 * cleanly on Ctrl-C (the current step finishes, then everything is saved), and writes the
 * checkpoint, a JSON log, the curves, the confusion matrix and (optionally) the receptive field.
 */
export async function runClassifier(opts: ImageTrainOptions & { threads?: number; out?: string; receptiveField?: boolean }): Promise<{ run: ClassifierRun; files: RunFiles }> {
  if (opts.threads !== undefined) setThreads(opts.threads);
  const dataset = opts.dataset ?? 'digits';
  // Where to write and how many threads are this command's business, not the run's options (the log keeps those).
  const { threads: _threads, out: _out, receptiveField: _rf, ...trainOptions } = opts;
  const words = DATASET_WORDS[dataset];
  const dir = resolve(opts.out ?? defaultRunDir(dataset));
  mkdirSync(dir, { recursive: true });
  const bar = progressBar(`train ${dataset} |{bar}| {percentage}% | step {value}/{total} | epoch {epoch} | loss {loss} | acc {acc} | {eps} ex/s | ETA {eta_formatted}`);
  let started = false;
  const run = await withCtrlC(async (stopped) => {
    try {
      return await trainImageClassifier(trainOptions, {
        shouldStop: stopped,
        onStep: (s) => {
          const payload = { epoch: s.epoch, loss: s.loss.toFixed(4), acc: (100 * s.accuracy).toFixed(1) + '%', eps: Math.round(s.examplesPerSecond) };
          if (!started) {
            bar.start(s.steps, 0, payload);
            started = true;
          }
          bar.update(s.step, payload);
        },
        onEpoch: (e) => {
          bar.stop();
          started = false;
          process.stdout.write(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, train acc ${(100 * e.trainAccuracy).toFixed(2)}%, test loss ${e.testLoss.toFixed(4)}, test acc ${(100 * e.testAccuracy).toFixed(2)}% (${e.seconds.toFixed(1)} s)\n`);
        },
      });
    } finally {
      if (started) bar.stop();
    }
  });
  const files: RunFiles = {
    dir,
    checkpoint: join(dir, 'model.safetensors'),
    log: join(dir, 'log.json'),
    curves: join(dir, 'curves.png'),
    confusion: join(dir, 'confusion.png'),
  };
  await run.model.save(files.checkpoint, { config: { task: dataset, model: run.options.model }, metadata: { format: `atrous-${dataset}-v1` } });
  writeFileSync(files.log, JSON.stringify({ task: dataset, options: run.options, stopped: run.stopped, seconds: run.seconds, test: run.test, history: run.history, steps: run.steps }, null, 1) + '\n');
  const pct = (v: number) => 100 * v;
  const epochs = run.history;
  writeFileSync(files.curves, chartsPng([
    {
      title: 'LOSS', xLabel: 'STEP', yLabel: 'CROSS-ENTROPY', logY: true,
      series: [
        { name: 'TRAIN (STEP)', points: smooth(run.steps.map((s) => [s.step, s.loss] as [number, number]), 20) },
        { name: 'TEST (EPOCH)', points: epochs.map((e) => [e.step, e.testLoss] as [number, number]), dots: true },
      ],
    },
    {
      title: 'ACCURACY %', xLabel: 'EPOCH', yLabel: 'PERCENT',
      series: [
        { name: 'TRAIN', points: epochs.map((e) => [e.epoch, pct(e.trainAccuracy)] as [number, number]), dots: true },
        { name: 'TEST', points: epochs.map((e) => [e.epoch, pct(e.testAccuracy)] as [number, number]), dots: true },
      ],
    },
  ]));
  writeFileSync(files.confusion, confusionPng(run.test.confusion, `${words.test}: ${pct(run.test.accuracy).toFixed(2)}% CORRECT`));
  if (opts.receptiveField !== false) {
    const test = run.testSet;
    // One image of the chosen class first, then 63 more test images for the average.
    const plane = test.height * test.width;
    const i = Math.max(0, Array.from(test.labels).indexOf(words.rfClass));
    const images = new Float32Array(64 * plane);
    images.set(test.images.subarray(i * plane, (i + 1) * plane));
    images.set(test.images.subarray(0, 63 * plane), plane);
    files.receptiveField = join(dir, 'receptive-field.png');
    writeFileSync(files.receptiveField, receptiveFieldPng(run.model, images, test.height, test.width, 'WHAT ONE FEATURE OF THE LAST LAYER SEES').png);
  }
  return { run, files };
}

export function describeFiles(files: RunFiles): string {
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  return [
    `wrote ${rel(files.dir)}/:`,
    `  ${rel(files.checkpoint)}   checkpoint (safetensors; loads in PyTorch with safetensors.torch.load_file)`,
    `  ${rel(files.log)}          options, per-epoch metrics, every step's loss`,
    `  ${rel(files.curves)}        training and test curves`,
    `  ${rel(files.confusion)}     confusion matrix on the test images`,
    ...(files.receptiveField ? [`  ${rel(files.receptiveField)}   the network's receptive field over a test image`] : []),
  ].join('\n');
}
