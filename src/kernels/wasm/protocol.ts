import type { MessagePort } from 'node:worker_threads';
import type { WasmExports } from './loader.js';

/**
 * What pool.ts (main thread) and worker.ts share: the control block, a SharedArrayBuffer read
 * and written with Atomics, and the one message a worker gets per job.
 *
 *   Int32 [PENDING]     workers that still owe the current job an answer
 *   Int32 [FAILED]      workers that failed the current job (their error text is on their port)
 *   Int32 [STATE + w]   worker w: BOOTING → IDLE ⇄ BUSY ⇄ SPIN, and DEAD once it has exited
 *   Float64 [RESULT/8 + w]  worker w's answer to a peak job, in GFLOP/s
 *   Uint32 [JOB/4 ..]   the current conv job (JOB_FIELDS words), then each worker's panel, ints and part
 *   Int32 [CLAIMS/4 + 16·p]  part p's next unclaimed task of the current job (runClaimed)
 *
 * After a job a worker spins for SPIN_MS (SPIN) before it goes back to waiting for messages
 * (IDLE): the main thread hands a spinning worker its next conv job through the JOB words
 * (compareExchange SPIN → BUSY) instead of a message, which the worker's event loop would have to
 * wake up for. A worker leaving SPIN for IDLE uses compareExchange too, so exactly one of the two
 * moves wins.
 *
 * A worker moves BUSY → IDLE or BUSY → DEAD with compareExchange before it decrements PENDING,
 * and so does the main thread when it sees a worker exit: whichever wins answers for the job,
 * exactly once, so a waiter on PENDING always wakes.
 */
// Int32 word 0 is unused.
export const PENDING = 1;
export const FAILED = 2;
export const STATE = 8;
export const MAX_WORKERS = 255;
export const RESULT = 2048;
export const JOB = RESULT + 8 * MAX_WORKERS;
const JOB_FIELDS = 9;
const PER_WORKER = 3;
/** One counter a 64-byte line for each part of a job: the main thread and every worker. */
const CLAIMS = Math.ceil((JOB + 4 * (JOB_FIELDS + PER_WORKER * MAX_WORKERS)) / 64) * 64;
const CLAIM_STRIDE = 16;
export const CONTROL_BYTES = CLAIMS + 4 * CLAIM_STRIDE * (MAX_WORKERS + 1);
/** How long a worker spins for its next job, and the main thread for the workers' answers. */
export const SPIN_MS = 0.5;

export const BOOTING = 0;
export const IDLE = 1;
export const BUSY = 2;
export const DEAD = 3;
export const SPIN = 4;

/**
 * Byte offsets in the shared memory, and how the tasks [0, tasks) are handed out. For a weight
 * gradient (`op: 'wgrad'`) x is the conv's input, y its output gradient dy, `wpack` the start of
 * the parts' work areas and each task one part (conv-wasm.cc: wgrad_run_parts); `bias` is unused.
 */
export interface ConvJob {
  desc: number;
  x: number;
  wpack: number;
  /** 0 for no bias. */
  bias: number;
  y: number;
  tasks: number;
  /** Tasks claimed at a time. */
  grain: number;
  /** Threads sharing the tasks (runClaimed), each with its own part of them first. */
  parts: number;
  /** conv_run_tasks, the transposed conv of the forward conv `desc` (convt_run_tasks), or its weight gradient. */
  op: 'conv' | 'transposed' | 'wgrad';
}

/** `part`: which of job.parts this thread is (runClaimed). */
export type Job = { kind: 'conv'; job: ConvJob; panel: number; ints: number; part: number } | { kind: 'peak'; seconds: number };

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  /** Top of this worker's own stack in the shared memory. */
  stackTop: number;
  relaxedFlag: string | null;
  /** Where the worker posts `{ error }` before it reports a failure; read with receiveMessageOnPort. */
  port: MessagePort;
}

const OPS: ConvJob['op'][] = ['conv', 'transposed', 'wgrad'];

