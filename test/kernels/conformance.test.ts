/**
 * Every registered fast kernel against the reference, on the shared corpus plus shapes that stress
 * the fast paths (dilation up to 16, rows longer than a task chunk, channel counts that are not a
 * multiple of the register tile, depthwise with a multiplier, small images whose tasks take several
 * rows, transposed convs by stride phases), at 1 and 2 threads. Outputs start as NaN so a position
 * never written shows up, and guard zones around the output must stay intact. Kernels with their
 * own memory (wasm) must hold the same live blocks after each case as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtrousError } from '../../src/errors.js';
import { phaseKernelFits } from '../../src/kernels/conv-desc.js';
import { convKernels } from '../../src/kernels/registry.js';
import { transposeAsConv } from '../../src/kernels/conv-transpose-as-conv.js';
import { convRef } from '../../src/kernels/ref/conv.js';
import { reluRef } from '../../src/kernels/ref/relu.js';
import { convTransposeRef } from '../../src/kernels/ref/conv-transpose.js';
import { convWeightGrad } from '../../src/ops/conv-grad.js';
import { type ConvOptions, planConv, planConvTranspose } from '../../src/shape/plan-conv.js';
import { randn } from '../../src/tensor/tensor.js';
import { type ConvCase, forwardCases, transposedCases } from '../oracle/conv-cases.js';

const GUARD = 64;
const SENTINEL = 12345.5;

function stressCases(): ConvCase[] {
  const c = (name: string, nd: number, xShape: number[], wShape: number[], rest: Partial<ConvCase>): ConvCase => ({
    name, nd, xShape, wShape, transposed: false, bias: true, stride: Array(nd).fill(1), dilation: Array(nd).fill(1), groups: 1, padding: 0, ...rest,
  });
  return [
    c('1D longer than a chunk, d16 causal', 1, [2, 5, 1300], [7, 5, 3], { dilation: [16], padding: 'causal' }),
    c('1D k2 d256 causal (WaveNet)', 1, [1, 3, 700], [5, 3, 2], { dilation: [256], padding: 'causal' }),
    c('2D d16 pad 16, Cout 13', 2, [1, 6, 40, 37], [13, 6, 3, 3], { dilation: [16, 16], padding: 16 }),
    c('2D stride 2 d2 odd width', 2, [2, 3, 31, 29], [9, 3, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 2 }),
    c('2D stride 3 with dilation 5 across W', 2, [1, 2, 17, 60], [5, 2, 2, 4], { dilation: [1, 5], stride: [1, 3], padding: [[0, 1], [3, 2]] }),
    c('depthwise 3x3 d6', 2, [1, 8, 33, 35], [8, 1, 3, 3], { dilation: [6, 6], padding: 6, groups: 8 }),
    c('depthwise, row stride 2, column stride 1, same (the plane kernel)', 2, [2, 5, 23, 70], [5, 1, 3, 3], { dilation: [2, 5], stride: [2, 1], padding: 'same', groups: 5 }),
    c('depthwise 1D causal, wider than a tile', 1, [1, 6, 300], [6, 1, 3], { dilation: [16], padding: 'causal', groups: 6 }),
    c('depthwise with padding larger than the input', 2, [1, 2, 3, 4], [2, 1, 2, 2], { dilation: [9, 9], padding: 9, groups: 2 }),
    c('depthwise multiplier 3', 2, [1, 4, 20, 21], [12, 1, 3, 3], { dilation: [2, 3], padding: 'same', groups: 4 }),
    c('depthwise 9x9: more taps than the kernel lists per row (81 > 64)', 2, [2, 3, 20, 23], [3, 1, 9, 9], { dilation: [2, 1], padding: 'same', groups: 3 }),
    c('depthwise stride 2 along H, 60-wide rows (a whole last tile with a partial last vector)', 2, [2, 6, 19, 60], [6, 1, 3, 3], { dilation: [3, 4], stride: [2, 1], padding: [[2, 3], [4, 4]], groups: 6 }),
    // The plane kernel writes a row's last vector whole, into the next row's start, except on a
    // plane's last row or where the spill would pass the next row (rows narrower than half a vector).
    c('depthwise, rows 3 wide: narrower than a vector', 2, [2, 3, 7, 3], [3, 1, 3, 3], { dilation: [2, 1], padding: 'same', groups: 3 }),
    c('depthwise, rows 5 wide, 6 tall: the last vector spills into the next row', 2, [1, 4, 6, 5], [4, 1, 3, 3], { dilation: [1, 2], padding: 'same', groups: 4 }),
    c('grouped 2D', 2, [1, 12, 19, 23], [18, 4, 3, 3], { dilation: [3, 2], padding: 'same', groups: 3 }),
    c('1x1', 2, [2, 17, 9, 11], [10, 17, 1, 1], {}),
    c('3D d2 pad 2', 3, [1, 4, 9, 10, 11], [6, 4, 3, 3, 3], { dilation: [2, 2, 2], padding: 2 }),
    c('kernel as large as the input', 2, [1, 3, 9, 9], [4, 3, 3, 3], { dilation: [4, 4] }),
    c('no bias, Cout 1', 1, [1, 9, 100], [1, 9, 5], { dilation: [7], padding: 'same', bias: false }),
    c('wide row over several chunks with stride', 1, [1, 2, 2100], [3, 2, 3], { dilation: [9], stride: [2], padding: 'same' }),
    // A small image classifier's layers (several output rows per task), then odd small images.
    c('small image: 14x14 d2, 32 → 32, batch 8 (of 64)', 2, [8, 32, 14, 14], [32, 32, 3, 3], { dilation: [2, 2], padding: 2 }),
    c('small image: 28x28 stride 2, 16 → 32, batch 8 (of 64)', 2, [8, 16, 28, 28], [32, 16, 3, 3], { stride: [2, 2], padding: 1 }),
    c('small image: 28x28, 1 → 16, batch 8 (of 64)', 2, [8, 1, 28, 28], [16, 1, 3, 3], { padding: 1 }),
    c('small image 5x7', 2, [3, 5, 5, 7], [6, 5, 3, 3], { padding: 1 }),
    c('small image 9x11 d3', 2, [3, 4, 9, 11], [8, 4, 3, 3], { dilation: [3, 3], padding: 3 }),
    c('small image 13x17 d4 stride 2, groups 2', 2, [3, 6, 13, 17], [8, 3, 3, 3], { dilation: [4, 4], stride: [2, 2], padding: 4, groups: 2 }),
    c('small image 17x16 depthwise d2 stride 2', 2, [3, 8, 17, 16], [8, 1, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 2, groups: 8 }),
    c('small image 7x6 stride 2 uneven pads', 2, [3, 3, 7, 6], [5, 3, 2, 3], { dilation: [2, 1], stride: [2, 2], padding: [[1, 0], [2, 1]] }),
    c('small image 6x5 d4: gaps wider than the row', 2, [3, 4, 6, 5], [4, 4, 3, 3], { dilation: [4, 4], padding: 4 }),
    c('small image 15x12 k5 d2 same', 2, [3, 2, 15, 12], [7, 2, 5, 5], { dilation: [2, 2], padding: 'same' }),
    c('small image 14x14 stride 3 d2', 2, [3, 3, 14, 14], [4, 3, 3, 3], { dilation: [2, 2], stride: [3, 3], padding: 2 }),
    c('small image 10x9, one output channel per group', 2, [3, 6, 10, 9], [2, 3, 3, 3], { padding: 1, groups: 2 }),
    c('small image 16x8 stride (2, 1) d (1, 3)', 2, [3, 5, 16, 8], [6, 5, 3, 3], { dilation: [1, 3], stride: [2, 1], padding: [1, 3] }),
    c('small volume 5x6x7 d2', 3, [3, 2, 5, 6, 7], [4, 2, 3, 3, 3], { dilation: [2, 2, 2], padding: 2 }),
    c('volume 6x12x16 d2, 16 → 16: 12-row tasks sharing their input rows (copies cost more than the gaps)', 3, [1, 16, 6, 12, 16], [16, 16, 3, 3, 3], { dilation: [2, 2, 2], padding: 2 }),
    // Stride-1 3x3 convs (on F(2x2, 3x3), F(3x3, 3x3) or F(4x4, 3x3), k3 1D ones on F(2, 3) or F(4, 3), k2 ones
    // on F(3, 2), whichever leaves fewer products) with enough channels run on Winograd's kernel
    // (conv-winograd.h):
    // tiles past the plane's last row or column, chunks of a tile row, output channels that are not
    // a whole block, dilations below and above a vector, groups.
    c('Winograd: d3 same, 48 → 48, odd 19x23', 2, [1, 48, 19, 23], [48, 48, 3, 3], { dilation: [3, 3], padding: 'same' }),
    c('Winograd: d (1, 5), uneven pads, 48 → 52', 2, [2, 48, 17, 30], [52, 48, 3, 3], { dilation: [1, 5], padding: [[0, 2], [7, 1]] }),
    c('Winograd: groups 2, 48 → 48 each, d2', 2, [1, 96, 12, 13], [96, 48, 3, 3], { dilation: [2, 2], padding: 2, groups: 2 }),
    c('Winograd: d8 on 37x45 (whole vectors of tiles in place, partial ones by lane)', 2, [1, 48, 37, 45], [48, 48, 3, 3], { dilation: [8, 8], padding: 8 }),
    c('Winograd: d9 valid', 2, [1, 48, 40, 45], [48, 48, 3, 3], { dilation: [9, 9] }),
    c('Winograd F(2x2, 3x3): a 150-wide row in chunks, 64 → 64', 2, [1, 64, 2, 150], [64, 64, 3, 3], { padding: 1 }),
    c('Winograd F(2x2, 3x3): a 132-wide row in two chunks, the last narrower (5 + 4 or 9 + 8 vectors)', 2, [1, 64, 2, 132], [64, 64, 3, 3], { padding: 1 }),
    c('Winograd F(2x2, 3x3): d16 on a 20x18 image', 2, [1, 48, 20, 18], [48, 48, 3, 3], { dilation: [16, 16], padding: 16 }),
    c('Winograd F(3x3, 3x3): d12 on 29x31, runs of 2 and 3 outputs', 2, [1, 48, 29, 31], [52, 48, 3, 3], { dilation: [12, 12], padding: 12 }),
    c('Winograd F(3x3, 3x3): d1 same on 3 rows, phases of 3 staged', 2, [1, 48, 3, 25], [48, 48, 3, 3], { padding: 1 }),
    c('Winograd F(3x3, 3x3): d4, phases of 4 staged (in place at 4 lanes)', 2, [1, 48, 24, 26], [48, 48, 3, 3], { dilation: [4, 4], padding: 4 }),
    c('Winograd F(3x3, 3x3): d8 (in place)', 2, [2, 48, 24, 48], [48, 48, 3, 3], { dilation: [8, 8], padding: 8 }),
    c('Winograd F(3x3, 3x3): a 150-wide row in two chunks, the last narrower', 2, [1, 64, 3, 150], [64, 64, 3, 3], { padding: 1 }),
    c('Winograd F(4x4, 3x3): d1 same, phases of 4 staged, 48 → 52', 2, [1, 48, 20, 25], [52, 48, 3, 3], { padding: 1 }),
    c('Winograd F(4x4, 3x3): d2 on 16x19, phases of 2 staged', 2, [1, 48, 16, 19], [48, 48, 3, 3], { dilation: [2, 2], padding: 2 }),
    c('Winograd F(4x4, 3x3): d4, phases of 4 staged (in place at 4 lanes), two batch items', 2, [2, 48, 16, 33], [48, 48, 3, 3], { dilation: [4, 4], padding: 4 }),
    c('Winograd F(4x4, 3x3): d8 (in place), tiles past the last row and column', 2, [1, 48, 19, 31], [48, 48, 3, 3], { dilation: [8, 8], padding: 8 }),
    c('Winograd F(4x4, 3x3): d5 gathered, groups 2', 2, [1, 96, 12, 19], [96, 48, 3, 3], { dilation: [5, 5], padding: 5, groups: 2 }),
    c('Winograd F(4x4, 3x3): a 150-wide row in chunks, 64 → 64', 2, [1, 64, 4, 150], [64, 64, 3, 3], { padding: 1 }),
    // Tile rows packed back to back in a task where a row's tiles leave part of its last vector
    // empty (conv-winograd.h: packed; checked with a probe of the kernels' choices on AVX-512 and
    // AVX2): batches of small images, so that tasks of several rows still number 12 or more.
    c('Winograd packed rows: F(3x3, 3x3) d1, 5 tiles a row, 3 rows a task, six images', 2, [6, 48, 13, 14], [48, 48, 3, 3], { padding: 1 }),
    c('Winograd packed rows: F(3x3, 3x3) d (1, 9)', 2, [4, 48, 18, 27], [48, 48, 3, 3], { dilation: [1, 9], padding: [[1, 1], [9, 9]] }),
    c('Winograd packed rows: F(4x4, 3x3) d3, 48 → 52', 2, [4, 48, 21, 22], [52, 48, 3, 3], { dilation: [3, 3], padding: 3 }),
    c('Winograd packed rows: F(4x4, 3x3) d5 gathered', 2, [4, 48, 22, 23], [48, 48, 3, 3], { dilation: [5, 5], padding: 5 }),
    c('Winograd packed rows: F(2x2, 3x3) d10', 2, [6, 48, 14, 22], [48, 48, 3, 3], { dilation: [10, 10], padding: 10 }),
    c('Winograd 1D: k3 d16 causal, 48 → 52, two batch items', 1, [2, 48, 300], [52, 48, 3], { dilation: [16], padding: 'causal' }),
    c('Winograd 1D: k3 d1 same, 64 → 64, row in chunks', 1, [1, 64, 400], [64, 64, 3], { padding: 'same' }),
    c('Winograd 1D: k3 d5, groups 2', 1, [2, 96, 77], [96, 48, 3], { dilation: [5], padding: [[3, 9]], groups: 2 }),
    c('Winograd 1D F(4, 3): d2 same, phases of 2 staged', 1, [1, 48, 203], [48, 48, 3], { dilation: [2], padding: 'same' }),
    c('Winograd 1D F(4, 3): d4 causal, phases of 4 staged (in place at 4 lanes)', 1, [2, 48, 150], [48, 48, 3], { dilation: [4], padding: 'causal' }),
    c('Winograd 1D F(4, 3): d12, runs of 12 staged (in place at 4 lanes)', 1, [1, 48, 250], [52, 48, 3], { dilation: [12], padding: [[12, 5]] }),
    c('Winograd 1D F(2, 3): d16 on 40 steps, where F(4, 3) leaves as many products', 1, [1, 48, 40], [48, 48, 3], { dilation: [16], padding: 16 }),
    c('Winograd 1D F(3, 2): k2 d64 causal, 48 → 52, two batch items (in place)', 1, [2, 48, 500], [52, 48, 2], { dilation: [64], padding: 'causal' }),
    c('Winograd 1D F(3, 2): k2 d1 same, 64 → 64, row in chunks', 1, [1, 64, 301], [64, 64, 2], { padding: 'same' }),
    c('Winograd 1D F(3, 2): k2 d2 causal, phases of 2 staged', 1, [1, 48, 160], [48, 48, 2], { dilation: [2], padding: 'causal' }),
    c('Winograd 1D F(3, 2): k2 d5, groups 2', 1, [1, 96, 203], [96, 48, 2], { dilation: [5], padding: [[5, 2]], groups: 2 }),
    c('Winograd 1x3 kernel in 2D, d (1, 8)', 2, [1, 48, 5, 70], [48, 48, 1, 3], { dilation: [1, 8], padding: [[1, 0], [8, 8]] }),
    c('Winograd: one output row, no bias', 2, [1, 48, 3, 40], [48, 48, 3, 3], { dilation: [1, 2], bias: false }),
    // Strides that divide the dilations (WinogradSubsampled in conv-winograd.h): Winograd on every
    // s-th input row and column, from the first one the padding lets a tap read.
    c('Winograd subsampled: stride 2 d2 pad 2 (strided2d), 32 → 40, odd 29x31, two batch items', 2, [2, 32, 29, 31], [40, 32, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 2 }),
    c('Winograd subsampled: stride 2 d2 pad 1 (the odd rows and columns), 40 → 36', 2, [1, 40, 26, 27], [36, 40, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 1 }),
    c('Winograd subsampled, packed rows: stride 2 d2, 32 → 40, six images', 2, [6, 32, 29, 31], [40, 32, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 2 }),
    c('Winograd subsampled: stride 3 d6 same on 40x41 (first columns 0 and 1), 36 → 36', 2, [1, 36, 40, 41], [36, 36, 3, 3], { dilation: [6, 6], stride: [3, 3], padding: 'same' }),
    c('Winograd subsampled: stride (2, 1), d (4, 3), uneven pads', 2, [1, 32, 30, 37], [48, 32, 3, 3], { dilation: [4, 3], stride: [2, 1], padding: [[3, 1], [2, 4]] }),
    c('Winograd subsampled: stride 2 d16 (whole vectors of tiles, still gathered)', 2, [1, 32, 40, 90], [32, 32, 3, 3], { dilation: [16, 16], stride: [2, 2], padding: 16 }),
    c('Winograd subsampled: stride 2 d2 pad 3, 48 → 52 (channels enough for the weight gradient on the grid too)', 2, [2, 48, 23, 26], [52, 48, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 3 }),
    c('Winograd subsampled F(4x4, 3x3): stride 2 d2 pad 2 on 31x33, 48 → 52 (and its weight gradient)', 2, [1, 48, 31, 33], [52, 48, 3, 3], { dilation: [2, 2], stride: [2, 2], padding: 2 }),
    // Weight gradients with stride 1 along W and long rows read x and dy in place (conv-wgrad-rows.h):
    // tasks of several rows (crossing batch items), chunks of a row, partial blocks, groups, taps
    // that read only padding, rows along D and H that a tap skips.
    c('rows in place: the TCN layer, 24 → 24, k8 d4 causal', 1, [3, 24, 300], [24, 24, 8], { dilation: [4], padding: 'causal' }),
    c('rows in place: 3x3 d2 on 5x300, tasks across batch items', 2, [2, 3, 5, 300], [5, 3, 3, 3], { dilation: [2, 2], padding: 2 }),
    c('rows in place: groups 3, pads wider than the taps reach', 1, [2, 6, 280], [9, 2, 4], { dilation: [100], padding: [[150, 170]], groups: 3 }),
    c('rows in place: 3D, 270-wide rows, stride 2 along D', 3, [1, 2, 5, 3, 270], [7, 2, 2, 2, 3], { dilation: [1, 2, 5], stride: [2, 1, 1], padding: [1, 1, 5] }),
  ];
}

const cases = [...forwardCases(120, 77), ...stressCases()];

/** Computes a reference result once per case, however many kernels and thread counts use it. */
function memo<T>(make: (i: number) => T): (i: number) => T {
  const done = new Map<number, T>();
  return (i) => {
    if (!done.has(i)) done.set(i, make(i));
    return done.get(i)!;
  };
}

