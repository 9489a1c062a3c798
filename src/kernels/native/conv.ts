import { convDesc, transposedDesc } from '../conv-desc.js';
import type { ConvAlgorithm, ConvKernel } from '../conv-kernel.js';
import type { NativeAddon } from './loader.js';
import type { ConvPlan } from '../../shape/plan-conv.js';

/** Output channels × output columns of the register tile each native build uses (conv-isa.cc). */
const TILES: Record<string, string> = { avx512: '8x48', avx2: '4x24', baseline: '4x12' };

/**
 * A native kernel; scratchBytes is the packed weights and the copy of the weights they were packed
 * from (both kept between calls, so repeated calls with unchanged weights skip the packing:
 * src/kernels/native/pack-cache.h), plus each thread's panel.
 */
export interface NativeConvKernel extends ConvKernel {
  isa: string;
  /** The conv's weight gradient from x and dy, into dw (a dedicated kernel: csrc/conv-wgrad.h). */
  weightGrad(plan: ConvPlan, x: Float32Array, dy: Float32Array, dw: Float32Array, threads: number): void;
}

/** One kernel per instruction set this CPU supports, best first. */
export function nativeConvKernels(addon: NativeAddon): NativeConvKernel[] {
  return addon.isas().map((isa) => ({
    id: `conv_f32_direct${TILES[isa] ?? ''}__native_${isa}`,
    backend: 'native',
    isa,
    run: (plan, x, w, b, y, threads, relu) => addon.conv(isa, convDesc(plan, relu), x, w, b, y, threads),
    runAsync: (plan, x, w, b, y, threads, relu) => addon.convAsync(isa, convDesc(plan, relu), x, w, b, y, threads),
    scratchBytes: (plan, threads) => addon.scratch(isa, convDesc(plan), threads),
    algorithm: (plan) => addon.algorithm(isa, plan.transposed ? transposedDesc(plan) : convDesc(plan), plan.transposed) as ConvAlgorithm,
    transpose: (plan, x, w, b, y, threads) => addon.convTranspose(isa, transposedDesc(plan), x, w, b, y, threads),
    weightGrad: (plan, x, dy, dw, threads) => addon.convWeightGrad(isa, convDesc(plan), x, dy, dw, threads),
  }));
}
