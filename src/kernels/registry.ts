import { availableParallelism } from 'node:os';
import { AtrousError } from '../errors.js';
import type { ConvPlan } from '../shape/plan-conv.js';
import type { TypedData } from '../tensor/tensor.js';
import type { Backend, ConvKernel } from './conv-kernel.js';
import { nativeConvKernels } from './native/conv.js';
import { loadNative, type NativeAddon, nativeLoadError } from './native/loader.js';
import { phaseKernelFits } from './conv-desc.js';
import { transposeAsConv } from './conv-transpose-as-conv.js';
import { convRef } from './ref/conv.js';
import { reluRef } from './ref/relu.js';
import { type WasmConvKernel, wasmConvKernels } from './wasm/conv.js';
import { loadWasm, wasmLoadErrors } from './wasm/loader.js';
import { convTransposeRef } from './ref/conv-transpose.js';

/**
 * The one place that chooses a kernel. Order: native (the node-gyp addon, best instruction set
 * first) → wasm (relaxed SIMD, else SIMD128; shipped prebuilt, so always there on Node 20) → the
 * reference. `ATROUS_BACKEND=native|wasm|ref` (read once, at the first call) or `setBackend()` pins
 * one; float64 always runs on the reference, which is the only float64 kernel.
 */
const BACKENDS: readonly Backend[] = ['native', 'wasm', 'ref'];

const refKernel: ConvKernel = {
  id: 'conv_f32_ref__js',
  backend: 'ref',
  run: (plan, x, w, b, y, _threads, relu) => convRefRelu(plan, x, w, b, y, relu === true),
  runAsync: async (plan, x, w, b, y, _threads, relu) => convRefRelu(plan, x, w, b, y, relu === true),
  scratchBytes: () => 0,
};

let pinned: Backend | null = null;
// The kernels take at most 256 threads (src/kernels/native/addon.cc).
let threadCount = Math.min(256, availableParallelism());
let kernels: ConvKernel[] | null = null;
let wasmKernels: WasmConvKernel[] = [];

/** Every forward conv kernel usable here, fastest first; the conformance test runs them all. */
export function convKernels(): ConvKernel[] {
  if (!kernels) {
    const addon = loadNative();
    wasmKernels = wasmConvKernels();
    kernels = [...(addon ? nativeConvKernels(addon) : []), ...wasmKernels, refKernel];
  }
  return kernels;
}

/** The wasm kernel calls go to when the wasm backend is chosen. */
function wasmKernel(op: string): WasmConvKernel {
  convKernels();
  const k = wasmKernels[0];
  if (!k) throw new AtrousError('bad_argument', `${op}: the wasm backend is not available (${unavailable('wasm')})`);
  return k;
}

/**
 * A zero-filled Float32Array of `length` floats in the wasm backend's memory, as
 * tfjs-backend-wasm keeps its tensors: a conv on the wasm backend reads it in place as the input
 * and writes it in place as the output, where it copies any other array in and out on every call
 * (on the depthwise2d benchmark those copies are a third of the call). Every other backend takes it
 * as the plain Float32Array it is. Give it back with releaseWasmArray, or drop it: it is released
 * once collected (a subarray of it does not keep it alive).
 */
export function wasmArray(length: number): Float32Array {
  return wasmKernel('wasmArray').allocArray(length);
}

/** Gives an array from wasmArray back to the wasm memory now. Throws while a conv still uses it. */
export function releaseWasmArray(array: Float32Array): void {
  wasmKernel('releaseWasmArray').releaseArray(array);
}

// ATROUS_BACKEND as first read: every conv and every native ReLU asks which backend to use, and
// reading process.env (a call into the runtime each time) took ~2% of a TCN training step.
let envBackend: string | undefined | null = null;

function requested(): Backend | null {
  if (pinned) return pinned;
  if (envBackend === null) envBackend = process.env.ATROUS_BACKEND;
  const env = envBackend;
  if (env === undefined || env === '') return null;
  if (!BACKENDS.includes(env as Backend)) {
    throw new AtrousError('bad_argument', `ATROUS_BACKEND must be 'native', 'wasm' or 'ref', got '${env}'`);
  }
  return env as Backend;
}

/**
 * Pins the backend for every following call (like `tf.setBackend`), or `null` for the default
 * order. Throws if the backend is not available here, saying why.
 */
export function setBackend(backend: Backend | null): void {
  if (backend !== null && !BACKENDS.includes(backend)) {
    throw new AtrousError('bad_argument', `setBackend: expected 'native', 'wasm', 'ref' or null, got '${String(backend)}'`);
  }
  if (backend !== null && backend !== 'ref' && !convKernels().some((k) => k.backend === backend)) {
    throw new AtrousError('bad_argument', `setBackend: the ${backend} backend is not available (${unavailable(backend)})`);
  }
  pinned = backend;
}

/** Threads a kernel may use in one call; defaults to the machine's cores. */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new AtrousError('bad_argument', `setThreads: expected an integer in 1..256, got ${n}`);
  threadCount = n;
}