const forwardInputs = memo((i: number) => {
  const c = cases[i];
  const x = randn(c.xShape, { seed: 3 * i });
  const w = randn(c.wShape, { seed: 3 * i + 1 });
  const b = c.bias ? randn([c.wShape[0]], { seed: 3 * i + 2 }) : null;
  const plan = planConv('conformance', c.nd, c.xShape, c.wShape, b && b.shape, c);
  const expected = new Float32Array(plan.outShape.reduce((a, n) => a * n, 1));
  convRef(plan, x.data, w.data, b && b.data, expected);
  return { x, w, b, plan, expected };
});

for (const kernel of convKernels().filter((k) => k.backend !== 'ref')) {
  for (const threads of [1, 2]) {
    test(`${kernel.id} at ${threads} thread(s) equals the reference on ${cases.length} shapes`, () => {
      const failures: string[] = [];
      cases.forEach((c, i) => {
        const { x, w, b, plan, expected } = forwardInputs(i);
        const size = expected.length;
        const buffer = new Float32Array(size + 2 * GUARD).fill(SENTINEL);
        const y = buffer.subarray(GUARD, GUARD + size).fill(NaN);
        const heapBefore = kernel.heapStats?.();
        kernel.run(plan, x.data as Float32Array, w.data as Float32Array, b && (b.data as Float32Array), y, threads);
        const heapAfter = kernel.heapStats?.();
        if (heapBefore && heapAfter && (heapAfter.bytes !== heapBefore.bytes || heapAfter.blocks !== heapBefore.blocks)) {
          failures.push(`${c.name}: heap held ${heapBefore.blocks} blocks (${heapBefore.bytes} B) before, ${heapAfter.blocks} (${heapAfter.bytes} B) after`);
        }
        let maxAbs = 0;
        for (const v of expected) maxAbs = Math.max(maxAbs, Math.abs(v));
        const bad = y.findIndex((v, j) => !(Math.abs(v - expected[j]) <= 1e-5 * Math.max(maxAbs, 1)));
        if (bad >= 0) failures.push(`${c.name} x[${c.xShape}] w[${c.wShape}]: first bad index ${bad}: got ${y[bad]}, reference ${expected[bad]}`);
        const guards = [...buffer.subarray(0, GUARD), ...buffer.subarray(GUARD + size)];
        if (guards.some((v) => v !== SENTINEL)) failures.push(`${c.name}: wrote outside the output`);
      });
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${cases.length} shapes differ`);
    });
  }
}

// A fused conv + ReLU (ConvKernel.run's relu flag) is applied by each algorithm as it stores an
// output (direct, Winograd, depthwise): it must give exactly ReLU of the same kernel's unfused
// output, bit for bit (−0 → +0), on every shape, and still write every output.
for (const kernel of convKernels().filter((k) => k.backend !== 'ref')) {
  test(`${kernel.id} with the fused ReLU equals ReLU of its own output, bit for bit, on ${cases.length} shapes`, () => {
    const failures: string[] = [];
    const compare = (name: string, i: number, x: Float32Array): number => {
      const { w, b, plan, expected } = forwardInputs(i);
      const plain = new Float32Array(expected.length).fill(NaN);
      kernel.run(plan, x, w.data as Float32Array, b && (b.data as Float32Array), plain, 2);
      reluRef(plain, plain);
      const fused = new Float32Array(expected.length).fill(NaN);
      kernel.run(plan, x, w.data as Float32Array, b && (b.data as Float32Array), fused, 2, true);
      const bad = fused.findIndex((v, j) => !Object.is(v, plain[j]));
      if (bad >= 0) failures.push(`${name}: first bad index ${bad}: fused ${fused[bad]}, relu of unfused ${plain[bad]}`);
      return fused.filter((v) => v !== v).length;
    };
    const firstOf = new Map<string, number>();
    cases.forEach((c, i) => {
      compare(c.name, i, forwardInputs(i).x.data as Float32Array);
      const algorithm = kernel.algorithm?.(forwardInputs(i).plan) ?? 'direct';
      if (!firstOf.has(algorithm)) firstOf.set(algorithm, i);
    });
    // NaN passes through the ReLU: one NaN input spreads to the outputs that read it, on each algorithm.
    for (const [algorithm, i] of firstOf) {
      const x = Float32Array.from(forwardInputs(i).x.data);
      x[x.length >> 1] = NaN;
      const nans = compare(`${cases[i].name} with a NaN input (${algorithm})`, i, x);
      assert.ok(nans > 0, `${cases[i].name}: a NaN input reached no output`);
    }
    assert.deepEqual([...firstOf.keys()].sort(), kernel.algorithm ? ['depthwise', 'direct', 'winograd', 'winograd-f32', 'winograd-f33', 'winograd-f43', 'winograd-f44'] : ['direct']);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${cases.length} shapes differ`);
  });
}

