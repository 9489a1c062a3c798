import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { RELAXED_FLAG, type WasmExports, type WasmVariant } from './loader.js';
import { WasmHeap, createMemory } from './memory.js';
import {
  BOOTING, BUSY, CONTROL_BYTES, type ConvJob, DEAD, FAILED, IDLE, type Job, keepingStack, MAX_WORKERS, measurePeak, PENDING, resetClaims, runTasks,
  RESULT, runClaimed, SPIN, SPIN_MS, STATE, type WorkerInit, writeJob,
} from './protocol.js';

/** Each instance's stack: conv-direct.h keeps a few hundred bytes there. */
const STACK_BYTES = 64 * 1024;
/** How long a worker may take to start before a call gives up on it. */
const BOOT_MS = 30_000;

interface Slot {
  worker: Worker;
  port: MessagePort;
  stack: number;
  /** From the worker's 'error' event, when the main thread got to see it. */
  error?: string;
}

/**
 * One kernel module on one shared memory, run by the calling thread plus worker threads.
 *
 * - `run` (sync): the main thread runs tasks alongside `threads − 1` workers and blocks in
 *   Atomics.wait until they have answered. `runAsync`: `threads` workers, the event loop stays free.
 * - Tasks are claimed from an atomic counter, so a thread slowed by other work on the machine
 *   takes fewer. Each thread has its own panel and ints, allocated per call.
 * - Workers are started on first need and unref'd: an idle pool never keeps the process alive.
 * - A worker that throws or exits mid-job makes that call throw, naming the worker; it is replaced
 *   on the next call. No call waits on a worker that can no longer answer.
 */
