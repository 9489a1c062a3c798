import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { AtrousError } from '../errors.js';
import { DilatedClassifier, type DilatedClassifierOptions } from '../models/dilated-classifier.js';
import { confusionPng } from '../plot/heatmap.js';
import { evaluateClassifier, type ImageDataset, loadImageDataset } from '../tasks/image-classifier.js';

/** `atrous eval <checkpoint>`: test accuracy and confusion matrix of a saved digits or fashion model. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Evaluate a checkpoint written by `atrous train digits|fashion` / `atrous demo` on its held-out test images.')
    .argument('<checkpoint>', 'a model.safetensors from a run folder')
    .option('--data <dir>', 'fashion: the folder with the four IDX files (default $ATROUS_FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist)')
    .action(async (path: string, o: { data?: string }) => {
      const probe = new DilatedClassifier(10);
      const { loadSafetensors } = await import('../io/checkpoint-file.js');
      const { metadata } = await loadSafetensors(path);
      let config: { task?: ImageDataset; model?: DilatedClassifierOptions } = {};
      try {
        config = JSON.parse(metadata.config ?? '{}');
      } catch {
        throw new AtrousError('bad_file', `eval: ${path} has no readable 'config' metadata; was it written by atrous train?`);
      }
      if (config.task !== 'digits' && config.task !== 'fashion') throw new AtrousError('bad_file', `eval: ${path} is not an image classifier's checkpoint (config task: ${String(config.task)}; expected digits or fashion)`);
      const model = config.model ? new DilatedClassifier(10, config.model) : probe;
      await model.load(path);
      const { test } = loadImageDataset(config.task, o.data);
      const ev = evaluateClassifier(model, test);
      const out = join(dirname(path), 'confusion-eval.png');
      writeFileSync(out, confusionPng(ev.confusion, `TEST ${config.task === 'digits' ? 'DIGITS' : 'FASHION-MNIST'}: ${(100 * ev.accuracy).toFixed(2)}% CORRECT`));
      const rows = ev.confusion.map((r, i) => `  ${i}: ${r.map((v) => String(v).padStart(4)).join('')}`);
      process.stdout.write(
        `test accuracy ${(100 * ev.accuracy).toFixed(2)}% (${Math.round(ev.accuracy * test.count)}/${test.count}), mean loss ${ev.loss.toFixed(4)}\n` +
          `confusion (rows: true class, columns: predicted 0..9):\n${rows.join('\n')}\nwrote ${relative(process.cwd(), out)}\n`,
      );
    });
}
