/** Numerical agreement between runners: every output against the reference runner's. */
import { convRef } from '../src/kernels/ref/conv.js';
import { permute } from '../src/tensor/permute.js';
import { Tensor } from '../src/tensor/tensor.js';
import type { OutputLayout, PlannedCase } from './runner-types.js';

/** Above this, a row is flagged: float32 convs of these sizes agree to ~1e-6 relative. */
export const AGREE_TOL = 1e-4;

/** The output as [N, Cout, ...out], whatever layout the runner returned. */
export function toChannelsFirst(y: Float32Array, layout: OutputLayout | undefined, c: PlannedCase): Float32Array {
  if (layout !== 'channels-last') return y;
  const [n, cout, ...out] = c.outShape;
  const nd = out.length;
  // [N, ...out, C] → [N, C, ...out]
  return permute(new Tensor(y, [n, ...out, cout]), [0, nd + 1, ...out.map((_, i) => i + 1)]).data as Float32Array;
}

/** max |y − ref| / max |ref|: one number per runner, comparable across cases. NaN anywhere gives Infinity. */
export function maxRelError(y: Float32Array, ref: Float32Array): number {
  if (y.length !== ref.length) return Infinity;
  let scale = 0;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < y.length; i++) {
    const d = Math.abs(y[i] - ref[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d; // NaN fails every comparison, so it lands here
  }
  return worst / (scale || 1);
}

/**
 * atrous's reference kernel (plain loops, float64 accumulation), called directly so that no fast
 * kernel is involved. Slow: used only when the reference runner has no output for a case.
 */
export function atrousReference(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(c.outShape.reduce((p, v) => p * v, 1));
  convRef(c.plan, x, w, b, y);
  return y;
}
