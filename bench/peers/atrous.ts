/**
 * The atrous kernels as benchmark runners: the native addon (best instruction set this CPU has)
 * and the WebAssembly build (relaxed SIMD where accepted, else SIMD128), each at 1 and 2 threads.
 * Each timed run is one whole conv call as the registry makes it: weights packed, panels built,
 * output written. Kernels that are unavailable (no compiler at install) are refused with the reason.
 * The wasm runners take plain arrays, which every call copies into wasm memory and out, as
 * onnxruntime-web copies its input and output; atrous-wasm-1t-inplace and -2t-inplace take x and
 * y from wasmArray (src/kernels/wasm/resident.ts), read and written where they are, as
 * tfjs-backend-wasm's tensors live in its memory.
 */
import { nativeConvKernels } from '../../src/kernels/native/conv.js';
import { loadNative, nativeLoadError } from '../../src/kernels/native/loader.js';
import { wasmConvKernels } from '../../src/kernels/wasm/conv.js';
import { wasmLoadErrors } from '../../src/kernels/wasm/loader.js';
import type { PeakProvider } from '../peak.js';
import { type PlannedCase, type Prepared, Refused, type Runner } from '../runner-types.js';

interface Kernel {
  id: string;
  run(plan: PlannedCase['plan'], x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number): void;
  scratchBytes(plan: PlannedCase['plan'], threads: number): number;
  /** Wasm: an array in its memory, read in place as x (src/kernels/wasm/resident.ts). */
  allocArray?(length: number): Float32Array;
  releaseArray?(array: Float32Array): void;
}

function kernelRunner(id: string, label: string, threads: number, peakKind: 'native' | 'wasm', find: () => Kernel | string, inPlace = false): Runner {
  let kernel: Kernel | string = 'not set up';
  return {
    id,
    label,
    threads,
    isAtrous: true,
    peakKind,
    async setup() {
      kernel = find();
    },
    async info(): Promise<Record<string, string | number>> {
      return typeof kernel === 'string' ? { unavailable: kernel } : { kernel: kernel.id, threads };
    },
    async prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
      if (typeof kernel === 'string') throw new Refused(kernel);
      const k = kernel;
      const ylen = c.outShape.reduce((a, n) => a * n, 1);
      if (inPlace && !(k.allocArray && k.releaseArray)) throw new Refused(`${k.id} has no arrays of its own memory`);
      const arrays = inPlace ? { x: k.allocArray!(x.length), y: k.allocArray!(ylen) } : { x, y: new Float32Array(ylen) };
      if (inPlace) arrays.x.set(x);
      return {
        async run() {
          k.run(c.plan, arrays.x, w, b, arrays.y, threads);
          return arrays.y;
        },
        async dispose() {
          if (inPlace) for (const a of [arrays.x, arrays.y]) k.releaseArray!(a);
        },
        // scratchBytes counts the copies of x and y, which a call in place does not make.
        extraBytes: k.scratchBytes(c.plan, threads) - (inPlace ? 4 * (x.length + ylen) : 0),
      };
    },
  };
}

const native = (): Kernel | string => {
  const addon = loadNative();
  return addon ? nativeConvKernels(addon)[0] : `native addon unavailable: ${nativeLoadError()}`;
};
const wasm = (): Kernel | string => wasmConvKernels()[0] ?? `wasm unavailable: ${wasmLoadErrors()}`;

export function atrousKernelRunners(): Runner[] {
  return [
    kernelRunner('atrous-native-1t', 'atrous native (N-API addon)', 1, 'native', native),
    kernelRunner('atrous-native-2t', 'atrous native (N-API addon)', 2, 'native', native),
    kernelRunner('atrous-wasm-1t', 'atrous wasm (worker threads; plain arrays, copied in and out)', 1, 'wasm', wasm),
    kernelRunner('atrous-wasm-2t', 'atrous wasm (worker threads; plain arrays, copied in and out)', 2, 'wasm', wasm),
    kernelRunner('atrous-wasm-1t-inplace', 'atrous wasm, x and y from wasmArray (no copies)', 1, 'wasm', wasm, true),
    kernelRunner('atrous-wasm-2t-inplace', 'atrous wasm, x and y from wasmArray (no copies)', 2, 'wasm', wasm, true),
  ];
}

/**
 * Best of several short runs: this VM's clock moves during a run, and a single one-second
 * measurement came out below what onnxruntime then sustained.
 */
async function bestOf(measure: () => number): Promise<number> {
  let best = 0;
  for (let i = 0; i < 6; i++) best = Math.max(best, measure());
  return best;
}

/** The multiply-add throughput loops each kernel build ships with: the ceiling its inner loop can reach. */
export function atrousPeakProviders(): PeakProvider[] {
  const providers: PeakProvider[] = [];
  const addon = loadNative();
  if (addon) {
    const isa = addon.isas()[0];
    providers.push({ kind: 'native', label: `atrous native ${isa} multiply-add loop, 12 accumulator chains`, gflopsPerCore: () => bestOf(() => addon.peak(isa, 1, 0.3)) });
  }
  const k = wasmConvKernels()[0];
  if (k) providers.push({ kind: 'wasm', label: `atrous wasm ${k.isa} multiply-add loop, 12 accumulator chains`, gflopsPerCore: () => bestOf(() => k.peak(1, 0.3)) });
  return providers;
}