test('the Winograd cases run on Winograd where the kernel has it, and the others do not', () => {
  // The Winograd variants a shape may run on: the one its name says, else either of F(2, 3) and
  // F(4, 3) in 1D and any of F(2x2, 3x3), F(3x3, 3x3) and F(4x4, 3x3) in 2D (whichever leaves fewest products).
  const winogradOf = (c: ConvCase): string[] =>
    !c.name.startsWith('Winograd') ? []
    : c.name.includes('F(2, 3)') || c.name.includes('F(2x2, 3x3)') ? ['winograd']
    : c.name.includes('F(3x3, 3x3)') ? ['winograd-f33']
    : c.name.includes('F(4x4, 3x3)') ? ['winograd-f44']
    : c.name.includes('F(4, 3)') ? ['winograd-f43']
    : c.name.includes('F(3, 2)') ? ['winograd-f32']
    : c.name.includes('1D') ? ['winograd', 'winograd-f43']
    : ['winograd', 'winograd-f33', 'winograd-f44'];
  for (const kernel of convKernels().filter((k) => k.algorithm)) {
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      const got = kernel.algorithm!(forwardInputs(i).plan);
      seen.add(got);
      if (winogradOf(c).length) assert.ok(winogradOf(c).includes(got), `${kernel.id} ${c.name}: ${got}`);
      else assert.ok(!got.startsWith('winograd'), `${kernel.id} ${c.name}: too few channels to pay`);
    });
    assert.ok(['winograd', 'winograd-f33', 'winograd-f44', 'winograd-f43', 'winograd-f32'].every((a) => seen.has(a)), `${kernel.id}: ${[...seen]}`);
    transposed.forEach((c, i) => {
      if (winogradOf(c).length) assert.ok(winogradOf(c).includes(kernel.algorithm!(transposedInputs(i).plan)), `${kernel.id} ${c.name}`);
    });
  }
});

