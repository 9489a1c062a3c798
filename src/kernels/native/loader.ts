import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { PackCacheStats } from '../conv-kernel.js';

/** The functions build/Release/atrous_native.node exports (src/kernels/native/addon.cc). */
export interface NativeAddon {
  /** Instruction sets this CPU supports, best first: 'avx512', 'avx2', 'baseline'. */
  isas(): string[];
  conv(isa: string, desc: Int32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): void;
  convAsync(isa: string, desc: Int32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): Promise<void>;
  /** The transposed conv of the forward conv `desc` (its input gradient): x is its dy, y its dx (src/kernels/csrc/conv-transpose.h). */
  convTranspose(isa: string, desc: Int32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): void;
  /** dw of the conv `desc` describes from its input x and output gradient dy (src/kernels/csrc/conv-wgrad.h). */
  convWeightGrad(isa: string, desc: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array, threads: number): void;
  /** The kernel the forward (or transposed) conv `desc` runs on: 'winograd', 'winograd-f33', 'winograd-f44', 'winograd-f43', 'winograd-f32', 'depthwise' or 'direct'. */
  algorithm(isa: string, desc: Int32Array, transposed: boolean): string;
  /** Bytes a call holds: the packed weights and the copy they were packed from (kept between calls), plus each thread's panel. */
  scratch(isa: string, desc: Int32Array, threads: number): number;
  /** The packed weights kept between calls (pack-cache.h) and how often a call found its own there, since the process started. */
  packCacheStats(): PackCacheStats;
  /**
   * y = max(x, 0) as torch.relu (NaN stays NaN), over two equally long arrays (src/kernels/csrc/pointwise.h).
   * These four take an optional thread count (default 1); arrays under 65,536 floats run on one.
   */
  relu(x: Float32Array, y: Float32Array, threads?: number): void;
  /** dx = g where y > 0, else 0: ReLU's backward from its output y. */
  reluBackward(g: Float32Array, y: Float32Array, dx: Float32Array, threads?: number): void;
  /** out = a + b over equally long arrays; out may be a. */
  add(a: Float32Array, b: Float32Array, out: Float32Array, threads?: number): void;
  /** out[c] = Σ g[n, c, ...] over the batch and the plane (a conv's bias gradient), summed in double; threads split the channels. */
  channelSums(g: Float32Array, out: Float32Array, batch: number, threads?: number): void;
  /** Batch norm over x [batch, C, plane], C = sum.length: per channel Σx and Σ(x − mean)², in double. */
  channelMoments(x: Float32Array, batch: number, sum: Float64Array, sqdev: Float64Array): void;
  /** Per channel Σg and Σg·x, in double (batch norm's backward). */
  channelSumDot(g: Float32Array, x: Float32Array, batch: number, sum: Float64Array, dot: Float64Array): void;
  /** out = kx[c]·x + k0[c] (+ kg[c]·g), computed in double; g and kg both null or both given. */
  channelAffine(x: Float32Array, out: Float32Array, batch: number, kx: Float64Array, k0: Float64Array, g: Float32Array | null, kg: Float64Array | null): void;
  /** Multiply-add throughput in GFLOP/s over all `threads` for one instruction set. */
  peak(isa: string, threads: number, seconds: number): number;
}

let cached: NativeAddon | null | undefined;
let loadError = '';

/**
 * Loads the addon built by `npm install` (node-gyp), or returns null when there is none — an install
 * without a compiler, or with install scripts disabled — so callers fall back to wasm or the reference.
 */
export function loadNative(): NativeAddon | null {
  if (cached !== undefined) return cached;
  // dist/src/kernels/native/loader.js → package root.
  const path = fileURLToPath(new URL('../../../../build/Release/atrous_native.node', import.meta.url));
  try {
    cached = existsSync(path) ? (createRequire(import.meta.url)(path) as NativeAddon) : null;
    if (!cached) loadError = `no native addon at ${path}`;
  } catch (e) {
    cached = null;
    loadError = `native addon at ${path} failed to load: ${(e as Error).message}`;
  }
  return cached;
}

/** Why loadNative() returned null, for `atrous info` and error messages. */
export function nativeLoadError(): string {
  return loadError;
}