/** Writes worker w's conv job, jobs[w], into the control block's JOB words (one job, each worker's own panel and ints). */
export function writeJob(control: SharedArrayBuffer, jobs: readonly Job[]): void {
  const u = new Uint32Array(control, JOB);
  jobs.forEach((j, w) => {
    if (j.kind !== 'conv') throw new Error('atrous wasm: only conv jobs go through the control block');
    const { job } = j;
    if (w === 0) u.set([job.desc, job.x, job.wpack, job.bias, job.y, job.tasks, job.grain, OPS.indexOf(job.op), job.parts]);
    u.set([j.panel, j.ints, j.part], JOB_FIELDS + PER_WORKER * w);
  });
}

/** Worker w's job as writeJob left it. */
export function readJob(control: SharedArrayBuffer, w: number): Job {
  const u = new Uint32Array(control, JOB);
  const job: ConvJob = { desc: u[0], x: u[1], wpack: u[2], bias: u[3], y: u[4], tasks: u[5], grain: u[6], op: OPS[u[7]], parts: u[8] };
  const at = JOB_FIELDS + PER_WORKER * w;
  return { kind: 'conv', job, panel: u[at], ints: u[at + 1], part: u[at + 2] };
}

/** The first task of part p of a job's `tasks` split `parts` ways (as src/kernels/csrc/task-claims.h). */
const shareStart = (tasks: number, parts: number, p: number) => Math.floor((tasks * p) / parts);

/** Before a job's parts start claiming: each part's counter at the start of its share. */
export function resetClaims(ctl: Int32Array, tasks: number, parts: number): void {
  for (let p = 0; p < parts; p++) Atomics.store(ctl, CLAIMS / 4 + CLAIM_STRIDE * p, shareStart(tasks, parts, p));
}

/**
 * Runs part `part`'s share of the tasks, `grain` at a time, then what is left of the other parts'
 * shares, the next part's first: the policy of the native kernels (src/kernels/csrc/task-claims.h,
 * which says why). Run by the main thread and every worker.
 */
export function runClaimed(ex: WasmExports, ctl: Int32Array, job: ConvJob, part: number, panel: number, ints: number): void {
  keepingStack(ex, () => {
    for (let k = 0; k < job.parts; k++) {
      const p = (part + k) % job.parts;
      const end = shareStart(job.tasks, job.parts, p + 1);
      for (let begin; (begin = Atomics.add(ctl, CLAIMS / 4 + CLAIM_STRIDE * p, job.grain)) < end; ) {
        runTasks(ex, job, panel, ints, begin, Math.min(end, begin + job.grain));
      }
    }
  });
}

/** Runs tasks [begin, end) of a job on one instance. */
export function runTasks(ex: WasmExports, job: Omit<ConvJob, 'grain' | 'parts'>, panel: number, ints: number, begin: number, end: number): void {
  if (job.op === 'wgrad') return ex.wgrad_run_parts(job.desc, job.x, job.y, job.wpack, begin, end, job.tasks);
  const run = job.op === 'transposed' ? ex.convt_run_tasks : ex.conv_run_tasks;
  run(job.desc, job.x, job.wpack, job.bias, job.y, panel, ints, begin, end);
}

/** Runs `body`, then puts the stack pointer back: a trap leaves it where the trapped frame had it. */
export function keepingStack(ex: WasmExports, body: () => void): void {
  const sp = ex.__stack_pointer.value;
  try {
    body();
  } finally {
    ex.__stack_pointer.value = sp;
  }
}

/** Multiply-add throughput of one thread for about `seconds`, in GFLOP/s (conv-wasm.cc's peak_madd). */
export function measurePeak(ex: WasmExports, seconds: number): number {
  const rounds = 64;
  const flopsPerCall = rounds * 4096 * 12 * 4 * 2;
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    ex.peak_madd(rounds);
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  return (calls * flopsPerCall) / (elapsed * 1e6);
}
