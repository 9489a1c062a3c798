import type { Command } from 'commander';
import { describeFiles, runClassifier } from './classifier-run.js';

/**
 * `atrous demo`: the main job, with no options — train the dilated digit classifier on the shipped
 * digits (about a minute on two cores), print the test accuracy, and draw the curves, the
 * confusion matrix and the receptive field over a digit.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Train the dilated digit classifier on the shipped digits (about a minute on 2 cores) and draw what it learned.')
    .option('--out <dir>', 'output folder (default runs/digits-<time>)')
    .action(async (o: { out?: string }) => {
      process.stdout.write('atrous demo: a dilated residual network (3x3 convs at dilations 1 and 3 after one stride-2 conv) learns the 7,996 training digits; 2,004 held-out digits test it.\n');
      const { run, files } = await runClassifier({ dataset: 'digits', out: o.out });
      const last = run.history.at(-1);
      process.stdout.write(
        `\n${run.stopped ? 'stopped early: ' : ''}test accuracy ${(100 * run.test.accuracy).toFixed(2)}% on ${run.test.confusion.flat().reduce((a, b) => a + b, 0)} held-out digits` +
          ` after ${run.seconds.toFixed(1)} s (${run.history.length} epochs${last ? `, final train accuracy ${(100 * last.trainAccuracy).toFixed(2)}%` : ''})\n` +
          `receptive field of one feature: ${run.model.receptiveField}x${run.model.receptiveField} input pixels; parameters: ${run.model.numParameters()}\n${describeFiles(files)}\n`,
      );
    });
}
