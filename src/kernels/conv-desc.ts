import type { ConvPlan } from '../shape/plan-conv.js';
import { geometry3d } from './ref/geometry3d.js';

/**
 * A forward conv plan as the 22 int32 fields of `struct ConvDesc` (src/kernels/csrc/conv-desc.h),
 * the form the native and wasm kernels take. Field order must match the struct.
 */
export function convDesc(plan: ConvPlan): Int32Array {
  const g = geometry3d(plan);
  return Int32Array.from([
    plan.batch, plan.inChannels, plan.outChannels, plan.groups,
    ...g.inSize, ...g.kernel, ...g.stride, ...g.dilation, ...g.padBefore, ...g.outSize,
  ]);
}
