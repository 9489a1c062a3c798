#!/usr/bin/env node
// One TCN training step (bench/train's adding-problem model) timed alone: 5 warm-up steps, then
// the median and minimum of N. Run from a checkout's root (its dist/ and its native addon).
//   node tools/experiments/tcn-step.mjs [threads] [steps]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const { makeTrainBenches } = await import(pathToFileURL(resolve(root, 'dist/bench/train/models.js')).href);
const { setThreads } = await import(pathToFileURL(resolve(root, 'dist/src/index.js')).href);
const threads = Number(process.argv[2] ?? 2);
const n = Number(process.argv[3] ?? 16);
setThreads(threads);
const [tcn] = makeTrainBenches();
for (let i = 0; i < 5; i++) tcn.step();
const times = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  tcn.step();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`${threads}T median ${times[n >> 1].toFixed(1)} ms, min ${times[0].toFixed(1)} ms`);
