/** The training section of BENCHMARKS.md, kept between markers so the forward report can carry it over. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Environment } from '../env.js';
import { median } from '../measure.js';
import { BENCHMARKS_MD, REPO_ROOT } from '../report.js';
import type { TorchResult } from './peers.js';

export interface TrainResults {
  date: string;
  command: string;
  environment: Environment;
  kernel: string;
  steps: number;
  rounds: number;
  warmup: number;
  parameters: Record<string, number>;
  atrous: Record<number, Record<string, { times: number[]; losses: number[] }>>;
  torch: TorchResult | null;
  torchNote: string;
  tfjs: { backend: string; what: string; error: string }[];
}

export const TRAIN_START = '<!-- training-step section: written by bench/train/run.ts -->';
export const TRAIN_END = '<!-- end of training-step section -->';

export function renderTrainSection(r: TrainResults, source: string): string {
  const lines = [TRAIN_START, '', '## Training step (issue 4)', '',
    `Command: \`${r.command}\` · ${r.date.slice(0, 16).replace('T', ' ')} UTC · ${r.environment.cpuModel} · results: \`${source}\``, '',
    `One step = zeroGrad + forward + MSE + backward + Adam, float32, median of ${r.steps} steps in ${r.rounds} interleaved rounds after ${r.warmup} warm-up (atrous kernel ${r.kernel}); each atrous round is followed by a PyTorch round of the same steps (its own process and warm-up), so a slow spell of this shared VM lands on both.`,
    `tcn: the adding-problem TCN (8 levels, kernel 8, 24 channels, weight norm, T=600, batch 32, ${r.parameters.tcn} parameters); context: the basic context module (64 channels, 128x128, dilations 1,1,2,4,8,16,1, ${r.parameters.context} parameters). PyTorch builds the same models (bench/train/pytorch_step.py).`, '',
    '| model | threads | atrous ms | PyTorch ms | × PyTorch |', '|---|---|---|---|---|'];
  for (const name of ['tcn', 'context']) {
    for (const t of Object.keys(r.atrous)) {
      const ours = median(r.atrous[Number(t)][name].times);
      const theirs = r.torch?.threads[t]?.[`${name}_ms`] as number | undefined;
      lines.push(`| ${name} | ${t} | ${ours.toFixed(1)} | ${theirs === undefined ? r.torchNote || 'n/a' : theirs.toFixed(1)} | ${theirs === undefined ? '' : (theirs / ours).toFixed(2)} |`);
    }
  }
  lines.push('', '× PyTorch = PyTorch median ÷ atrous median (above 1: atrous is faster).');
  if (r.torch) lines.push(`PyTorch ${r.torch.torch_version} via ${r.torch.python}${r.torch.blas ? `, BLAS: ${JSON.stringify(r.torch.blas)}` : ''}.`);
  lines.push('', 'tfjs cannot run these steps; what it says when asked for the gradients:', '', '| backend | asked for | tfjs says |', '|---|---|---|');
  for (const p of r.tfjs) lines.push(`| ${p.backend} | ${p.what} | ${p.error ? p.error.replace(/\|/g, '\\|').replace(/\n/g, ' ') : 'ran'} |`);
  lines.push('', TRAIN_END);
  return lines.join('\n');
}

/** The training section of an existing BENCHMARKS.md, or '' (so a forward-only rerun keeps it). */
export function existingTrainSection(path = BENCHMARKS_MD): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(TRAIN_START);
  const b = text.indexOf(TRAIN_END);
  return a >= 0 && b > a ? text.slice(a, b + TRAIN_END.length) : '';
}

/** Replaces (or appends) the training section of BENCHMARKS.md; returns a one-line summary. */
export function writeTrainSection(r: TrainResults, resultsPath: string, path = BENCHMARKS_MD): string {
  const section = renderTrainSection(r, relative(REPO_ROOT, resultsPath));
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const current = existingTrainSection(path);
  const text = current ? old.replace(current, section) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
  return `updated the training section of ${relative(REPO_ROOT, path)}`;
}
