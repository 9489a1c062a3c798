/**
 * The reference kernels against an independent implementation: onnxruntime-node's CPU Conv and
 * ConvTranspose, on a seeded corpus of ≥ 300 configurations. Our plan's padding is handed to
 * onnxruntime explicitly, so this checks the numerics and the output-size formula; the padding
 * rules themselves are unit-tested in test/shape.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setBackend } from '../../src/kernels/registry.js';
import { conv1d, conv2d, conv3d } from '../../src/ops/conv.js';
import { convTranspose1d, convTranspose2d, convTranspose3d } from '../../src/ops/conv-transpose.js';
import { planConv, planConvTranspose } from '../../src/shape/plan-conv.js';
import { randn, type Tensor } from '../../src/tensor/tensor.js';
import { type ConvCase, forwardCases, transposedCases } from '../oracle/conv-cases.js';
import { runOnnxConv } from '../oracle/onnx-conv.js';

// This file checks the reference itself; the fast kernels are checked against it in
// test/kernels/conformance.test.ts.
setBackend('ref');

const FORWARD = [conv1d, conv2d, conv3d];
const TRANSPOSED = [convTranspose1d, convTranspose2d, convTranspose3d];
const REL_TOL = 1e-5;

function runOurs(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const common = { stride: c.stride, dilation: c.dilation, groups: c.groups, bias: b };
  if (c.transposed) {
    return TRANSPOSED[c.nd - 1](x, w, { ...common, padding: c.padding as [number, number][], outputPadding: c.outputPadding });
  }
  return FORWARD[c.nd - 1](x, w, { ...common, padding: c.padding, causalAxis: c.causalAxis });
}

function padsOf(c: ConvCase, b: Tensor | null): [number, number][] {
  const plan = c.transposed
    ? planConvTranspose('oracle', c.nd, c.xShape, c.wShape, b && b.shape, { ...c, padding: c.padding as [number, number][] })
    : planConv('oracle', c.nd, c.xShape, c.wShape, b && b.shape, c);
  return plan.pads;
}

/** Runs one case both ways; returns a failure description, or the worst relative error seen. */
async function check(c: ConvCase, seed: number): Promise<string | number> {
  const x = randn(c.xShape, { seed });
  const w = randn(c.wShape, { seed: seed + 1 });
  const cout = c.transposed ? c.wShape[1] * c.groups : c.wShape[0];
  const b = c.bias ? randn([cout], { seed: seed + 2 }) : null;
  const ours = runOurs(c, x, w, b);
  const theirs = await runOnnxConv({
    op: c.transposed ? 'ConvTranspose' : 'Conv',
    x: { data: x.data as Float32Array, shape: x.shape },
    w: { data: w.data as Float32Array, shape: w.shape },
    b: b ? { data: b.data as Float32Array, shape: b.shape } : undefined,
    strides: c.stride,
    dilations: c.dilation,
    pads: padsOf(c, b),
    group: c.groups,
    outputPadding: c.transposed ? c.outputPadding : undefined,
  });
  const describe = `${c.name} x[${c.xShape}] w[${c.wShape}] s[${c.stride}] d[${c.dilation}] g${c.groups} pad ${JSON.stringify(c.padding)}`;
  if (JSON.stringify(theirs.shape) !== JSON.stringify(ours.shape)) {
    return `${describe}: shape ours [${ours.shape}] onnxruntime [${theirs.shape}]`;
  }
  let maxAbs = 0;
  for (const v of theirs.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < ours.size; i++) {
    const rel = Math.abs(ours.data[i] - theirs.data[i]) / Math.max(maxAbs, 1e-30);
    if (!(rel <= REL_TOL)) {
      return `${describe}: first bad index ${i}: ours ${ours.data[i]} onnxruntime ${theirs.data[i]} (max |y| ${maxAbs})`;
    }
    worst = Math.max(worst, rel);
  }
  return worst;
}

async function runCorpus(t: TestContext, cases: ConvCase[], seedBase: number): Promise<void> {
  const failures: string[] = [];
  let worst = 0;
  for (let i = 0; i < cases.length; i++) {
    const result = await check(cases[i], seedBase + 7 * i);
    if (typeof result === 'string') failures.push(result);
    else worst = Math.max(worst, result);
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${cases.length} cases disagree`);
  t.diagnostic(`worst error relative to max |y|: ${worst.toExponential(2)} over ${cases.length} cases`);
}

const forward = forwardCases(240, 2026);
const transposed = transposedCases(120, 1127);

test('the corpus covers what the oracle must see', () => {
  assert.ok(forward.length + transposed.length >= 300);
  const all = [...forward, ...transposed];
  for (const nd of [1, 2, 3]) assert.ok(all.some((c) => c.nd === nd && c.transposed), `transposed ${nd}D`);
  assert.ok(all.some((c) => c.dilation.some((d) => d >= 8)), 'dilation up to 8');
  assert.ok(all.some((c) => new Set(c.dilation).size > 1), 'different dilation per axis');
  assert.ok(all.some((c) => c.stride.some((s) => s === 3)), 'stride 3');
  assert.ok(all.some((c) => c.groups > 1 && c.groups === c.xShape[1]), 'depthwise');
  assert.ok(all.some((c) => c.groups > 1 && c.groups < c.xShape[1]), 'grouped');
  assert.ok(forward.some((c) => c.padding === 'same' && c.stride.some((s) => s > 1)), 'same with stride');
  assert.ok(forward.some((c) => c.padding === 'causal' && c.nd === 1), 'causal 1D');
  assert.ok(transposed.some((c) => c.outputPadding!.some((p) => p > 0)), 'output padding');
  // The edges: an output axis of length 1, and a dilated kernel exactly as large as the padded input.
  const plans = forward.map((c) => planConv('corpus', c.nd, c.xShape, c.wShape, null, c));
  assert.ok(plans.some((p) => p.outSize.includes(1) && p.dilation.some((d) => d > 1)), 'output of length 1');
  assert.ok(
    plans.some((p) => p.inSize.some((n, a) => n + p.pads[a][0] + p.pads[a][1] === p.dilation[a] * (p.kernel[a] - 1) + 1 && p.dilation[a] > 1)),
    'dilated kernel exactly as large as the padded input',
  );
});

test(`reference conv1d/2d/3d equal onnxruntime on ${forward.length} seeded cases`, async (t) => {
  await runCorpus(t, forward, 1);
});

test(`reference convTranspose1d/2d/3d equal onnxruntime on ${transposed.length} seeded cases`, async (t) => {
  await runCorpus(t, transposed, 100_000);
});
