import type { Command } from 'commander';
import { AtrousError } from '../errors.js';
import { DIGITS_DEFAULTS } from '../tasks/digits.js';
import { describeFiles, runDigits } from './digits-run.js';
import { parseInteger, parseList } from './parse.js';

function parseRate(v: string, flag: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new AtrousError('bad_argument', `${flag}: '${v}' is not a positive number`);
  return x;
}

/** `atrous train <task>`: train one of the shipped tasks with a progress bar; writes a run folder. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train a dilated network on data the package ships (task: digits), with a progress bar; Ctrl-C stops and saves.')
    .argument('<task>', 'digits: the dilated classifier on the 10,000 shipped digits (first 80% of each class train)')
    .option('--epochs <n>', 'passes over the training set', String(DIGITS_DEFAULTS.epochs))
    .option('--batch <n>', 'examples per step', String(DIGITS_DEFAULTS.batch))
    .option('--lr <rate>', 'peak learning rate (Adam, warm-up then cosine)', String(DIGITS_DEFAULTS.lr))
    .option('--threads <n>', 'kernel threads (default: all cores)')
    .option('--seed <n>', 'fixes init, data order and augmentation', String(DIGITS_DEFAULTS.seed))
    .option('--channels <n>', 'width of the network', '32')
    .option('--dilations <list>', 'one residual block per dilation', '1,3')
    .option('--out <dir>', 'output folder (default runs/digits-<time>)')
    .option('--steps <n>', 'stop after this many steps in all (a quick check)')
    .action(async (task: string, o: Record<string, string | undefined>) => {
      if (task !== 'digits') throw new AtrousError('bad_argument', `train: unknown task '${task}'; available: digits`);
      const { run, files } = await runDigits({
        epochs: parseInteger(o.epochs!, '--epochs'),
        batch: parseInteger(o.batch!, '--batch'),
        lr: parseRate(o.lr!, '--lr'),
        seed: parseInteger(o.seed!, '--seed'),
        threads: o.threads === undefined ? undefined : parseInteger(o.threads, '--threads'),
        model: { channels: parseInteger(o.channels!, '--channels'), dilations: parseList(o.dilations!, '--dilations') },
        out: o.out,
        maxSteps: o.steps === undefined ? undefined : parseInteger(o.steps, '--steps'),
      });
      process.stdout.write(`${run.stopped ? 'stopped early: ' : ''}test accuracy ${(100 * run.test.accuracy).toFixed(2)}% after ${run.seconds.toFixed(1)} s\n${describeFiles(files)}\n`);
    });
}
