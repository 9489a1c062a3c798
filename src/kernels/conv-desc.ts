import { AtrousError } from '../errors.js';
import type { ConvPlan } from '../shape/plan-conv.js';
import { geometry3d } from './ref/geometry3d.js';

/**
 * A forward conv plan as the 22 int32 fields of `struct ConvDesc` (src/kernels/csrc/conv-desc.h),
 * the form the native and wasm kernels take. Field order must match the struct. Throws rather than
 * let a size past 2^31 − 1 wrap around in the Int32Array.
 */
export function convDesc(plan: ConvPlan): Int32Array {
  const g = geometry3d(plan);
  const fields = [
    plan.batch, plan.inChannels, plan.outChannels, plan.groups,
    ...g.inSize, ...g.kernel, ...g.stride, ...g.dilation, ...g.padBefore, ...g.outSize,
  ];
  const big = fields.find((v) => !(Number.isInteger(v) && v >= 0 && v <= 0x7fffffff));
  if (big !== undefined) throw new AtrousError('bad_argument', `${plan.op}: ${big} does not fit the kernels' 32-bit conv descriptor (src/kernels/csrc/conv-desc.h)`);
  return Int32Array.from(fields);
}
