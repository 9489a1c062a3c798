import type { ConvPlan } from '../shape/plan-conv.js';

/** Where a kernel runs: the node-gyp addon, WebAssembly, or the plain TypeScript reference. */
export type Backend = 'native' | 'wasm' | 'ref';

/** How a fast kernel computes a conv (ConvKernel.algorithm). */
export type ConvAlgorithm = 'winograd' | 'winograd-f33' | 'winograd-f44' | 'winograd-f43' | 'winograd-f32' | 'depthwise' | 'direct';

/**
 * Packed weights a backend keeps between calls (src/kernels/native/pack-cache.h,
 * src/kernels/wasm/pack-cache.ts): entries and bytes held, and how often a call found its own
 * weights there (hits) or packed them (misses).
 */
export interface PackCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

/** A float32 forward conv kernel: the one contract every backend implements (registry.ts chooses). */
export interface ConvKernel {
  /** `<op>_<dtype>_<algo><tile>__<backend>[_<isa>]`, e.g. `conv_f32_direct4x24__native_avx2`. */
  id: string;
  backend: Backend;
  /**
   * Runs a validated plan; `threads` ≥ 1 (the caller's thread included). `relu`: ReLU on every
   * output (PyTorch's rules: NaN stays NaN, −0 becomes 0), applied as the kernel stores it.
   */
  run(plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number, relu?: boolean): void;
  /** The same off the calling thread where the backend can (native, wasm). */
  runAsync(plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number, relu?: boolean): Promise<void>;
  /** Extra memory one call takes beyond its tensors (0 for the reference): O(tile), not O(k·C·H·W). */
  scratchBytes(plan: ConvPlan, threads: number): number;
  /**
   * A transposed conv (`plan.transposed`) by stride phases, where the backend has that kernel and
   * `phaseKernelFits(plan)` (conv-desc.ts); otherwise registry.ts rewrites it as a forward conv.
   */
  transpose?(plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): void;
  /** The conv's weight gradient dw from x and dy, where the backend has a dedicated kernel. */
  weightGrad?(plan: ConvPlan, x: Float32Array, dy: Float32Array, dw: Float32Array, threads: number): void;
  /**
   * The algorithm a plan runs on: 'winograd' (F(2x2, 3x3) or F(2, 3): stride-1 3x3 and 1x3 kernels
   * with enough channels, conv-winograd.h), 'winograd-f33' (F(3x3, 3x3): 3x3 kernels where it leaves
   * fewer products than F(2x2, 3x3)), 'winograd-f44' (F(4x4, 3x3): 3x3 kernels where it leaves fewer
   * products than both), 'winograd-f43' (F(4, 3): 1x3 kernels where it leaves fewer
   * products than F(2, 3)), 'winograd-f32' (F(3, 2): 1x2 kernels where it leaves fewer products than
   * the direct kernel), 'depthwise' or 'direct'. For benchmarks and tests; the reference has none.
   */
  algorithm?(plan: ConvPlan): ConvAlgorithm;
  /** Kernels with their own memory (wasm) report its live blocks, so tests can catch leaks. */
  heapStats?(): { bytes: number; blocks: number };
}