export class WasmPool {
  readonly heap: WasmHeap;
  private readonly main: WasmExports;
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly ctl = new Int32Array(this.control);
  private readonly slots: Slot[] = [];
  /** Workers are on a job: a call that arrives meanwhile runs on the main thread alone. */
  private busy = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly variant: WasmVariant) {
    const memory = createMemory();
    this.main = new WebAssembly.Instance(variant.module, { env: { memory } }).exports as unknown as WasmExports;
    this.heap = new WasmHeap(memory, this.main.__heap_base.value as number);
    this.main.__stack_pointer.value = this.heap.alloc(STACK_BYTES, 'stack') + STACK_BYTES;
  }

  /** The main thread's instance, for calls that need no workers (sizes, packing). */
  get exports(): WasmExports {
    return this.main;
  }

  /** Runs conv tasks [0, job.tasks) on up to `threads` threads; returns when all are done. */
  run(job: Omit<ConvJob, 'grain' | 'parts'>, scratch: Scratch, threads: number): void {
    const helpers = this.busy ? 0 : Math.min(threads, job.tasks, MAX_WORKERS + 1) - 1;
    if (helpers <= 0) {
      // Several calls, not one: V8 starts wasm code in its baseline compiler and swaps in the
      // optimized code between calls (there is no on-stack replacement), so a first long call
      // would otherwise run unoptimized to the end.
      const step = grain(job.tasks, 1);
      this.withScratch(scratch, 1, (panel, ints) =>
        keepingStack(this.main, () => {
          for (let i = 0; i < job.tasks; i += step) {
            runTasks(this.main, job, panel, ints, i, Math.min(job.tasks, i + step));
          }
        }),
      );
      return;
    }
    this.busy = true;
    try {
      this.bootSync(helpers);
      const full = { ...job, grain: grain(job.tasks, helpers + 1), parts: helpers + 1 };
      this.withScratch(scratch, helpers + 1, (panel, ints, bytes) => {
        // The main thread is part 0, worker i part i + 1.
        this.dispatch(helpers, (i) => ({ kind: 'conv', job: full, panel: panel + (i + 1) * bytes, ints: ints + (i + 1) * bytes, part: i + 1 }));
        let mainError: unknown = null;
        try {
          runClaimed(this.main, this.ctl, full, 0, panel, ints);
        } catch (e) {
          mainError = e;
        }
        this.waitSync(helpers);
        this.checkFailures(helpers);
        if (mainError) throw mainError;
      });
    } finally {
      this.busy = false;
    }
  }

  /** `run` on `threads` workers, leaving the calling thread free; calls queue behind each other. */
  runAsync(job: Omit<ConvJob, 'grain' | 'parts'>, scratch: Scratch, threads: number): Promise<void> {
    const run = this.tail.then(() => this.runOnWorkers(job, scratch, Math.min(threads, job.tasks, MAX_WORKERS)));
    this.tail = run.catch(() => {});
    return run;
  }

  /** Multiply-add GFLOP/s of `threads` threads together (the main thread and threads − 1 workers). */
  peak(threads: number, seconds: number): number {
    const helpers = Math.min(threads, MAX_WORKERS + 1) - 1;
    if (this.busy) throw new Error('atrous wasm: peak() while the pool is running a job');
    this.busy = true;
    try {
      this.bootSync(helpers);
      this.dispatch(helpers, () => ({ kind: 'peak', seconds }));
      let total = measurePeak(this.main, seconds);
      this.waitSync(helpers);
      this.checkFailures(helpers);
      const results = new Float64Array(this.control, RESULT);
      for (let i = 0; i < helpers; i++) total += results[i];
      return total;
    } finally {
      this.busy = false;
    }
  }

  /** Jobs handed to a worker still spinning after its last one (through the control block), for tests. */
  handoffs = 0;

  /** Live worker threads, for tests. */
  get workers(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /** Stops every worker; the next multi-threaded call starts new ones. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private async runOnWorkers(job: Omit<ConvJob, 'grain' | 'parts'>, scratch: Scratch, n: number): Promise<void> {
    this.busy = true;
    const booting = this.spawn(n);
    // Referenced until the answer: a pending Atomics.waitAsync alone does not keep Node running.
    for (let i = 0; i < n; i++) this.slots[i].worker.ref();
    try {
      await this.bootAsync(booting);
      const full = { ...job, grain: grain(job.tasks, n), parts: n };
      const bytes = scratchBytes(scratch);
      const block = this.heap.alloc(bytes * n);
      try {
        this.dispatch(n, (i) => ({ kind: 'conv', job: full, panel: block + i * bytes, ints: block + i * bytes + scratch.panelBytes, part: i }));
        for (let p; (p = Atomics.load(this.ctl, PENDING)) !== 0; ) {
          const w = Atomics.waitAsync(this.ctl, PENDING, p);
          if (w.async) await w.value;
        }
        this.checkFailures(n);
      } finally {
        this.heap.release(block);
      }
    } finally {
      for (let i = 0; i < n; i++) this.slots[i].worker.unref();
      this.busy = false;
    }
  }

  /**
   * Blocks until the first `n` workers have answered. A worker's 'exit' event cannot fire while
   * this thread is blocked, so every second the wait also looks for workers that stopped without
   * answering (threadId −1: killed, out of memory) and answers for them as the exit handler would.
   */
  private waitSync(n: number): void {
    // Spin first, as the workers do after a job: a short call's workers answer within it.
    for (const until = performance.now() + SPIN_MS; Atomics.load(this.ctl, PENDING) !== 0 && performance.now() < until; );
    for (let p; (p = Atomics.load(this.ctl, PENDING)) !== 0; ) {
      if (Atomics.wait(this.ctl, PENDING, p, 1000) !== 'timed-out') continue;
      for (let i = 0; i < n; i++) {
        if (this.slots[i].worker.threadId !== -1) continue;
        if (Atomics.compareExchange(this.ctl, STATE + i, BUSY, DEAD) === BUSY) {
          Atomics.add(this.ctl, FAILED, 1);
          Atomics.sub(this.ctl, PENDING, 1);
        }
      }
    }
  }

  /** Allocates `threads` scratch areas (panel, then ints) in one block, freed after `body`. */
  private withScratch(scratch: Scratch, threads: number, body: (panel: number, ints: number, bytes: number) => void): void {
    const bytes = scratchBytes(scratch);
    const block = this.heap.alloc(bytes * threads);
    try {
      body(block, block + scratch.panelBytes, bytes);
    } finally {
      this.heap.release(block);
    }
  }

  /**
   * Gives one job to each of the first `n` workers, after resetting the counters (a conv job's
   * claims too, before any part, the caller's included, can claim): a conv job
   * through the control block to a worker still spinning after its last job (SPIN → BUSY), else
   * by message (IDLE → BUSY). A peak job always goes by message (a spinning worker is sent back to
   * IDLE first). A worker in any other state (it died since it booted) gets the message as before,
   * and the waits answer for it.
   */
  private dispatch(n: number, job: (i: number) => Job): void {
    Atomics.store(this.ctl, FAILED, 0);
    Atomics.store(this.ctl, PENDING, n);
    const jobs = Array.from({ length: n }, (_, i) => job(i));
    const conv = jobs.length > 0 && jobs.every((j) => j.kind === 'conv');
    if (conv) {
      const { tasks, parts } = (jobs[0] as Extract<Job, { kind: 'conv' }>).job;
      resetClaims(this.ctl, tasks, parts);
      writeJob(this.control, jobs);
    }
    for (let i = 0; i < n; i++) {
      const slot = STATE + i;
      for (;;) {
        if (Atomics.compareExchange(this.ctl, slot, IDLE, BUSY) === IDLE) {
          this.slots[i].worker.postMessage(jobs[i]);
          break;
        }
        if (conv && Atomics.compareExchange(this.ctl, slot, SPIN, BUSY) === SPIN) {
          this.handoffs++;
          break;
        }
        if (!conv && Atomics.compareExchange(this.ctl, slot, SPIN, IDLE) === SPIN) continue;
        const state = Atomics.load(this.ctl, slot);
        if (state !== IDLE && state !== SPIN) {
          Atomics.store(this.ctl, slot, BUSY);
          this.slots[i].worker.postMessage(jobs[i]);
          break;
        }
      }
    }
  }

  /** Throws if any worker failed the job just answered, with every error it reported. */
  private checkFailures(n: number): void {
    if (Atomics.load(this.ctl, FAILED) === 0) return;
    const why: string[] = [];
    for (let i = 0; i < n; i++) {
      why.push(...this.drain(i));
      if (Atomics.load(this.ctl, STATE + i) === DEAD) why.push(`worker ${i} exited during the call`);
    }
    throw new Error(`atrous wasm: ${why.join('; ') || 'a worker failed'}`);
  }

  private drain(i: number): string[] {
    const out: string[] = [];
    const slot = this.slots[i];
    for (let m; slot && (m = receiveMessageOnPort(slot.port)); ) out.push((m.message as { error: string }).error);
    if (slot?.error) out.push(slot.error);
    return out;
  }

  /** Starts workers [0, n) that are missing or dead; returns those still booting. */
  private spawn(n: number): number[] {
    const booting: number[] = [];
    for (let i = 0; i < n; i++) {
      const state = Atomics.load(this.ctl, STATE + i);
      if (this.slots[i] && state !== DEAD) {
        if (state === BOOTING) booting.push(i);
        continue;
      }
      const stack = this.slots[i]?.stack ?? this.heap.alloc(STACK_BYTES, 'stack');
      Atomics.store(this.ctl, STATE + i, BOOTING);
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        module: this.variant.module, memory: this.heap.memory, control: this.control, index: i,
        stackTop: stack + STACK_BYTES, relaxedFlag: this.variant.needsRelaxedFlag ? RELAXED_FLAG : null, port: port2,
      };
      // execArgv: [] — a worker inherits the parent's flags by default, and under `node -e` that
      // includes the script, which the worker would then run instead of worker.js.
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init, transferList: [port2], execArgv: [] });
      const slot: Slot = { worker, port: port1, stack };
      worker.unref();
      worker.on('error', (e) => (slot.error = `worker ${i}: ${e.message}`));
      worker.on('exit', () => {
        if (this.slots[i] !== slot) return;
        // terminate() or a crash: the worker's own exit hook did not run, so answer for it.
        if (Atomics.compareExchange(this.ctl, STATE + i, BUSY, DEAD) === BUSY) {
          Atomics.add(this.ctl, FAILED, 1);
          if (Atomics.sub(this.ctl, PENDING, 1) === 1) Atomics.notify(this.ctl, PENDING);
        }
        Atomics.store(this.ctl, STATE + i, DEAD);
        Atomics.notify(this.ctl, STATE + i);
      });
      this.slots[i] = slot;
      booting.push(i);
    }
    return booting;
  }

  private bootSync(n: number): void {
    const deadline = Date.now() + BOOT_MS;
    for (const i of this.spawn(n)) {
      while (Atomics.load(this.ctl, STATE + i) === BOOTING && Date.now() < deadline) {
        Atomics.wait(this.ctl, STATE + i, BOOTING, deadline - Date.now());
      }
      this.checkBooted(i);
    }
  }

  private async bootAsync(booting: number[]): Promise<void> {
    const deadline = Date.now() + BOOT_MS;
    for (const i of booting) {
      while (Atomics.load(this.ctl, STATE + i) === BOOTING && Date.now() < deadline) {
        const w = Atomics.waitAsync(this.ctl, STATE + i, BOOTING, deadline - Date.now());
        if (w.async) await w.value;
      }
      this.checkBooted(i);
    }
  }

  private checkBooted(i: number): void {
    const state = Atomics.load(this.ctl, STATE + i);
    if (state === IDLE) return;
    const why = this.drain(i).join('; ');
    if (state === BOOTING) void this.slots[i].worker.terminate();
    const what = state === BOOTING ? `did not start within ${BOOT_MS / 1000} s` : 'exited while starting';
    throw new Error(`atrous wasm: worker thread ${i} ${what}${why ? `: ${why}` : ''}`);
  }
}

/** Per-thread scratch of one conv call, in bytes. */
export interface Scratch {
  panelBytes: number;
  intsBytes: number;
}

function scratchBytes(s: Scratch): number {
  return Math.ceil((s.panelBytes + s.intsBytes) / 64) * 64;
}

/** Tasks per claim: about 8 claims per thread, so the counter is cheap and the tail is short. */
function grain(tasks: number, threads: number): number {
  return Math.max(1, Math.floor(tasks / (threads * 8)));
}
