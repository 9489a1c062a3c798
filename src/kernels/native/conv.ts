import type { ConvPlan } from '../../shape/plan-conv.js';
import { convDesc } from '../conv-desc.js';
import type { NativeAddon } from './loader.js';

/** Output channels × output columns of the register tile each native build uses (conv-isa.cc). */
const TILES: Record<string, string> = { avx512: '8x48', avx2: '4x24', baseline: '4x12' };

export interface NativeConvKernel {
  id: string;
  isa: string;
  run(plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): void;
  runAsync(plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): Promise<void>;
  /** Extra memory one call takes beyond x, w, b and y: packed weights and per-thread panels. */
  scratchBytes(plan: ConvPlan, threads: number): number;
}

/** One kernel per instruction set this CPU supports, best first. */
export function nativeConvKernels(addon: NativeAddon): NativeConvKernel[] {
  return addon.isas().map((isa) => ({
    id: `conv_f32_direct${TILES[isa] ?? ''}__native_${isa}`,
    isa,
    run: (plan, x, w, b, y, threads) => addon.conv(isa, convDesc(plan), x, w, b, y, threads),
    runAsync: (plan, x, w, b, y, threads) => addon.convAsync(isa, convDesc(plan), x, w, b, y, threads),
    scratchBytes: (plan, threads) => addon.scratch(isa, convDesc(plan), threads),
  }));
}
