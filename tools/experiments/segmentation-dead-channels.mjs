#!/usr/bin/env node
// Diagnostic for docs/experiments/segmentation.md: after joint training from scratch (protocol A's
// setup, 2 epochs = 200 steps by default), the fraction of positions of the 14x14 score maps where
// each class score is > 0, for the identity-init context head (where those scores enter the
// module's first ReLU) and for the front end alone.
//   npx tsc -p tsconfig.json && node tools/experiments/segmentation-dead-channels.mjs [epochs]
import { loadDigitCanvases, noGrad, segmentationBatch, setThreads, trainSegmentation } from '../../dist/src/index.js';

setThreads(2);
const epochs = Number(process.argv[2] ?? 2);
const data = loadDigitCanvases({ train: 1600, test: 500, seed: 0 });
for (const head of ['context-identity', 'frontend']) {
  const { model, metrics } = trainSegmentation({ head, data, epochs, batchSize: 16, lr: 1e-2, seed: 0, evalEveryEpoch: false });
  const C = data.train.classes;
  const positive = new Float64Array(C);
  let positions = 0;
  noGrad(() => {
    for (let i = 0; i < 128; i += 32) {
      const { x } = segmentationBatch(data.test, Array.from({ length: 32 }, (_, k) => i + k));
      let h = x;
      for (const layer of model.frontend) h = layer.forward(h);
      const s = model.classifier.forward(h);
      const S = s.shape[2] * s.shape[3];
      for (let n = 0; n < 32; n++) for (let c = 0; c < C; c++) for (let p = 0; p < S; p++) if (s.data[(n * C + c) * S + p] > 0) positive[c]++;
      positions += 32 * S;
    }
  });
  console.log(`${head}: mIoU ${metrics.meanIoU.toFixed(3)}; fraction of positions with score > 0, classes 0..${C - 1}: ${[...positive].map((v) => (v / positions).toFixed(3)).join(' ')}`);
}
