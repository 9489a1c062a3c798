/**
 * Conv forward and gradients against PyTorch: test/golden/conv-grad.json holds, per case, the
 * inputs x, w, b, a cotangent gy and torch's y, dx, dw, db (float64 autograd), written by
 * tools/make-conv-grad-goldens.py. Each case is rebuilt here with our ops and the options stored
 * beside it, backpropagated with y.backward(gy), and compared: in float64 (the reference kernels)
 * to 1e-10 of the largest |value|, and in float32 (the fast kernels) to 1e-5. No Python needed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { activeBackend } from '../../src/kernels/registry.js';
import { type ConvArgs, conv1d, conv2d, conv3d } from '../../src/ops/conv.js';
import { type ConvTransposeArgs, convTranspose1d, convTranspose2d } from '../../src/ops/conv-transpose.js';
import { type DType, Tensor, tensor } from '../../src/tensor/tensor.js';

interface Flat {
  shape: number[];
  data: number[];
}

interface GoldenCase {
  name: string;
  op: 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d';
  /** The PyTorch call that produced the case, for failure messages. */
  torch: string;
  options: ConvArgs & ConvTransposeArgs;
  x: Flat;
  w: Flat;
  b: Flat | null;
  gy: Flat;
  y: Flat;
  dx: Flat;
  dw: Flat;
  db: Flat | null;
}

interface Golden {
  torch_version: string;
  command: string;
  cases: GoldenCase[];
}

const golden = JSON.parse(
  readFileSync(new URL('../../../test/golden/conv-grad.json', import.meta.url), 'utf8'),
) as Golden;

type Op = (x: Tensor, w: Tensor, args: ConvArgs & ConvTransposeArgs) => Tensor;
const OPS: Record<GoldenCase['op'], Op> = { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d };

const make = (f: Flat, dtype: DType): Tensor => tensor(f.data, f.shape, dtype);

/** Runs one case with our API; returns y and the three gradients. */
function runOurs(c: GoldenCase, dtype: DType): { y: Tensor; dx: Tensor | null; dw: Tensor | null; db: Tensor | null } {
  const x = make(c.x, dtype).requiresGrad_();
  const w = make(c.w, dtype).requiresGrad_();
  const b = c.b === null ? null : make(c.b, dtype).requiresGrad_();
  const y = OPS[c.op](x, w, { ...c.options, bias: b });
  y.backward(make(c.gy, dtype));
  return { y, dx: x.grad, dw: w.grad, db: b === null ? null : b.grad };
}

/** Compares shape and values, relative to the largest |expected|; the message names the case. */
function compare(c: GoldenCase, what: string, got: Tensor | null, want: Flat, relTol: number): void {
  const where = `${c.name} [${c.torch}] ${what}`;
  assert.ok(got !== null, `${where}: no gradient`);
  assert.deepEqual([...got.shape], want.shape, `${where}: shape`);
  const scale = Math.max(1, ...want.data.map(Math.abs));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(
    worst <= relTol * scale,
    `${where}: |ours − torch| = ${worst} at flat index ${at} (ours ${got.data[at]}, torch ${want.data[at]}), tolerance ${relTol} × ${scale}`,
  );
}

function checkCase(c: GoldenCase, dtype: DType, relTol: number): void {
  const r = runOurs(c, dtype);
  compare(c, 'y', r.y, c.y, relTol);
  compare(c, 'dx', r.dx, c.dx, relTol);
  compare(c, 'dw', r.dw, c.dw, relTol);
  if (c.db !== null) compare(c, 'db', r.db, c.db, relTol);
  else assert.equal(r.db, null);
}

describe(`conv gradients against PyTorch ${golden.torch_version} (${golden.command})`, () => {
  it('has the cases the fixture promises: every op, dilation, stride with dilation, groups, every padding mode', () => {
    const ops = new Set(golden.cases.map((c) => c.op));
    assert.deepEqual([...ops].sort(), ['conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d']);
    const kind = (p: unknown): string => (typeof p === 'string' ? p : typeof p);
    const pads = new Set(golden.cases.map((c) => kind(c.options.padding)));
    for (const p of ['same', 'causal', 'valid', 'number', 'object']) assert.ok(pads.has(p), `padding ${p}`);
    assert.ok(golden.cases.some((c) => c.x.shape.length === Number(c.op.at(-2)) + 1), 'an unbatched case');
    assert.ok(golden.cases.length >= 20);
  });

  for (const c of golden.cases) {
    it(`float64 (reference kernels): ${c.name}`, () => checkCase(c, 'float64', 1e-10));
  }
  for (const c of golden.cases) {
    it(`float32 (${activeBackend().kernel}): ${c.name}`, () => checkCase(c, 'float32', 1e-5));
  }
});