export function getThreads(): number {
  return threadCount;
}

/** The float32 kernel calls use now (float64 always runs convRef). */
export function chooseConvKernel(): ConvKernel {
  const want = requested();
  if (want === null) return convKernels()[0];
  const best = convKernels().find((k) => k.backend === want);
  if (!best) throw new AtrousError('bad_argument', `ATROUS_BACKEND=${want} but the ${want} backend is not available (${unavailable(want)})`);
  return best;
}

/** Every backend with whether it can run here and, if not, why; for `atrous info`. */
export function backendReport(): { backend: Backend; kernels: string[]; reason: string }[] {
  return BACKENDS.map((backend) => {
    const kernels = convKernels().filter((k) => k.backend === backend).map((k) => k.id);
    return { backend, kernels, reason: kernels.length ? '' : unavailable(backend) };
  });
}

function unavailable(backend: Backend): string {
  if (backend === 'native') return `${nativeLoadError()}; run npm install with a C++ compiler`;
  return loadWasm().length ? '' : wasmLoadErrors() || 'this runtime has no WebAssembly SIMD';
}

/**
 * Runs a validated forward conv plan: float32 on the chosen kernel, float64 on the reference.
 * `relu`: ReLU on the output, applied by the kernel as it stores each value (a fused conv + ReLU).
 */
export function runConv(plan: ConvPlan, x: TypedData, w: TypedData, b: TypedData | null, y: TypedData, relu = false): void {
  if (y instanceof Float64Array) return convRefRelu(plan, x, w, b, y, relu);
  chooseConvKernel().run(plan, x as Float32Array, w as Float32Array, b as Float32Array | null, y, threadCount, relu);
}

function convRefRelu(plan: ConvPlan, x: TypedData, w: TypedData, b: TypedData | null, y: TypedData, relu: boolean): void {
  convRef(plan, x, w, b, y);
  if (relu) reluRef(y, y);
}

/**
 * The weight gradient of a validated conv plan on the chosen kernel's dedicated weight-gradient
 * kernel. Returns false (nothing written) when the backend has none or the data is float64, so the
 * caller computes it another way.
 */
export function runConvWeightGrad(plan: ConvPlan, x: TypedData, dy: TypedData, dw: TypedData): boolean {
  if (!(dw instanceof Float32Array)) return false;
  const kernel = chooseConvKernel();
  if (!kernel.weightGrad) return false;
  kernel.weightGrad(plan, x as Float32Array, dy as Float32Array, dw, threadCount);
  return true;
}

/** runConv off the main thread where the kernel can (native, wasm): the event loop keeps running. */
export async function runConvAsync(plan: ConvPlan, x: TypedData, w: TypedData, b: TypedData | null, y: TypedData, relu = false): Promise<void> {
  if (y instanceof Float64Array) return convRefRelu(plan, x, w, b, y, relu);
  await chooseConvKernel().runAsync(plan, x as Float32Array, w as Float32Array, b as Float32Array | null, y, threadCount, relu);
}

/**
 * The native addon when calls go to the native backend, for the pointwise kernels it also holds
 * (ReLU); null otherwise, so pinning wasm or ref keeps training off native code entirely.
 */
export function nativePointwise(): NativeAddon | null {
  return chooseConvKernel().backend === 'native' ? loadNative() : null;
}

/** Which backend calls go to now, for `atrous info` and debugging. */
export function activeBackend(): { backend: Backend; kernel: string; threads: number } {
  const k = chooseConvKernel();
  return { backend: k.backend, kernel: k.id, threads: threadCount };
}

/**
 * Runs a validated transposed conv plan: float64 and the ref backend on convTransposeRef, float32
 * on the chosen kernel's stride-phase kernel where it has one and the strides allow, else as the
 * equivalent forward conv over zero-upsampled x.
 */
export function runConvTranspose(plan: ConvPlan, x: TypedData, w: TypedData, b: TypedData | null, y: TypedData): void {
  if (y instanceof Float64Array) return convTransposeRef(plan, x, w, b, y);
  const kernel = chooseConvKernel();
  if (kernel.backend === 'ref') return convTransposeRef(plan, x, w, b, y);
  if (kernel.transpose && phaseKernelFits(plan)) {
    return kernel.transpose(plan, x as Float32Array, w as Float32Array, b as Float32Array | null, y, threadCount);
  }
  const fwd = transposeAsConv(plan, x as Float32Array, w as Float32Array);
  if (fwd) return kernel.run(fwd.plan, fwd.x, fwd.w, b as Float32Array | null, y, threadCount);
  // Nothing but output padding survives the crop: every output is its channel's bias.
  const plane = y.length / (plan.batch * plan.outChannels);
  for (let i = 0; i < y.length; i++) y[i] = b ? b[Math.floor(i / plane) % plan.outChannels] : 0;
}

export type { Backend, ConvKernel };