test('at least one fast kernel is registered where the native addon is built', () => {
  assert.ok(convKernels().length >= 1);
  assert.equal(convKernels().at(-1)!.id, 'conv_f32_ref__js');
});

// Transposed convs run on a kernel's stride-phase kernel (kernel.transpose) where it has one and
// the strides allow, else through transposeAsConv on its forward kernel; check both per kernel.
const tcase = (name: string, nd: number, xShape: number[], wShape: number[], rest: Partial<ConvCase>): ConvCase => ({
  name, nd, xShape, wShape, transposed: true, bias: true, stride: Array(nd).fill(1), dilation: Array(nd).fill(1), groups: 1,
  padding: Array(nd).fill([0, 0]), outputPadding: Array(nd).fill(0), ...rest,
});
const transposed = [
  ...transposedCases(80, 5),
  // Crops larger than the kernel's reach, and output padding below dilation but not stride.
  tcase('deep crop', 1, [1, 2, 9], [2, 3, 3], { stride: [3], dilation: [2], padding: [[6, 7]], outputPadding: [1] }),
  tcase('op < dilation', 1, [1, 2, 5], [2, 1, 2], { dilation: [3], padding: [[0, 0]], outputPadding: [2] }),
  // The input gradients of the small-image layers in stressCases, then odd stride phases.
  tcase('dx of 14x14 d2, 32 → 32, batch 8 (of 64)', 2, [8, 32, 14, 14], [32, 32, 3, 3], { dilation: [2, 2], padding: [[2, 2], [2, 2]] }),
  tcase('dx of 28x28 stride 2, 16 → 32, batch 8 (of 64)', 2, [8, 32, 14, 14], [32, 16, 3, 3], { stride: [2, 2], padding: [[1, 1], [1, 1]], outputPadding: [1, 1] }),
  tcase('stride 2 d2 small', 2, [3, 5, 7, 6], [5, 4, 3, 3], { stride: [2, 2], dilation: [2, 2], padding: [[2, 2], [2, 2]], outputPadding: [1, 0] }),
  tcase('stride 3, kernel 1: phases without taps', 2, [2, 3, 4, 5], [3, 2, 1, 1], { stride: [3, 3], outputPadding: [2, 1] }),
  tcase('stride 2, padding past the stride (cropped phases)', 2, [3, 4, 9, 8], [4, 3, 3, 3], { stride: [2, 2], dilation: [3, 3], padding: [[4, 5], [5, 3]], outputPadding: [1, 1] }),
  tcase('stride 4 k5 d3', 2, [2, 3, 5, 6], [3, 2, 5, 5], { stride: [4, 4], dilation: [3, 3], padding: [[3, 1], [0, 6]], outputPadding: [2, 3] }),
  tcase('stride 5: 25 phases', 2, [1, 2, 4, 3], [2, 3, 3, 2], { stride: [5, 5], dilation: [2, 4], padding: [[1, 1], [2, 0]] }),
  tcase('stride 2, output padding 2 < dilation 3', 2, [2, 3, 5, 5], [3, 3, 3, 3], { stride: [2, 2], dilation: [3, 3], padding: [[1, 1], [1, 1]], outputPadding: [2, 2] }),
  tcase('grouped stride 2', 2, [3, 6, 7, 9], [6, 4, 3, 3], { stride: [2, 2], groups: 3, padding: [[1, 1], [1, 1]], outputPadding: [1, 1] }),
  tcase('depthwise stride 2 d2', 2, [3, 5, 8, 7], [5, 1, 3, 3], { stride: [2, 2], dilation: [2, 2], groups: 5, padding: [[2, 2], [2, 2]], outputPadding: [1, 1] }),
  tcase('one output channel per group, stride (1, 2)', 2, [2, 4, 6, 11], [4, 1, 3, 3], { stride: [1, 2], groups: 2, padding: [[1, 1], [1, 1]] }),
  tcase('1D stride 9', 1, [2, 3, 20], [3, 4, 4], { stride: [9], dilation: [5], padding: [[3, 2]], outputPadding: [4] }),
  tcase('1D stride 70: too many phases for the phase kernel', 1, [1, 2, 3], [2, 2, 3], { stride: [70], padding: [[1, 0]] }),
  // Stride-1 3x3 (and 1D k3) ones with enough channels: a conv over dy on Winograd's kernel.
  tcase('Winograd F(3x3, 3x3): stride 1 d12, 48 → 52', 2, [1, 48, 29, 31], [48, 52, 3, 3], { dilation: [12, 12], padding: [[12, 12], [12, 12]] }),
  tcase('Winograd F(4x4, 3x3): stride 1 d2, 48 → 52', 2, [1, 48, 16, 19], [48, 52, 3, 3], { dilation: [2, 2], padding: [[2, 2], [2, 2]] }),
  tcase('Winograd: stride 1 d4, 48 → 48', 2, [2, 48, 15, 17], [48, 48, 3, 3], { dilation: [4, 4], padding: [[4, 4], [4, 4]] }),
  tcase('Winograd, packed rows: stride 1 d1, six images', 2, [6, 48, 13, 14], [48, 48, 3, 3], { padding: [[1, 1], [1, 1]] }),
  tcase('Winograd: crop past the reach (negative padding)', 2, [1, 48, 20, 20], [48, 48, 3, 3], { dilation: [2, 2], padding: [[5, 5], [6, 4]] }),
  tcase('Winograd: grouped, output padding below dilation', 2, [1, 96, 9, 11], [96, 48, 3, 3], { groups: 2, dilation: [3, 3], padding: [[1, 1], [3, 3]], outputPadding: [2, 1] }),
  tcase('Winograd 1D: stride 1 k3 d8, 48 → 48', 1, [2, 48, 90], [48, 48, 3], { dilation: [8], padding: [[8, 8]] }),
  tcase('Winograd 1D F(3, 2): stride 1 k2 d4, 48 → 48', 1, [2, 48, 120], [48, 48, 2], { dilation: [4], padding: [[2, 1]] }),
  tcase('Winograd 1D: crop past the reach, output padding', 1, [1, 48, 60], [48, 48, 3], { dilation: [3], padding: [[7, 5]], outputPadding: [2] }),
  tcase('3D stride 2: 8 phases', 3, [2, 3, 3, 4, 5], [3, 2, 3, 2, 3], { stride: [2, 2, 2], dilation: [1, 2, 1], padding: [[1, 1], [1, 0], [0, 1]], outputPadding: [1, 0, 1] }),
];

