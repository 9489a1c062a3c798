#!/usr/bin/env node
// GFLOP/s of the wasm kernels against the native AVX2 build, and % of each one's multiply-add peak,
// on two dilated layers. Run after `npx tsc -p .`:
//   node tools/wasm-gflops.mjs [--reps 7] [--threads 1,2] [--only wasm] [--json out.json]
// Reports the median (and min time) of `reps` timed runs after one warm-up run per kernel and
// thread count. The machine may be shared: compare medians, and rerun before trusting a gap.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { loadNative } from '../dist/src/kernels/native/loader.js';
import { convDesc } from '../dist/src/kernels/conv-desc.js';
import { wasmConvKernels } from '../dist/src/kernels/wasm/conv.js';
import { planConv } from '../dist/src/shape/plan-conv.js';
import { randn } from '../dist/src/tensor/tensor.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const reps = Number(arg('reps', '7'));
const threadList = arg('threads', '1,2').split(',').map(Number);
const peakSeconds = Number(arg('peak-seconds', '1'));
const only = arg('only', '');

const shapes = [
  { name: 'aspp2d', nd: 2, x: [1, 256, 65, 65], w: [256, 256, 3, 3], opts: { dilation: 12, padding: 12 } },
  { name: 'wavenet1d', nd: 1, x: [1, 64, 16000], w: [128, 64, 2], opts: { dilation: 256, padding: 'causal' } },
];

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const kernels = [];
const addon = loadNative();
if (addon?.isas().includes('avx2')) {
  kernels.push({
    id: 'native avx2',
    run: (plan, x, w, b, y, t) => addon.conv('avx2', convDesc(plan), x, w, b, y, t),
    peak: (t) => addon.peak('avx2', t, peakSeconds),
  });
}
for (const k of wasmConvKernels()) kernels.push({ id: `wasm ${k.isa}`, run: k.run, peak: (t) => k.peak(t, peakSeconds), close: k.close });

if (only) kernels.splice(0, kernels.length, ...kernels.filter((k) => k.id.includes(only)));
const rows = [];
const peaks = {};
for (const k of kernels) for (const t of threadList) peaks[`${k.id}/${t}`] = median([k.peak(t), k.peak(t), k.peak(t)]);

for (const s of shapes) {
  const x = randn(s.x, { seed: 1 }).data;
  const w = randn(s.w, { seed: 2 }).data;
  const b = randn([s.w[0]], { seed: 3 }).data;
  const plan = planConv(s.name, s.nd, s.x, s.w, [s.w[0]], s.opts);
  const y = new Float32Array(plan.outShape.reduce((a, n) => a * n, 1));
  const flops = 2 * y.length * (s.w[1] * s.w.slice(2).reduce((a, n) => a * n, 1));
  for (const k of kernels) {
    for (const t of threadList) {
      k.run(plan, x, w, b, y, t); // warm-up: starts workers, grows memory, tiers up the code
      const times = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        k.run(plan, x, w, b, y, t);
        times.push(performance.now() - t0);
      }
      const gflops = flops / (median(times) * 1e6);
      const peak = peaks[`${k.id}/${t}`];
      rows.push({ shape: s.name, kernel: k.id, threads: t, medianMs: median(times), minMs: Math.min(...times), gflops, peak, pctPeak: (100 * gflops) / peak });
    }
  }
}

console.log(`${os.cpus()[0].model}, ${os.availableParallelism()} threads available, Node ${process.version}, ${reps} runs each`);
console.log('peaks (GFLOP/s, median of 3):', Object.entries(peaks).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
console.log('shape      kernel        thr  median ms   min ms  GFLOP/s  % peak');
for (const r of rows) {
  console.log(
    `${r.shape.padEnd(10)} ${r.kernel.padEnd(13)} ${String(r.threads).padStart(3)} ${r.medianMs.toFixed(1).padStart(10)} ${r.minMs.toFixed(1).padStart(8)} ${r.gflops.toFixed(1).padStart(8)} ${r.pctPeak.toFixed(0).padStart(6)}%`,
  );
}
const out = arg('json', '');
if (out) writeFileSync(out, JSON.stringify({ node: process.version, cpu: os.cpus()[0].model, reps, peaks, rows }, null, 2));
await Promise.all(kernels.map((k) => k.close?.()));
