import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

/**
 * The WebAssembly builds of the kernels (tools/build-wasm.sh, committed under src/kernels/wasm/ and
 * shipped in the package beside dist/): 'relaxed' uses relaxed SIMD's multiply-add, 'simd128' only
 * SIMD128. Both are listed where this runtime accepts them, best first.
 */
export type WasmIsa = 'relaxed' | 'simd128';

export interface WasmVariant {
  isa: WasmIsa;
  module: WebAssembly.Module;
  /** Worker threads must enable the same V8 feature flag before instantiating (pool.ts). */
  needsRelaxedFlag: boolean;
}

/** What the module exports (src/kernels/csrc/conv-wasm.cc); pointers are byte offsets. */
export interface WasmExports {
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
  conv_sizes(desc: number, out: number): void;
  conv_pack_weights(desc: number, w: number, wpack: number): void;
  conv_run_tasks(desc: number, x: number, wpack: number, bias: number, y: number, panel: number, ints: number, begin: number, end: number): void;
  /** The same three for the transposed conv of the forward conv desc (x = its dy, y = its dx). */
  convt_sizes(desc: number, out: number): void;
  convt_pack_weights(desc: number, w: number, wpack: number): void;
  convt_run_tasks(desc: number, x: number, wpack: number, bias: number, y: number, panel: number, ints: number, begin: number, end: number): void;
  /** The kernel the conv desc (or its transposed conv, transposed = 1) runs on: 0 direct, 1 depthwise, 2 Winograd. */
  conv_algorithm(desc: number, transposed: number): number;
  /** out: 4 float64 = work floats per part, dw floats, the dw copy's offset in a part, tasks. */
  wgrad_sizes(desc: number, out: number): void;
  /** Parts [begin, end) of `parts` of the weight gradient of conv desc, each in its own work area from `work`. */
  wgrad_run_parts(desc: number, x: number, dy: number, work: number, begin: number, end: number, parts: number): void;
  peak_madd(rounds: number): number;
  /** 1 if the n 32-bit words at a and b are equal, else 0. */
  same_bits(a: number, b: number, n: number): number;
}

/** Node 20's V8 has relaxed SIMD behind this flag; newer ones accept it without. */
export const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

let cached: WasmVariant[] | undefined;
const errors: string[] = [];

function bytesOf(isa: WasmIsa): Uint8Array | null {
  // dist/src/kernels/wasm/loader.js → package root → src/kernels/wasm/conv-<isa>.wasm.
  const path = fileURLToPath(new URL(`../../../../src/kernels/wasm/conv-${isa}.wasm`, import.meta.url));
  try {
    return readFileSync(path);
  } catch (e) {
    errors.push(`cannot read ${path}: ${(e as Error).message}`);
    return null;
  }
}

/**
 * Relaxed SIMD is tried first as shipped, then once more after turning on V8's flag for it (a
 * process-wide setting, inherited by worker threads started later; pool.ts sets it in each worker
 * too, in case one was started before).
 */
function validateRelaxed(bytes: Uint8Array): boolean {
  if (WebAssembly.validate(bytes)) return false;
  v8.setFlagsFromString(RELAXED_FLAG);
  if (WebAssembly.validate(bytes)) return true;
  throw new Error('this runtime does not accept relaxed SIMD, even with ' + RELAXED_FLAG);
}

/** The variants this runtime accepts, best first; empty without WebAssembly SIMD. */
export function loadWasm(): WasmVariant[] {
  if (cached) return cached;
  cached = [];
  for (const isa of ['relaxed', 'simd128'] as const) {
    const bytes = bytesOf(isa);
    if (!bytes) continue;
    try {
      const needsRelaxedFlag = isa === 'relaxed' ? validateRelaxed(bytes) : false;
      if (isa === 'simd128' && !WebAssembly.validate(bytes)) throw new Error('this runtime does not accept WebAssembly SIMD128');
      cached.push({ isa, module: new WebAssembly.Module(bytes), needsRelaxedFlag });
    } catch (e) {
      errors.push(`conv-${isa}.wasm: ${(e as Error).message}`);
    }
  }
  return cached;
}

/** Why a variant is missing from loadWasm(), for error messages. */
export function wasmLoadErrors(): string {
  return errors.join('; ');
}
