/**
 * A wasm pool worker (started by pool.ts): one instance of the kernel module on the shared memory,
 * with its own stack, running the jobs the main thread posts. It answers through the control block
 * (protocol.ts), never by message, so a main thread blocked in Atomics.wait still hears it.
 */
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { WasmExports } from './loader.js';
import { BUSY, DEAD, FAILED, IDLE, type Job, measurePeak, PENDING, readJob, RESULT, runClaimed, SPIN, SPIN_MS, STATE, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.control);
const results = new Float64Array(init.control, RESULT);
const slot = STATE + init.index;

function answer(ok: boolean): void {
  if (!ok) Atomics.add(ctl, FAILED, 1);
  if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
}

// Runs on process.exit() and after an uncaught exception, so a job this worker owes still gets an
// answer (the main thread covers terminate() and crashes from its 'exit' event).
process.on('exit', () => {
  const was = Atomics.exchange(ctl, slot, DEAD);
  if (was === BUSY) answer(false);
  Atomics.notify(ctl, slot);
});

let ex: WasmExports;
try {
  if (init.relaxedFlag) v8.setFlagsFromString(init.relaxedFlag);
  ex = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as WasmExports;
  ex.__stack_pointer.value = init.stackTop;
} catch (e) {
  init.port.postMessage({ error: `worker ${init.index} could not instantiate the kernels: ${(e as Error).message}` });
  process.exit(1);
}
Atomics.store(ctl, slot, IDLE);
Atomics.notify(ctl, slot);

/** Runs one job; whether it ran without an error (which goes to the main thread on the port). */
function run(msg: Job): boolean {
  try {
    if (msg.kind === 'conv') runClaimed(ex, ctl, msg.job, msg.part, msg.panel, msg.ints);
    else results[init.index] = measurePeak(ex, msg.seconds);
    return true;
  } catch (e) {
    init.port.postMessage({ error: `worker ${init.index}: ${(e as Error).message}` });
    return false;
  }
}

/**
 * Spins for SPIN_MS after a job (state SPIN), running any conv job the main thread hands over
 * through the control block (it moves SPIN → BUSY), then goes back to messages (SPIN → IDLE).
 * Whoever's compareExchange loses sees the other's state: the main thread then posts a message,
 * or this loop runs the job it was handed.
 */
function spin(): void {
  if (Atomics.compareExchange(ctl, slot, IDLE, SPIN) !== IDLE) return;
  let until = performance.now() + SPIN_MS;
  for (;;) {
    const state = Atomics.load(ctl, slot);
    if (state === BUSY) {
      const ok = run(readJob(init.control, init.index));
      if (Atomics.compareExchange(ctl, slot, BUSY, SPIN) !== BUSY) return; // DEAD: exiting
      answer(ok);
      until = performance.now() + SPIN_MS;
    } else if (state !== SPIN) {
      return;
    } else if (performance.now() > until && Atomics.compareExchange(ctl, slot, SPIN, IDLE) === SPIN) {
      return;
    }
  }
}

parentPort!.on('message', (msg: Job) => {
  const ok = run(msg);
  // BUSY → IDLE before answering, so the main thread may post the next job as soon as it wakes.
  if (Atomics.compareExchange(ctl, slot, BUSY, IDLE) === BUSY) {
    answer(ok);
    spin();
  }
});
