import { availableParallelism, cpus } from 'node:os';
import type { Command } from 'commander';
import { activeBackend, backendReport } from '../kernels/registry.js';

/**
 * `atrous info`: which kernels this install can run and which one calls will use — the first
 * thing to look at when atrous is slower than expected (say, the native addon was not built).
 */
export function infoText(): string {
  const active = activeBackend();
  const lines = [
    `node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores`,
    '',
    'backends, in the order atrous tries them:',
    ...backendReport().map(({ backend, kernels, reason }) =>
      `  ${backend.padEnd(7)} ${kernels.length ? kernels.join(', ') : `unavailable: ${reason}`}`,
    ),
    '',
    `float32 calls use ${active.kernel} (${active.backend}) with ${active.threads} thread(s); float64 always uses the reference.`,
    'Pin a backend with ATROUS_BACKEND=native|wasm|ref or setBackend().',
  ];
  return lines.join('\n') + '\n';
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show which kernels (native, wasm, reference) this install can run and which one is used.')
    .action(() => {
      process.stdout.write(infoText());
    });
}
