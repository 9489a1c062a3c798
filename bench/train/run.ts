/**
 * The training-step benchmark (issue 4):
 *   npm run bench:train -- [--steps N] [--threads 1,2] [--no-torch]
 * Median wall time of one training step (zeroGrad + forward + MSE + backward + Adam) of the
 * adding-problem TCN and the context module (bench/train/models.ts), atrous at each thread count,
 * the same models in PyTorch (bench/train/pytorch_step.py, same steps and thread counts), and what
 * tfjs says when asked for these gradients. Timed steps are split into rounds that interleave
 * thread counts and models, after warm-up; each of atrous's rounds is followed by a PyTorch round
 * in a subprocess (the two never share the cores), so a slow spell of this shared machine lands on
 * both sides rather than on one.
 * Saves bench/results/train-<date>T<hhmm>-<cpu>.json (T<hhmmss> if that minute's name is taken) and
 * rewrites the training section of BENCHMARKS.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getThreads, setThreads, activeBackend } from '../../src/index.js';
import { cpuSlug, environment } from '../env.js';
import { median } from '../measure.js';
import { REPO_ROOT } from '../report.js';
import { makeTrainBenches } from './models.js';
import { findTorchPython, mergeTorchRounds, probeTfjs, runTorchRound, type TorchResult } from './peers.js';
import { writeTrainSection, type TrainResults } from './report.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '20' }, threads: { type: 'string', default: '1,2' }, 'no-torch': { type: 'boolean', default: false } } });
const steps = Number(values.steps);
const threads = values.threads!.split(',').map(Number);
if (!Number.isInteger(steps) || steps < 4 || threads.some((t) => !Number.isInteger(t) || t < 1)) {
  console.error('usage: npm run bench:train -- [--steps N ≥ 4] [--threads 1,2] [--no-torch]');
  process.exit(2);
}
const ROUNDS = 4;
const WARMUP = 3;

const benches = makeTrainBenches();
const atrous: TrainResults['atrous'] = {};
const defaultThreads = getThreads();
for (const t of threads) {
  atrous[t] = {};
  for (const b of benches) atrous[t][b.name] = { times: [], losses: [] };
}
console.log(`atrous ${activeBackend().kernel}: ${steps} steps per model and thread count (${ROUNDS} interleaved rounds, ${WARMUP} warm-up)`);
for (const t of threads) {
  setThreads(t);
  for (const b of benches) for (let i = 0; i < WARMUP; i++) b.step();
}
const python = values['no-torch'] ? null : findTorchPython();
const torchNote = python ? '' : values['no-torch'] ? 'skipped (--no-torch)' : 'skipped: no Python here imports torch (apt-get install python3-torch, or set ATROUS_TORCH_PYTHON)';
if (python) console.log(`PyTorch (${python} bench/train/pytorch_step.py) runs the same steps and threads after each round`);
else console.log(`PyTorch ${torchNote}`);
const torchRounds: TorchResult[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const n = Math.floor(steps / ROUNDS) + (r < steps % ROUNDS ? 1 : 0);
  for (const t of threads) {
    setThreads(t);
    for (const b of benches) {
      const rec = atrous[t][b.name];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        rec.losses.push(b.step());
        rec.times.push(performance.now() - t0);
      }
      console.log(`  round ${r + 1}/${ROUNDS} ${t}T ${b.name}: median so far ${median(rec.times).toFixed(1)} ms (loss ${rec.losses.at(-1)!.toPrecision(4)})`);
    }
  }
  if (python && n > 0) torchRounds.push(runTorchRound(python, n, threads));
}
setThreads(defaultThreads);
const torch = torchRounds.length ? mergeTorchRounds(torchRounds) : null;
const tfjs = await probeTfjs();

const env = environment();
const date = new Date().toISOString();
const results: TrainResults = {
  date, command: `npm run bench:train -- --steps ${steps} --threads ${threads.join(',')}`, environment: env, kernel: activeBackend().kernel,
  steps, rounds: ROUNDS, warmup: WARMUP, parameters: Object.fromEntries(benches.map((b) => [b.name, b.parameters])), atrous, torch, torchNote, tfjs,
};
const dir = resolve(REPO_ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
// One file per run (date and minute in the name, and the seconds too where a run of the same
// minute is there already: two runs ending in one minute had kept only the second), so the runs
// docs/RESULTS.md compares are all kept.
const named = (stamp: string) => resolve(dir, `train-${stamp}-${cpuSlug(env.cpuModel)}.json`);
const minute = named(date.slice(0, 16).replace(':', ''));
const file = existsSync(minute) ? named(date.slice(0, 19).replace(/:/g, '')) : minute;
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${file}`);
console.log(writeTrainSection(results, file));
