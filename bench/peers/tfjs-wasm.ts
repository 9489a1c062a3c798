/**
 * Peer: tfjs-backend-wasm (XNNPACK kernels compiled to wasm).
 *
 * In Node the backend loads its .wasm from node_modules through setWasmPaths with a plain file
 * path prefix (Emscripten reads it with fs). It picks one of three builds from two flags:
 * WASM_HAS_SIMD_SUPPORT (true in Node 20) and WASM_HAS_MULTITHREAD_SUPPORT, which tfjs 4.22
 * hard-codes to false under Node (tfjs issue #3830). With threads > 1 this runner forces that flag
 * on, which selects the threaded build; if its pthread workers cannot start in Node, setup
 * refuses with the error tfjs reports. Runs in its own worker thread, so a failed start cannot
 * leave a half-initialized backend behind for the single-threaded runner.
 */
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import { type PlannedCase, type Prepared, Refused, type Runner } from '../runner-types.js';
import { prepareTfjs } from './tfjs-conv.js';
import { importCjs, packageDir, packageVersion, setBackendOrExplain, type Tf } from './tfjs-load.js';

const PKG = '@tensorflow/tfjs-backend-wasm';

export function tfjsWasmRunner(threads: number): Runner {
  let tf: Tf;
  let wasm: typeof TfWasm;
  return {
    id: threads === 1 ? 'tfjs-wasm' : `tfjs-wasm-${threads}t`,
    label: 'tfjs-backend-wasm (XNNPACK)',
    threads,
    async setup() {
      tf = await importCjs<Tf>('@tensorflow/tfjs-core');
      wasm = await importCjs<typeof TfWasm>(PKG);
      if (threads > 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(threads);
      wasm.setWasmPaths(packageDir(PKG, 'dist'));
      const failure = await setBackendOrExplain(tf, 'wasm');
      if (failure) throw new Refused(`tfjs wasm backend with ${threads} threads did not start: ${failure}`);
      if (wasm.getThreadsCount() !== threads) {
        throw new Refused(`tfjs wasm backend runs ${wasm.getThreadsCount()} threads (asked ${threads})`);
      }
    },
    async info() {
      return {
        version: packageVersion(PKG),
        core: packageVersion('@tensorflow/tfjs-core'),
        backend: tf.getBackend(),
        WASM_HAS_SIMD_SUPPORT: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        WASM_HAS_MULTITHREAD_SUPPORT: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
        threadsCount: wasm.getThreadsCount(),
      };
    },
    prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
      return prepareTfjs(tf, c, x, w, b);
    },
  };
}
