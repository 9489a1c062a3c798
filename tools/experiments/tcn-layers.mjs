#!/usr/bin/env node
// For issue 4 (the TCN's training step): the three convs of one training step — forward,
// input gradient (dx) and weight gradient (dw) — on the adding-problem TCN's layer shape (N 32,
// 24→24 channels, T 600, kernel 8, causal) at each of its dilations, on one backend (native by
// default). Prints the median ms of each and the GFLOP/s of the direct algorithm's flops.
//   npx tsc -p tsconfig.json && node tools/experiments/tcn-layers.mjs [threads] [reps] [native|wasm]
import { conv1d, convInputGrad, convWeightGrad, randn, setBackend, setThreads } from '../../dist/src/index.js';
import { timed } from './timing.mjs';

const threads = Number(process.argv[2] ?? 1);
const reps = Number(process.argv[3] ?? 21);
setThreads(threads);
const backend = process.argv[4] ?? 'native';
setBackend(backend);
const [N, C, T, K] = [32, 24, 600, 8];
const flops = 2 * N * C * C * K * T;
const x = randn([N, C, T], { seed: 1 });
const w = randn([C, C, K], { seed: 2 });
const dy = randn([N, C, T], { seed: 3 });
const totals = { forward: 0, dx: 0, dw: 0 };
console.log(`TCN layer N${N} ${C}→${C} T${T} k${K} causal, ${backend}, ${threads} thread(s), median of ${reps}:`);
for (const d of [1, 2, 4, 8, 16, 32, 64, 128]) {
  const args = { dilation: d, padding: [[d * (K - 1), 0]] };
  const ms = {
    forward: timed(() => conv1d(x, w, args), reps, 3),
    dx: timed(() => convInputGrad(x.shape, w, dy, args), reps, 3),
    dw: timed(() => convWeightGrad(x, w.shape, dy, args), reps, 3),
  };
  for (const k of Object.keys(totals)) totals[k] += ms[k];
  const cell = (k) => `${k} ${ms[k].toFixed(2)} ms (${(flops / ms[k] / 1e6).toFixed(0)} GFLOP/s)`;
  console.log(`  d${String(d).padEnd(4)} ${cell('forward')}  ${cell('dx')}  ${cell('dw')}`);
}
console.log(`  sum over the 8 dilations: forward ${totals.forward.toFixed(1)} ms, dx ${totals.dx.toFixed(1)} ms, dw ${totals.dw.toFixed(1)} ms`);
