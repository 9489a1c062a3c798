/**
 * The streaming benchmark (issue 6):
 *   npm run bench:stream -- [--steps N] [--recompute N] [--rounds N]
 * One step of a 30-layer WaveNet (R = S = 64, 256 classes, dilations 1..512 three times, one-hot
 * input) through `stream()`, timed step by step on one core (median, p90, steps/s) with the SIMD
 * kernel, the plain-loop kernel and the Tensor `step()` API, against what a step costs without
 * streaming: the full forward over the receptive field (3071 steps of input) for each new sample,
 * on the native conv kernel with one thread. Rounds interleave the contenders so a noisy spell hits
 * them all. Saves bench/results/stream-<date>.json and writes bench/STREAMING.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { activeBackend, manualSeed, noGrad, Rng, setThreads, stream, type StreamRunner, Tensor, tensor, WaveNet } from '../../src/index.js';
import { environment } from '../env.js';
import { startLoadProbe } from '../load.js';
import { REPO_ROOT } from '../report.js';
import { renderStreaming, type StreamResults, type Timing } from './report.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '3000' }, recompute: { type: 'string', default: '8' }, rounds: { type: 'string', default: '4' } } });
const steps = Number(values.steps);
const recomputes = Number(values.recompute);
const rounds = Number(values.rounds);
if (![steps, recomputes, rounds].every((v) => Number.isInteger(v) && v >= 1) || steps < rounds || recomputes < rounds) {
  console.error('usage: npm run bench:stream -- [--steps N] [--recompute N] [--rounds N]  (each ≥ rounds ≥ 1)');
  process.exit(2);
}
const command = `npm run bench:stream -- --steps ${steps} --recompute ${recomputes} --rounds ${rounds}`;

const CONFIG = { residualChannels: 64, skipChannels: 64, classes: 256, layersPerCycle: 10, cycles: 3 } as const;
manualSeed(0);
const net = new WaveNet(CONFIG).eval();
const RF = net.receptiveField;
setThreads(1); // one core for the recompute; streaming is single-threaded anyway
const rng = new Rng(1);
const codes = Float32Array.from({ length: RF + 100_000 }, () => rng.int(0, 255));

interface Contender {
  name: string;
  note: string;
  samples: number[];
  /** Runs `n` timed units from position `at` of the code sequence; pushes one time per unit. */
  run: (n: number, samples: number[]) => void;
}

/** A runner already fed the first RF codes (a warm stream), stepping on from there. */
function streamed(kernel: 'wasm' | 'js', api: 'stepInto' | 'step'): Contender {
  const runner: StreamRunner = stream(net, { kernel });
  let t = 0;
  const out = new Float32Array(CONFIG.classes);
  const frame = new Float32Array(1);
  const one = (): void => {
    frame[0] = codes[t];
    if (api === 'stepInto') runner.stepInto(frame, out);
    else runner.step(tensor([[codes[t]]]));
    t++;
  };
  for (let i = 0; i < RF; i++) one(); // fills every queue, and warms up the JIT
  return {
    name: `stream ${kernel} ${api}()`,
    note: api === 'stepInto'
      ? `\`runner.stepInto(frame, out)\` on raw Float32Arrays, ${kernel === 'wasm' ? 'WebAssembly SIMD (f32x4) matrix-vector products' : 'plain typed-array loops (float64 sums)'}`
      : '`runner.step(tensor([[code]]))`: the Tensor API, one small allocation per step',
    samples: [],
    run: (n, samples) => {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        one();
        samples.push(performance.now() - t0);
      }
    },
  };
}

/** No streaming: the forward of the last RF inputs, keeping only the newest output. */
function recompute(): Contender {
  let t = RF;
  return {
    name: 'recompute forward',
    note: `\`net.forward(x)\` on the last ${RF} codes (the receptive field) for each new sample, ${activeBackend().kernel}, 1 thread`,
    samples: [],
    run: (n, samples) => {
      for (let i = 0; i < n; i++) {
        const x = new Tensor(codes.slice(t - RF + 1, t + 1), [1, RF]);
        const t0 = performance.now();
        noGrad(() => net.forward(x));
        samples.push(performance.now() - t0);
        t++;
      }
    },
  };
}

/** The streamed output at step t equals the recompute's last column (a sanity check of the numbers). */
function agreement(): number {
  const runner = stream(net);
  const T = RF + 50;
  const y = runner.push(new Tensor(codes.slice(0, T), [1, 1, T]));
  const full = noGrad(() => net.forward(new Tensor(codes.slice(T - RF, T), [1, RF])));
  let e = 0;
  for (let c = 0; c < CONFIG.classes; c++) e = Math.max(e, Math.abs(y.data[c * T + T - 1] - full.data[c * RF + RF - 1]));
  return e;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};
const timing = (c: Contender): Timing => {
  const mean = c.samples.reduce((a, b) => a + b, 0) / c.samples.length;
  return { name: c.name, note: c.note, n: c.samples.length, medianMs: quantile(c.samples, 0.5), p90Ms: quantile(c.samples, 0.9), meanMs: mean, perSecond: 1000 / mean };
};

console.log(`WaveNet ${JSON.stringify(CONFIG)}: ${net.numParameters()} parameters, receptive field ${RF}`);
const maxDiff = agreement();
console.log(`agreement: streamed step vs recomputed forward, max |Δ| = ${maxDiff.toExponential(2)}`);
const contenders = [streamed('wasm', 'stepInto'), streamed('js', 'stepInto'), streamed('wasm', 'step'), recompute()];
const stepsOf = (c: Contender) => (c.name.startsWith('stream') ? steps : recomputes);
contenders.at(-1)!.run(1, []); // warm-up
const probe = startLoadProbe();
const started = new Date();
for (let r = 0; r < rounds; r++) {
  for (const c of contenders) {
    const total = stepsOf(c);
    const n = Math.floor(total / rounds) + (r < total % rounds ? 1 : 0);
    c.run(n, c.samples);
    console.log(`  round ${r + 1}/${rounds} ${c.name}: median so far ${quantile(c.samples, 0.5).toFixed(4)} ms`);
  }
}
const load = probe();
const results: StreamResults = {
  date: started.toISOString(), command, environment: environment(), model: { ...CONFIG, parameters: net.numParameters(), receptiveField: RF },
  rounds, agreementMaxAbs: maxDiff, load, timings: contenders.map(timing),
};
const best = results.timings[0];
const slow = results.timings.at(-1)!;
console.log(`\nstream (wasm): median ${best.medianMs.toFixed(3)} ms, p90 ${best.p90Ms.toFixed(3)} ms, ${best.perSecond.toFixed(0)} steps/s; recompute median ${slow.medianMs.toFixed(1)} ms: ${(slow.medianMs / best.medianMs).toFixed(0)}x`);

const dir = resolve(REPO_ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = resolve(dir, `stream-${results.date.slice(0, 10)}.json`);
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
const md = resolve(REPO_ROOT, 'bench/STREAMING.md');
writeFileSync(md, renderStreaming(results, relative(REPO_ROOT, file)));
console.log(`wrote ${relative(REPO_ROOT, file)} and ${relative(REPO_ROOT, md)}`);
