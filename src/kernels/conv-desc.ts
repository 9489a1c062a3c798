import { AtrousError } from '../errors.js';
import type { ConvPlan } from '../shape/plan-conv.js';
import { geometry3d } from './ref/geometry3d.js';

const INT32_MAX = 0x7fffffff;
/** Output columns one task may cover past the row's end: conv-direct.h's kChunk (128) rounded up to whole tiles (≤ 48 columns). */
const CHUNK_SLACK = 128 + 48;

/**
 * A forward conv plan as the 22 int32 fields of `struct ConvDesc` (src/kernels/csrc/conv-desc.h),
 * the form the native and wasm kernels take. Field order must match the struct.
 *
 * The kernels index one axis in 32 bits (conv-direct.h: `ow·sW`, `kw·dW`, panel offsets), so a
 * plan whose positions on one axis could pass 2^31 − 1 is refused here, for every backend, rather
 * than let an index wrap around: e.g. dilation 2^30 with padding to match is a valid plan that
 * only the reference can run.
 */
export function convDesc(plan: ConvPlan): Int32Array {
  const g = geometry3d(plan);
  const fields = [
    plan.batch, plan.inChannels, plan.outChannels, plan.groups,
    ...g.inSize, ...g.kernel, ...g.stride, ...g.dilation, ...g.padBefore, ...g.outSize,
  ];
  const big = fields.find((v) => !(Number.isInteger(v) && v >= 0 && v <= INT32_MAX));
  if (big !== undefined) throw new AtrousError('bad_argument', `${plan.op}: ${big} does not fit the kernels' 32-bit conv descriptor (src/kernels/csrc/conv-desc.h); use the ref backend`);
  for (let a = 0; a < 3; a++) {
    const reach = (g.outSize[a] + CHUNK_SLACK) * g.stride[a] + (g.kernel[a] - 1) * g.dilation[a] + g.padBefore[a] + g.inSize[a];
    if (reach > INT32_MAX) {
      throw new AtrousError('bad_argument', `${plan.op}: the geometry spans ${reach} positions on one axis; the fast kernels index in 32 bits; use the ref backend`);
    }
  }
  return Int32Array.from(fields);
}
