import { AtrousError } from '../errors.js';
import type { ConvPlan } from '../shape/plan-conv.js';
import { geometry3d } from './ref/geometry3d.js';

const INT32_MAX = 0x7fffffff;
/** Output columns one task may cover past the row's end: conv-direct.h's kChunk (128) rounded up to whole tiles (≤ 48 columns). */
const CHUNK_SLACK = 128 + 48;

/** The int32 fields of `struct ConvDesc` (src/kernels/csrc/conv-desc.h: kConvDescFields). */
export const CONV_DESC_FIELDS = 23;

/**
 * A forward conv plan as the int32 fields of `struct ConvDesc` (src/kernels/csrc/conv-desc.h),
 * the form the native and wasm kernels take. Field order must match the struct. `relu`: the
 * kernel applies ReLU to each output as it stores it (a fused conv + ReLU).
 *
 * The kernels index one axis in 32 bits (conv-direct.h: `ow·sW`, `kw·dW`, panel offsets), so a
 * plan whose positions on one axis could pass 2^31 − 1 is refused here, for every backend, rather
 * than let an index wrap around: e.g. dilation 2^30 with padding to match is a valid plan that
 * only the reference can run.
 */
export function convDesc(plan: ConvPlan, relu = false): Int32Array {
  const g = geometry3d(plan);
  return checkedDesc(plan.op, [
    plan.batch, plan.inChannels, plan.outChannels, plan.groups,
    ...g.inSize, ...g.kernel, ...g.stride, ...g.dilation, ...g.padBefore, ...g.outSize, relu ? 1 : 0,
  ]);
}

/**
 * A transposed conv plan as the descriptor of the forward conv it is the adjoint of (the form the
 * transposed kernels take, src/kernels/csrc/conv-transpose.h): that conv's input is the transposed
 * conv's output, and its output the transposed conv's input. Same 32-bit limits as convDesc.
 */
export function transposedDesc(plan: ConvPlan): Int32Array {
  const g = geometry3d(plan);
  return checkedDesc(plan.op, [
    plan.batch, plan.outChannels, plan.inChannels, plan.groups,
    ...g.outSize, ...g.kernel, ...g.stride, ...g.dilation, ...g.padBefore, ...g.inSize, 0,
  ]);
}

/** Most stride phases the transposed kernels take (TransposedConv::kMaxPhases in conv-transpose.h). */
const MAX_PHASES = 64;

/** Whether the phase kernels run this transposed plan: min(stride, output size) multiplied over the axes. */
export function phaseKernelFits(plan: ConvPlan): boolean {
  const g = geometry3d(plan);
  return g.stride.reduce((n, s, a) => n * Math.min(s, g.outSize[a]), 1) <= MAX_PHASES;
}

function checkedDesc(op: string, fields: number[]): Int32Array {
  const big = fields.find((v) => !(Number.isInteger(v) && v >= 0 && v <= INT32_MAX));
  if (big !== undefined) throw new AtrousError('bad_argument', `${op}: ${big} does not fit the kernels' 32-bit conv descriptor (src/kernels/csrc/conv-desc.h); use the ref backend`);
  for (let a = 0; a < 3; a++) {
    const [inSize, kernel, stride, dilation, pad, outSize] = [4, 7, 10, 13, 16, 19].map((f) => fields[f + a]);
    const reach = (outSize + CHUNK_SLACK) * stride + (kernel - 1) * dilation + pad + inSize;
    if (reach > INT32_MAX) {
      throw new AtrousError('bad_argument', `${op}: the geometry spans ${reach} positions on one axis; the fast kernels index in 32 bits; use the ref backend`);
    }
  }
  return Int32Array.from(fields);
}
