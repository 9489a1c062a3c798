#!/usr/bin/env node
// The segmentation experiment of docs/experiments/segmentation.md: one front end, four heads
// (none, context module with identity init, context module with random init, ASPP), the same
// data, budget and seed, scored by mean IoU on test canvases made from unseen digits.
//
//   npx tsc -p tsconfig.json && node tools/experiments/segmentation.mjs [options]
//
// Protocol A trains each head jointly from scratch for --epochs; protocol B (Yu & Koltun's two
// stages) takes A's trained front end and trains --stage2-epochs more with the front end alone or
// with a context module (identity / random init) on top.
// Options (defaults in brackets): --heads a,b,... [all four] --epochs [4] --stage2-epochs [2]
// --stage2-lr [same as --lr] --save-stage1 file / --load-stage1 file (A's trained front end as
// safetensors: loading it skips protocol A, for more stage-2 runs from the same front end)
// --train [1600] --test [500] --batch [16] --lr [0.01] --seed [0] --data-seed [0] --threads [2]
// --width [16] --out results.json [tools/experiments/results/segmentation.json]. Runs dist/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activeBackend, loadDigitCanvases, SEGMENTATION_HEADS, SegmentationNet, setThreads, trainSegmentation } from '../../dist/src/index.js';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = {
    heads: [...SEGMENTATION_HEADS], epochs: 4, stage2Epochs: 2, stage2Lr: null, saveStage1: null, loadStage1: null, train: 1600, test: 500, batch: 16, lr: 1e-2, seed: 0, dataSeed: 0, threads: 2, width: 16,
    out: join(here, 'results', 'segmentation.json'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value for ${argv[i]}`);
    if (key === 'heads') o.heads = v.split(',');
    else if (key === 'out') o.out = v;
    else if (key === 'data-seed') o.dataSeed = Number(v);
    else if (key === 'stage2-epochs') o.stage2Epochs = Number(v);
    else if (key === 'stage2-lr') o.stage2Lr = Number(v);
    else if (key === 'save-stage1') o.saveStage1 = v;
    else if (key === 'load-stage1') o.loadStage1 = v;
    else if (key in o) o[key] = Number(v);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

const o = parseArgs(process.argv.slice(2));
setThreads(o.threads);
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
  backend: activeBackend(), threads: o.threads,
};
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; kernel ${machine.backend.kernel}, ${o.threads} threads`);

let t0 = performance.now();
const data = loadDigitCanvases({ train: o.train, test: o.test, seed: o.dataSeed });
console.log(`data: ${o.train} train / ${o.test} test canvases 56x56 in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

function run(label, opts) {
  const t = performance.now();
  let lastPrint = 0;
  const result = trainSegmentation({ data, batchSize: o.batch, lr: o.lr, seed: o.seed, width: o.width, ...opts }, (p) => {
    const now = performance.now();
    if (now - lastPrint > 2000 || p.step === p.steps) {
      lastPrint = now;
      const bar = '#'.repeat(Math.round((30 * p.step) / p.steps)).padEnd(30, '.');
      process.stderr.write(`\r${label.padEnd(28)} [${bar}] ${p.step}/${p.steps} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)} ${p.seconds.toFixed(0)} s `);
    }
  });
  const wall = (performance.now() - t) / 1000;
  process.stderr.write('\n');
  const m = result.metrics;
  for (const h of result.history) console.log(`  ${label} epoch ${h.epoch}: loss ${h.loss.toFixed(4)}, test mIoU ${h.testMeanIoU.toFixed(4)}, pixel acc ${h.testPixelAccuracy.toFixed(4)}`);
  console.log(`${label}: mIoU ${m.meanIoU.toFixed(4)}, pixel acc ${m.pixelAccuracy.toFixed(4)}, ${m.parameters} params, ${m.steps} steps, train ${m.trainSeconds.toFixed(1)} s (${((1000 * m.trainSeconds) / m.steps).toFixed(0)} ms/step), wall ${wall.toFixed(1)} s`);
  return { label, ...result, wallSeconds: wall };
}

// Protocol A: every head trained jointly from scratch, same steps.
const joint = o.loadStage1 ? [] : o.heads.map((head) => run(`A ${head}`, { head, epochs: o.epochs }));
// Protocol B (Yu & Koltun's two stages): from A's trained front end, more steps for the front end
// alone or with a context module on top (identity or random init); scored before and after.
let stage1 = joint.find((r) => r.metrics.head === 'frontend')?.model;
if (o.loadStage1) {
  stage1 = new SegmentationNet(data.train.classes, { head: 'frontend', width: o.width });
  await stage1.load(o.loadStage1);
  console.log(`stage 1: front end loaded from ${o.loadStage1}`);
}
if (o.saveStage1 && stage1 !== undefined && !o.loadStage1) await stage1.save(o.saveStage1, { config: { head: 'frontend', width: o.width } });
const staged = o.stage2Epochs > 0 && stage1 !== undefined
  ? ['frontend', 'context-identity', 'context-random'].map((head) => run(`B ${head}`, { head, epochs: o.stage2Epochs, lr: o.stage2Lr ?? o.lr, frontendFrom: stage1, evalAtStart: true }))
  : [];
const runs = [...joint, ...staged];

const digitIoU = (m) => {
  const v = m.perClassIoU.slice(1).filter((x) => !Number.isNaN(x));
  return v.reduce((a, b) => a + b, 0) / v.length;
};
console.log('\n| run | mean IoU | digit-class IoU (1–10) | pixel acc. | mIoU at start | final train loss | params | steps | ms/step | wall s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of runs) {
  const m = r.metrics;
  const start = r.history[0].epoch === 0 ? r.history[0].testMeanIoU.toFixed(3) : '–';
  console.log(`| ${r.label} | ${m.meanIoU.toFixed(3)} | ${digitIoU(m).toFixed(3)} | ${m.pixelAccuracy.toFixed(3)} | ${start} | ${m.finalLoss.toFixed(3)} | ${m.parameters} | ${m.steps} | ${((1000 * m.trainSeconds) / m.steps).toFixed(0)} | ${r.wallSeconds.toFixed(0)} |`);
}
const total = runs.reduce((a, r) => a + r.wallSeconds, 0);
console.log(`\ntotal wall time of the runs: ${total.toFixed(0)} s`);

mkdirSync(dirname(o.out), { recursive: true });
const saved = runs.map(({ label, history, metrics, wallSeconds }) => ({ label, metrics, history, wallSeconds }));
writeFileSync(o.out, `${JSON.stringify({ command: `node tools/experiments/segmentation.mjs ${process.argv.slice(2).join(' ')}`.trim(), options: o, machine, date: new Date().toISOString(), totalWallSeconds: total, runs: saved }, null, 1)}\n`);
console.log(`\nwrote ${o.out}`);
