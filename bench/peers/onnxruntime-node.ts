/**
 * Peer: onnxruntime-node, CPU execution provider (MLAS kernels, native AVX2/AVX-512 dispatch).
 * Runs in the main thread; with threads = 1 it is also the reference every other output is
 * compared against. Session options are the library's defaults (graph optimizations 'all') except
 * the thread count, so the peer is measured as a user would get it.
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import type { PlannedCase, Prepared, Runner } from '../runner-types.js';
import { convModel, sessionPrepared } from './onnx-model.js';

export function ortNodeRunner(threads: number | 'default'): Runner {
  let ort: typeof Ort;
  return {
    id: threads === 'default' ? 'ort-node' : `ort-node-${threads}t`,
    label: 'onnxruntime-node (cpu EP)',
    threads,
    async setup() {
      ort = await import('onnxruntime-node');
    },
    async info() {
      const pkg = createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string };
      return { version: pkg.version, executionProvider: 'cpu', intraOpNumThreads: String(threads) };
    },
    async prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
      const options: Ort.InferenceSession.SessionOptions = {
        executionProviders: ['cpu'],
        executionMode: 'sequential',
        interOpNumThreads: 1, // one node: inter-op parallelism has nothing to do
        logSeverityLevel: 3,
      };
      if (threads !== 'default') options.intraOpNumThreads = threads;
      const session = await ort.InferenceSession.create(convModel(c, x, w, b), options);
      const feeds = { X: new ort.Tensor('float32', Float32Array.from(x), c.xShape) };
      return sessionPrepared(session, feeds);
    },
  };
}
