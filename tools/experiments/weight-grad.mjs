#!/usr/bin/env node
// For docs/RESULTS.md (training step): the conv weight gradient dw on each fast backend, the
// dedicated kernel (csrc/conv-wgrad.h) against the path used without one (the forward conv with x
// and dy as operands), on one TCN layer and one context-module layer; then whole training steps
// of bench/train's two models on the wasm backend with and without the dedicated kernel.
//   npx tsc -p tsconfig.json && node tools/experiments/weight-grad.mjs [threads]
import { convWeightGrad, randn, setBackend, setThreads } from '../../dist/src/index.js';
import { chooseConvKernel, convKernels } from '../../dist/src/kernels/registry.js';
import { makeTrainBenches } from '../../dist/bench/train/models.js';
import { timed } from './timing.mjs';

const threads = Number(process.argv[2] ?? 1);
setThreads(threads);
/** Runs `fn` with the chosen kernel's dedicated weight gradient removed, then puts it back. */
const withoutDedicated = (fn) => {
  const k = chooseConvKernel();
  const wg = k.weightGrad;
  delete k.weightGrad;
  try {
    return fn();
  } finally {
    k.weightGrad = wg;
  }
};

const layers = [
  { name: 'TCN layer (N32, 24→24, T600, k8, d16, causal)', x: [32, 24, 600], w: [24, 24, 8], args: { dilation: 16, padding: [[112, 0]] } },
  { name: 'context layer (64→64, 128x128, 3x3, d8)', x: [1, 64, 128, 128], w: [64, 64, 3, 3], args: { dilation: 8, padding: 8 } },
];
const backends = [...new Set(convKernels().map((k) => k.backend))].filter((b) => b !== 'ref');
console.log(`dw at ${threads} thread(s), median of 15 after 2 warm-up:`);
for (const backend of backends) {
  setBackend(backend);
  for (const l of layers) {
    const x = randn(l.x, { seed: 1 });
    const dy = randn([l.x[0], l.w[0], ...l.x.slice(2)], { seed: 2 });
    const run = () => convWeightGrad(x, l.w, dy, l.args);
    const fast = timed(run, 15, 2);
    const slow = withoutDedicated(() => timed(run, 15, 2));
    console.log(`  ${chooseConvKernel().id} ${l.name}: dedicated ${fast.toFixed(1)} ms, without ${slow.toFixed(1)} ms (${(slow / fast).toFixed(2)}x)`);
  }
}
setBackend('wasm');
console.log(`training step on ${chooseConvKernel().id}, ${threads} thread(s), median of 8 after 3 warm-up:`);
for (const b of makeTrainBenches()) {
  const fast = timed(() => b.step(), 8, 3);
  const slow = withoutDedicated(() => timed(() => b.step(), 8, 3));
  console.log(`  ${b.name}: ${fast.toFixed(0)} ms with the dedicated dw, ${slow.toFixed(0)} ms without`);
}
setBackend(null);
