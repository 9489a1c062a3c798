/** The seeded data every runner of a case receives: identical bytes for all of them. */
import { randn } from '../src/tensor/tensor.js';
import { caseSeed } from './case-plan.js';
import type { PlannedCase } from './runner-types.js';

export interface CaseInputs {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  seed: number;
}

/**
 * x ~ N(0, 1); w and b ~ N(0, 1)/sqrt(fan-in), the scale of PyTorch's default init, so outputs stay
 * O(1) for every case and a relative error means the same thing across cases.
 */
export function drawInputs(c: PlannedCase): CaseInputs {
  const seed = caseSeed(c.name);
  const fanIn = (c.Cin / c.groups) * c.kernel.reduce((p, k) => p * k, 1);
  const scale = 1 / Math.sqrt(fanIn);
  const x = randn(c.xShape, { seed }).data as Float32Array;
  const w = randn(c.wShape, { seed: seed + 1 }).data as Float32Array;
  const b = randn([c.Cout], { seed: seed + 2 }).data as Float32Array;
  for (let i = 0; i < w.length; i++) w[i] *= scale;
  for (let i = 0; i < b.length; i++) b[i] *= scale;
  return { x, w, b, seed };
}