const transposedInputs = memo((i: number) => {
  const c = transposed[i];
  const x = randn(c.xShape, { seed: 5 * i });
  const w = randn(c.wShape, { seed: 5 * i + 1 });
  const b = c.bias ? randn([c.wShape[1] * c.groups], { seed: 5 * i + 2 }) : null;
  const plan = planConvTranspose('conformance', c.nd, c.xShape, c.wShape, b && b.shape, { ...c, padding: c.padding as [number, number][] });
  const expected = new Float32Array(plan.outShape.reduce((a, n) => a * n, 1));
  convTransposeRef(plan, x.data, w.data, b && b.data, expected);
  return { x, w, b, plan, expected };
});

function firstBad(y: Float32Array, expected: Float32Array, c: ConvCase): string | null {
  let maxAbs = 0;
  for (const v of expected) maxAbs = Math.max(maxAbs, Math.abs(v));
  const bad = y.findIndex((v, j) => !(Math.abs(v - expected[j]) <= 1e-5 * Math.max(maxAbs, 1)));
  if (bad < 0) return null;
  return `${c.name} x[${c.xShape}] w[${c.wShape}] s[${c.stride}] d[${c.dilation}] pad ${JSON.stringify(c.padding)} op[${c.outputPadding}]: index ${bad}: got ${y[bad]}, reference ${expected[bad]}`;
}

