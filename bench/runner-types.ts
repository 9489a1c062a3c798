/**
 * The contract between the benchmark harness and everything it times: the peers in bench/peers/
 * and the atrous kernels (bench/runners.ts: atrousRunners()). Everything is async so kernels that
 * run in a worker pool or behind N-API async work fit without a second interface.
 */
import type { Padding } from '../src/shape/padding.js';
import type { ConvPlan } from '../src/shape/plan-conv.js';

/** One entry of bench/shapes/*.json, in atrous terms: x [N, Cin, ...spatial], w [Cout, Cin/groups, ...kernel]. */
export interface BenchCase {
  name: string;
  /** One line: the model this layer comes from. */
  model: string;
  N: number;
  Cin: number;
  Cout: number;
  spatial: number[];
  kernel: number[];
  dilation: number[];
  stride: number[];
  /** As atrous's `Padding`: 'causal', 'same', a number for both sides of every axis, pairs, ... */
  padding: Padding;
  groups: number;
  /** Only for 'causal' in 2D/3D: which spatial axis is time. */
  causalAxis?: number;
}

/**
 * A case after atrous's own `planConv`: what 'causal'/'same' resolve to here is exactly what
 * atrous means by them, and every peer is handed these explicit pads. Plain data, so it can be
 * posted to a worker.
 */
export interface PlannedCase extends BenchCase {
  nd: number;
  xShape: number[];
  /** [Cout, Cin/groups, ...kernel] */
  wShape: number[];
  /** [before, after] per spatial axis. */
  pads: [number, number][];
  /** [N, Cout, ...outSize] */
  outShape: number[];
  /** 2·N·Cout·(Cin/groups)·prod(kernel)·prod(outSize), the issue's definition. */
  flops: number;
  /** Bytes a conv must at least read and write once: x, w, bias and y in float32. */
  bytes: number;
  /** The frozen plan itself, for atrous kernels that dispatch on it. */
  plan: ConvPlan;
}

/**
 * Axis order of the Float32Array a runner returns. 'channels-last' is [N, ...out, Cout] (tfjs's
 * NHWC family); the harness converts it, outside the timed region, before comparing outputs.
 */
export type OutputLayout = 'channels-first' | 'channels-last';

/** A case made ready to run: inputs uploaded, weights packed, sessions created. */
export interface Prepared {
  /** One forward conv, bias included; resolves to the whole output. This is what gets timed. */
  run(): Promise<Float32Array>;
  /** Frees what prepare allocated (sessions, tensors, wasm heap). */
  dispose(): Promise<void>;
  /** Default 'channels-first', i.e. exactly `outShape`. */
  outputLayout?: OutputLayout;
  /** Memory one run takes beyond x, w, b and y, where the runner can say (atrous kernels). */
  extraBytes?: number;
}

export interface Runner {
  /** Stable id used by --runners and in results, e.g. 'ort-node-1t'. */
  id: string;
  /** Human-readable, e.g. 'onnxruntime-node (CPU EP)'. */
  label: string;
  /** Intra-op threads asked for; 'default' leaves the library's own choice. */
  threads: number | 'default';
  /** True for atrous's own kernels: their rows get ratios against every peer. */
  isAtrous?: boolean;
  /** The ceiling for the % of peak column: WebAssembly runners are held to the wasm SIMD peak. Default 'native'. */
  peakKind?: 'native' | 'wasm';
  /** Loads the library once (dynamic imports live here, so unused runners cost nothing). */
  setup?(): Promise<void>;
  /** Runtime facts for the results file (versions, flags, threads actually in use); after setup. */
  info?(): Promise<Record<string, string | number | boolean>>;
  /**
   * Gets ready to run case `c`. x, w, b are in atrous layout ([N, Cin, ...], [Cout, Cin/groups, ...k],
   * [Cout]); copy them if you keep them. Throw `Refused` when the library cannot run this case.
   */
  prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared>;
  /** Releases library-wide resources (worker threads) at the end of the run. */
  teardown?(): Promise<void>;
}

/**
 * Thrown by `prepare` (or `setup`) when a runner cannot run a case at all; the harness records it
 * as a row carrying `reason`, never as a gap. Prefer the library's own error text as the reason.
 */
export class Refused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Refused';
  }
}

/** Threads a runner really occupies, for the % of peak column ('default' means every core). */
export function threadsUsed(threads: number | 'default', cores: number): number {
  return threads === 'default' ? cores : threads;
}
