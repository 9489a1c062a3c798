import type { Command } from 'commander';
import { AtrousError } from '../errors.js';
import { DIGITS_DEFAULTS, FASHION_DEFAULTS } from '../tasks/image-classifier.js';
import { TONES_DEFAULTS } from '../tasks/tones.js';
import { describeFiles, runClassifier } from './classifier-run.js';
import { parseInteger, parseList } from './parse.js';
import { describeTonesFiles, runTones } from './tones-run.js';

function parseRate(v: string, flag: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new AtrousError('bad_argument', `${flag}: '${v}' is not a positive number`);
  return x;
}

/** `atrous train <task>`: train one of the shipped tasks with a progress bar; writes a run folder. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train a dilated network (task: digits, fashion, tones), with a progress bar; Ctrl-C stops and saves.')
    .argument('<task>', "digits: the dilated classifier on the 10,000 shipped digits (first 80% of each class train); fashion: the same on Fashion-MNIST's 60,000/10,000 (Debian's dataset-fashion-mnist); tones: a WaveNet on a synthesized 8 kHz melody (for atrous generate audio)")
    .option('--epochs <n>', `digits, fashion: passes over the training set (default ${DIGITS_DEFAULTS.epochs} / ${FASHION_DEFAULTS.epochs})`)
    .option('--batch <n>', `images (default ${DIGITS_DEFAULTS.batch}) or audio crops (tones, default ${TONES_DEFAULTS.batch}) per step`)
    .option('--crop <n>', `tones: samples per crop (default ${TONES_DEFAULTS.crop})`)
    .option('--lr <rate>', `peak learning rate (Adam, warm-up then cosine; digits/fashion ${DIGITS_DEFAULTS.lr}, tones ${TONES_DEFAULTS.lr})`)
    .option('--threads <n>', 'kernel threads (default: all cores)')
    .option('--seed <n>', 'fixes init, data order and augmentation', '1')
    .option('--channels <n>', 'digits, fashion: width of the network', '32')
    .option('--dilations <list>', 'digits, fashion: one residual block per dilation', '1,3')
    .option('--data <dir>', 'fashion: the folder with the four IDX files (default $ATROUS_FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist)')
    .option('--out <dir>', 'output folder (default runs/<task>-<time>)')
    .option('--steps <n>', `stop after this many steps in all (digits, fashion: a quick check; tones: the run's length, default ${TONES_DEFAULTS.steps})`)
    .action(async (task: string, o: Record<string, string | undefined>) => {
      const int = (flag: string, v: string | undefined) => (v === undefined ? undefined : parseInteger(v, flag));
      const threads = int('--threads', o.threads);
      const seed = parseInteger(o.seed!, '--seed');
      const lr = o.lr === undefined ? undefined : parseRate(o.lr, '--lr');
      if (task === 'tones') {
        const { run, files } = await runTones({ steps: int('--steps', o.steps), batch: int('--batch', o.batch), crop: int('--crop', o.crop), lr, seed, threads, out: o.out });
        const last = run.history.at(-1);
        process.stdout.write(`${run.stopped ? 'stopped early: ' : ''}held-out loss ${last?.validLoss.toFixed(4) ?? '?'} nats per sample (uniform guess: ${Math.log(256).toFixed(4)}) after ${run.seconds.toFixed(1)} s\n${describeTonesFiles(files)}\n`);
        return;
      }
      if (task !== 'digits' && task !== 'fashion') throw new AtrousError('bad_argument', `train: unknown task '${task}'; available: digits, fashion, tones`);
      const { run, files } = await runClassifier({
        dataset: task,
        dataDir: o.data,
        epochs: int('--epochs', o.epochs),
        batch: int('--batch', o.batch),
        lr,
        seed,
        threads,
        model: { channels: parseInteger(o.channels!, '--channels'), dilations: parseList(o.dilations!, '--dilations') },
        out: o.out,
        maxSteps: int('--steps', o.steps),
      });
      process.stdout.write(`${run.stopped ? 'stopped early: ' : ''}test accuracy ${(100 * run.test.accuracy).toFixed(2)}% after ${run.seconds.toFixed(1)} s\n${describeFiles(files)}\n`);
    });
}