for (const kernel of convKernels().filter((k) => k.backend !== 'ref')) {
  test(`${kernel.id} runs transposed convs rewritten as forward convs equal to the reference on ${transposed.length} shapes`, () => {
    const failures: string[] = [];
    let bias = 0;
    transposed.forEach((c, i) => {
      const { x, w, b, plan, expected } = transposedInputs(i);
      const fwd = transposeAsConv(plan, x.data as Float32Array, w.data as Float32Array);
      const y = new Float32Array(expected.length).fill(NaN);
      if (fwd) {
        kernel.run(fwd.plan, fwd.x, fwd.w, b && (b.data as Float32Array), y, 2);
      } else {
        // No rewrite: the registry fills the bias, which must be what the reference computes.
        bias++;
        const plane = y.length / (plan.batch * plan.outChannels);
        y.forEach((_, j) => (y[j] = b ? b.data[Math.floor(j / plane) % plan.outChannels] : 0));
      }
      const bad = firstBad(y, expected, c);
      if (bad) failures.push(bad);
    });
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${transposed.length} shapes differ`);
    assert.ok(bias < transposed.length / 10, `${bias} shapes were bias-only`);
  });

  if (!kernel.transpose) continue;
  for (const threads of [1, 2]) {
    test(`${kernel.id} stride-phase transposed conv at ${threads} thread(s) equals the reference`, () => {
      const failures: string[] = [];
      let ran = 0;
      transposed.forEach((c, i) => {
        const { x, w, b, plan, expected } = transposedInputs(i);
        if (!phaseKernelFits(plan)) return;
        ran++;
        const size = expected.length;
        const buffer = new Float32Array(size + 2 * GUARD).fill(SENTINEL);
        const y = buffer.subarray(GUARD, GUARD + size).fill(NaN);
        const heapBefore = kernel.heapStats?.();
        kernel.transpose!(plan, x.data as Float32Array, w.data as Float32Array, b && (b.data as Float32Array), y, threads);
        const heapAfter = kernel.heapStats?.();
        if (heapBefore && heapAfter && (heapAfter.bytes !== heapBefore.bytes || heapAfter.blocks !== heapBefore.blocks)) {
          failures.push(`${c.name}: heap held ${heapBefore.blocks} blocks before, ${heapAfter.blocks} after`);
        }
        const bad = firstBad(y, expected, c);
        if (bad) failures.push(bad);
        const guards = [...buffer.subarray(0, GUARD), ...buffer.subarray(GUARD + size)];
        if (guards.some((v) => v !== SENTINEL)) failures.push(`${c.name}: wrote outside the output`);
      });
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${ran} shapes differ`);
      assert.equal(ran, transposed.length - 1, 'every shape but the stride-70 one fits the phase kernel');
    });
  }
}

