#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { AtrousError } from '../index.js';
import { registerDemo } from './demo.js';
import { registerEval } from './eval.js';
import { registerExplain } from './explain.js';
import { formatError } from './fail.js';
import { registerGenerate } from './generate.js';
import { registerInfo } from './info.js';
import { registerRf } from './rf.js';
import { registerShape } from './shape.js';
import { registerTrain } from './train.js';

/**
 * The `atrous` command. User mistakes (an AtrousError from the library or the CLI's own parsing,
 * or a usage error from commander) print one `error [code]: message` line and exit 2, without a
 * stack trace; anything else is a bug in atrous and keeps its stack.
 */

// dist/src/cli/main.js → the package root, both in the repository and when installed.
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('atrous')
  .description('Dilated (atrous) convolutional networks: train and evaluate them on shipped data, generate audio, output shapes, receptive fields, a worked example, and which kernels run.')
  .version(pkg.version)
  .configureOutput({
    // commander's usage errors in the library's format, so every user error reads alike.
    outputError: (str, write) => write(str.replace(/^error: /, 'error [bad_argument]: ')),
  })
  .exitOverride();

registerExplain(program);
registerShape(program);
registerRf(program);
registerInfo(program);
registerTrain(program);
registerEval(program);
registerDemo(program);
registerGenerate(program);

// `atrous rf ... | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof AtrousError) {
    process.stderr.write(formatError(err));
    process.exitCode = 2;
  } else if (err instanceof CommanderError) {
    // commander has printed its message already; help and --version exit 0.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    throw err;
  }
}
