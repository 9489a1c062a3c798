/**
 * Worker side of a worker-hosted runner: owns one Runner and at most one Prepared case, and answers
 * the host's requests one at a time. Each worker has its own module graph, hence its own instance
 * of the peer library (onnxruntime-web's thread count and tfjs's backend are process-global otherwise).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Prepared, Refused, type Runner } from '../runner-types.js';
import type { HostedSpec, Reply, Request } from './protocol.js';

const spec = workerData as HostedSpec;
const port = parentPort!;
const mod = (await import(spec.module)) as Record<string, (...args: unknown[]) => Runner>;
const runner = mod[spec.factory](...spec.args);
let prepared: Prepared | null = null;

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'ping':
      return undefined;
    case 'setup':
      return runner.setup?.();
    case 'info':
      return runner.info?.();
    case 'prepare':
      if (prepared) throw new Error('worker host: prepare while a case is still prepared');
      prepared = await runner.prepare(req.c, req.x, req.w, req.b);
      return prepared.outputLayout ?? 'channels-first';
    case 'run':
      if (!prepared) throw new Error('worker host: run before prepare');
      return prepared.run();
    case 'dispose': {
      const p = prepared;
      prepared = null;
      return p?.dispose();
    }
  }
}

/** Transfers the output buffer instead of copying it; copies only a view into a larger buffer. */
function transferable(value: unknown): ArrayBuffer[] {
  if (!(value instanceof Float32Array)) return [];
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer
    ? [value.buffer]
    : [];
}

port.on('message', (req: Request) => {
  handle(req).then(
    (v) => {
      const value = v instanceof Float32Array && transferable(v).length === 0 ? Float32Array.from(v) : v;
      const reply: Reply = { seq: req.seq, ok: true, value };
      port.postMessage(reply, transferable(value));
    },
    (e: unknown) => {
      const reply: Reply = {
        seq: req.seq, ok: false, refused: e instanceof Refused, message: e instanceof Error ? e.message : String(e),
      };
      port.postMessage(reply);
    },
  );
});
port.postMessage({ seq: 0, ok: true } satisfies Reply); // ready