test('an empty batch runs on every fast kernel: forward, stride-phase transposed and weight gradient', () => {
  const fwd = planConv('empty', 2, [0, 3, 9, 8], [4, 3, 3, 3], null, { stride: 2, dilation: 2, padding: 2 });
  const tr = planConvTranspose('empty', 2, [0, 4, 5, 4], [4, 3, 3, 3], null, { stride: 2, dilation: 2, padding: 2, outputPadding: 1 });
  const w = randn([4, 3, 3, 3], { seed: 1 }).data as Float32Array;
  for (const kernel of convKernels().filter((k) => k.backend !== 'ref')) {
    kernel.run(fwd, new Float32Array(0), w, null, new Float32Array(0), 2);
    kernel.transpose?.(tr, new Float32Array(0), w, null, new Float32Array(0), 2);
    const dw = new Float32Array(w.length).fill(NaN);
    kernel.weightGrad?.(fwd, new Float32Array(0), new Float32Array(0), dw, 2);
    if (kernel.weightGrad) assert.ok(dw.every((v) => v === 0), kernel.id);
  }
});

test('a transposed conv whose output is all output padding has no forward rewrite', () => {
  const plan = planConvTranspose('t', 1, [1, 1, 1], [1, 1, 1], null, { dilation: 3, padding: [[1, 0]], outputPadding: 2 });
  assert.equal(transposeAsConv(plan, new Float32Array(1), new Float32Array(1)), null);
});

// Valid plans whose geometry is extreme: each fast kernel either computes them right with small
// scratch, or refuses with an AtrousError — never a crash, a hang or a huge allocation.
test('extreme strides and dilations: right answers or clear refusals on every fast kernel', () => {
  const extreme: ConvCase[] = [
    { name: 'stride 1e8', nd: 1, xShape: [1, 1, 8], wShape: [1, 1, 1], transposed: false, bias: false, stride: [1e8], dilation: [1], groups: 1, padding: 0 },
    { name: 'stride 2e6 on W', nd: 2, xShape: [1, 1, 9, 1], wShape: [1, 1, 9, 1], transposed: false, bias: true, stride: [1, 2e6], dilation: [1, 1], groups: 1, padding: 0 },
    { name: 'stride 7 dilation 3', nd: 1, xShape: [1, 2, 200], wShape: [3, 2, 5], transposed: false, bias: true, stride: [7], dilation: [3], groups: 1, padding: 4 },
  ];
  const huge = planConv('huge', 1, [1, 1, 1], [1, 1, 3], null, { dilation: 2 ** 30, padding: 2 ** 30 + 1 });
  const refused: string[] = [];
  for (const kernel of convKernels().filter((k) => k.backend !== 'ref')) {
    for (const c of extreme) {
      const x = randn(c.xShape, { seed: 1 });
      const w = randn(c.wShape, { seed: 2 });
      const b = c.bias ? randn([c.wShape[0]], { seed: 3 }) : null;
      const plan = planConv('extreme', c.nd, c.xShape, c.wShape, b && b.shape, c);
      const size = plan.outShape.reduce((a, n) => a * n, 1);
      const expected = new Float32Array(size);
      convRef(plan, x.data, w.data, b && b.data, expected);
      const y = new Float32Array(size).fill(NaN);
      try {
        kernel.run(plan, x.data as Float32Array, w.data as Float32Array, b && (b.data as Float32Array), y, 2);
      } catch (e) {
        assert.ok(e instanceof AtrousError && /use the ref backend/.test(e.message), `${kernel.id} ${c.name}: ${String(e)}`);
        refused.push(`${kernel.id} ${c.name}`);
        continue;
      }
      assert.ok(y.every((v, j) => Math.abs(v - expected[j]) <= 1e-5 * (1 + Math.abs(expected[j]))), `${kernel.id} ${c.name}`);
    }
    assert.throws(
      () => kernel.run(huge, new Float32Array(1), new Float32Array(3), null, new Float32Array(3), 1),
      (e: unknown) => e instanceof AtrousError && /fast kernels index in 32 bits; use the ref backend/.test(e.message),
      kernel.id,
    );
  }
  // Only the absurd stride may be refused (its 32-bit bound is conservative); the others compute.
  assert.ok(refused.every((r) => r.endsWith('stride 1e8')), refused.join('; '));
});

