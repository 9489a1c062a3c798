import type { ConvPlan } from '../../shape/plan-conv.js';

/**
 * A plan's spatial geometry promoted to exactly three axes (D, H, W) by prepending unit axes,
 * so one set of plain loops serves 1D, 2D and 3D. A unit axis has size 1, kernel 1, stride 1,
 * dilation 1 and no padding, so it adds nothing; the memory layout is unchanged.
 */
export interface Geometry3d {
  inSize: [number, number, number];
  kernel: [number, number, number];
  stride: [number, number, number];
  dilation: [number, number, number];
  padBefore: [number, number, number];
  outSize: [number, number, number];
}

function lift(v: readonly number[], fill: number): [number, number, number] {
  const out = [fill, fill, fill];
  for (let i = 0; i < v.length; i++) out[3 - v.length + i] = v[i];
  return out as [number, number, number];
}

export function geometry3d(plan: ConvPlan): Geometry3d {
  return {
    inSize: lift(plan.inSize, 1),
    kernel: lift(plan.kernel, 1),
    stride: lift(plan.stride, 1),
    dilation: lift(plan.dilation, 1),
    padBefore: lift(plan.pads.map((p) => p[0]), 0),
    outSize: lift(plan.outSize, 1),
  };
}
