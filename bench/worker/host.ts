/**
 * Runs a Runner inside its own worker thread (same process, separate module graph), for peers
 * whose configuration is global to the library: onnxruntime-web fixes its thread pool at first
 * init, and tfjs has one active backend per engine. The returned proxy is itself a Runner, so the
 * harness times `run()` around the message round trip; run.ts measures that overhead with a ping
 * and records it (it is ~0.1 ms against runs of milliseconds). Outputs come back transferred, not copied.
 */
import { Worker } from 'node:worker_threads';
import { type PlannedCase, type Prepared, Refused, type Runner } from '../runner-types.js';
import type { HostedSpec, Reply, Request, RequestBody } from './protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** A Runner whose calls happen in a worker that imports `spec.module` and calls `spec.factory(...spec.args)`. */
export async function inWorker(spec: HostedSpec): Promise<Runner & { ping(): Promise<number> }> {
  // The factory only builds the descriptor; the heavy library is imported in setup(), in the worker.
  const mod = (await import(spec.module)) as Record<string, (...args: unknown[]) => Runner>;
  const meta = mod[spec.factory](...spec.args);
  let worker: Worker | null = null;
  let seq = 0;
  const pending = new Map<number, Pending>();
  let ready: Promise<unknown> = Promise.resolve();

  const failAll = (e: Error): void => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  const start = (): void => {
    const w = new Worker(new URL('./entry.js', import.meta.url), { workerData: spec });
    ready = new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
    w.on('message', (r: Reply) => {
      const p = pending.get(r.seq);
      if (!p) return;
      pending.delete(r.seq);
      if (r.ok) p.resolve(r.value);
      else p.reject(r.refused ? new Refused(r.message) : new Error(r.message));
    });
    w.on('error', (e) => failAll(new Error(`${meta.id} worker crashed: ${e.message}`)));
    w.on('exit', (code) => {
      worker = null;
      failAll(new Error(`${meta.id} worker exited with code ${code}`));
    });
    worker = w;
  };

  const call = async (body: RequestBody, transfer: ArrayBuffer[] = []): Promise<unknown> => {
    await ready;
    if (!worker) throw new Error(`${meta.id} worker is not running`);
    const w = worker;
    const s = ++seq;
    return new Promise((resolve, reject) => {
      pending.set(s, { resolve, reject });
      w.postMessage({ ...body, seq: s } satisfies Request, transfer);
    });
  };

  return {
    id: meta.id,
    label: meta.label,
    threads: meta.threads,
    isAtrous: meta.isAtrous,
    async setup() {
      start();
      await call({ op: 'setup' });
    },
    async info() {
      return { ...((await call({ op: 'info' })) as Record<string, string | number | boolean>), host: 'worker thread' };
    },
    async prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
      // Copies: the worker keeps its own, and the harness keeps x/w/b for the next runner.
      const [xc, wc, bc] = [Float32Array.from(x), Float32Array.from(w), Float32Array.from(b)];
      const layout = (await call({ op: 'prepare', c, x: xc, w: wc, b: bc }, [xc.buffer, wc.buffer, bc.buffer])) as Prepared['outputLayout'];
      return {
        outputLayout: layout,
        run: async () => (await call({ op: 'run' })) as Float32Array,
        dispose: async () => { await call({ op: 'dispose' }); },
      };
    },
    async teardown() {
      const w = worker;
      worker = null;
      await w?.terminate();
    },
    /** Median round-trip time of an empty request, in ms: the proxy's share of every timed run. */
    async ping() {
      const times: number[] = [];
      for (let i = 0; i < 51; i++) {
        const t0 = performance.now();
        await call({ op: 'ping' });
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[25];
    },
  };
}