test('extra memory per call is O(tile): packed weights plus small panels, never an im2col buffer', () => {
  const cases = [
    planConv('aspp2d', 2, [1, 256, 65, 65], [256, 256, 3, 3], null, { dilation: 12, padding: 12 }),
    planConv('wavenet1d', 1, [1, 64, 16000], [128, 64, 2], null, { dilation: 256, padding: 'causal' }),
    planConv('conv3d', 3, [1, 16, 32, 32, 32], [16, 16, 3, 3, 3], null, { dilation: 2, padding: 2 }),
  ];
  for (const kernel of convKernels().filter((k) => k.backend !== 'ref')) {
    for (const p of cases) {
      const prod = (v: readonly number[]) => v.reduce((a, n) => a * n, 1);
      const tensors = 4 * (p.batch * (p.inChannels * prod(p.inSize) + p.outChannels * prod(p.outSize)) + p.outChannels * ((p.inChannels / p.groups) * prod(p.kernel) + 1));
      const weights = 4 * p.outChannels * (p.inChannels / p.groups) * prod(p.kernel);
      const im2col = 4 * p.inChannels * prod(p.kernel) * prod(p.outSize);
      // Packed weights round Cout up to whole tiles (F(2x2, 3x3)'s 16 transformed taps per 9, F(3x3, 3x3)'s 25 per 9, F(4x4, 3x3)'s 36 per 9, F(4, 3)'s 6
      // per 3, F(3, 2)'s 4 per 2), kept with a copy of the weights they were packed from (pack-cache.h, pack-cache.ts); wasm also copies the tensors into its memory.
      const algorithm = kernel.algorithm?.(p);
      const packed = 1.1 * weights * (algorithm === 'winograd' ? 16 / 9 : algorithm === 'winograd-f33' ? 25 / 9 : algorithm === 'winograd-f44' ? 36 / 9 : algorithm?.startsWith('winograd-') ? 2 : 1)
        + weights;
      const own = kernel.scratchBytes(p, 2) - (kernel.backend === 'wasm' ? tensors : 0) - packed;
      // Two threads' panels: aspp2d's F(3x3, 3x3) tasks hold 24 tiles of 25 transformed values at 256 + 256 channels, 1.2 MB each
      // (AVX-512: 48, two rows of 24 packed into 3 vectors of 16, 2.5 MB).
      assert.ok(own > 0 && own < 5.5e6, `${kernel.id} ${p.op}: ${own} bytes of panels`);
      assert.ok(own < im2col / 5, `${kernel.id} ${p.op}: panels ${own} vs im2col ${im2col}`);
    }
  }
});

// Dedicated weight-gradient kernels (native: csrc/conv-wgrad.h) against the float64 reference path
// (the forward reference conv with x and dy as operands), on the same corpus.
const weightGradInputs = memo((i: number) => {
  const c = cases[i];
  const plan = planConv('conformance', c.nd, c.xShape, c.wShape, null, c);
  const x = randn(c.xShape, { seed: 5 * i, dtype: 'float64' });
  const dy = randn([...plan.outShape], { seed: 5 * i + 1, dtype: 'float64' });
  const expected = convWeightGrad(x, c.wShape, dy, { ...c, bias: undefined } as ConvOptions).data;
  return { plan, expected, x32: Float32Array.from(x.data), dy32: Float32Array.from(dy.data) };
});

for (const kernel of convKernels().filter((k) => k.weightGrad !== undefined)) {
  for (const threads of [1, 2]) {
    test(`${kernel.id} weight gradient at ${threads} thread(s) equals the reference on ${cases.length} shapes, bit-identical on repeat`, () => {
      const failures: string[] = [];
      cases.forEach((c, i) => {
        const { plan, expected, x32, dy32 } = weightGradInputs(i);
        const size = expected.length;
        const buffer = new Float32Array(size + 2 * GUARD).fill(SENTINEL);
        const dw = buffer.subarray(GUARD, GUARD + size).fill(NaN);
        kernel.weightGrad!(plan, x32, dy32, dw, threads);
        let maxAbs = 0;
        for (const v of expected) maxAbs = Math.max(maxAbs, Math.abs(v));
        const bad = dw.findIndex((v, j) => !(Math.abs(v - expected[j]) <= 2e-5 * Math.max(maxAbs, 1)));
        if (bad >= 0) failures.push(`${c.name} x[${c.xShape}] w[${c.wShape}]: first bad index ${bad}: got ${dw[bad]}, reference ${expected[bad]}`);
        const guards = [...buffer.subarray(0, GUARD), ...buffer.subarray(GUARD + size)];
        if (guards.some((v) => v !== SENTINEL)) failures.push(`${c.name}: wrote outside dw`);
        const again = new Float32Array(size);
        kernel.weightGrad!(plan, x32, dy32, again, threads);
        if (again.some((v, j) => v !== dw[j])) failures.push(`${c.name}: a second call differs`);
      });
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${cases.length} shapes differ`);
    });
  }
  // Both backends split the tasks into a fixed number of parts (4, or fewer tasks) summed in part
  // order, so a training run's weight gradients do not depend on the thread count.
  test(`${kernel.id} weight gradient: the same bits at 1 and 2 threads`, () => {
    const differ = cases.filter((c, i) => {
      const { plan, expected, x32, dy32 } = weightGradInputs(i);
      const one = new Float32Array(expected.length), two = new Float32Array(expected.length);
      kernel.weightGrad!(plan, x32, dy32, one, 1);
      kernel.weightGrad!(plan, x32, dy32, two, 2);
      return one.some((v, j) => !Object.is(v, two[j]));
    });
    assert.deepEqual(differ.map((c) => c.name).slice(0, 5), []);
  });
}
