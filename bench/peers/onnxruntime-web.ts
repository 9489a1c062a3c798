/**
 * Peer: onnxruntime-web, wasm execution provider. Its Node entry ships one build,
 * ort-wasm-simd-threaded (SIMD always on; pthreads run as worker_threads in Node).
 *
 * The thread count is global: onnxruntime-web reads env.wasm.numThreads once, when its wasm module
 * initializes, and every session shares that pool. So each thread count needs its own instance of
 * the library, and bench/runners.ts hosts each of these runners in its own worker thread.
 */
import type * as OrtWeb from 'onnxruntime-web';
import { type PlannedCase, type Prepared, Refused, type Runner } from '../runner-types.js';
import { convModel, sessionPrepared } from './onnx-model.js';

export function ortWebRunner(threads: number): Runner {
  let ort: typeof OrtWeb;
  let threadsInUse = 0;
  return {
    id: `ort-web-${threads}t`,
    label: 'onnxruntime-web (wasm EP)',
    threads,
    async setup() {
      ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = threads;
      ort.env.logLevel = 'error';
      // The wasm module starts with the first session; start it now so a failure to bring up the
      // thread pool is reported once, as a refusal of every case, with the library's own error.
      try {
        const probe = await ort.InferenceSession.create(tinyModel(), { executionProviders: ['wasm'] });
        await probe.release();
      } catch (e) {
        throw new Refused(`onnxruntime-web with numThreads=${threads} did not start: ${(e as Error).message}`);
      }
      // The library silently falls back to 1 thread when it thinks threads are unsupported.
      threadsInUse = ort.env.wasm.numThreads ?? 0;
      if (threadsInUse !== threads) {
        throw new Refused(`onnxruntime-web fell back to numThreads=${threadsInUse} (asked ${threads})`);
      }
    },
    async info() {
      // onnxruntime-web's "exports" hide its package.json; the library reports its own version.
      return { version: ort.env.versions.web ?? 'unknown', executionProvider: 'wasm', numThreads: threadsInUse, build: 'ort-wasm-simd-threaded' };
    },
    async prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
      const session = await ort.InferenceSession.create(convModel(c, x, w, b), {
        executionProviders: ['wasm'],
        executionMode: 'sequential',
      });
      const feeds = { X: new ort.Tensor('float32', Float32Array.from(x), c.xShape) };
      return sessionPrepared(session, feeds);
    },
  };
}

/** A 1x1x1x1 conv, enough to make onnxruntime-web initialize its wasm module and thread pool. */
function tinyModel(): Uint8Array {
  const one = new Float32Array([1]);
  const c = {
    name: 'probe', model: '', N: 1, Cin: 1, Cout: 1, spatial: [1], kernel: [1], dilation: [1], stride: [1],
    padding: 0, groups: 1, nd: 1, xShape: [1, 1, 1], wShape: [1, 1, 1], pads: [[0, 0]], outShape: [1, 1, 1],
  } as unknown as PlannedCase;
  return convModel(c, one, one, new Float32Array([0]));
}
