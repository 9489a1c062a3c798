import { AtrousError, fmtShape } from '../../errors.js';
import type { ConvPlan } from '../../shape/plan-conv.js';
import { CONV_DESC_FIELDS, convDesc, transposedDesc } from '../conv-desc.js';
import type { ConvAlgorithm, ConvKernel, PackCacheStats } from '../conv-kernel.js';
import { loadWasm, type WasmIsa, type WasmVariant } from './loader.js';
import { fmtBytes, GUARD_BYTES, GUARD_WORD, type HeapStats, MAX_BYTES, type WasmHeap } from './memory.js';
import { WasmPackCache } from './pack-cache.js';
import { type Scratch, WasmPool } from './pool.js';
import type { ConvJob } from './protocol.js';
import { ResidentArrays } from './resident.js';

/** Output channels × output columns of each build's register tile (conv-wasm.cc: MR × VL·NR). */
const TILES: Record<WasmIsa, string> = { relaxed: '3x12', simd128: '4x12' };
const INT32_MAX = 0x7fffffff;
/** conv_algorithm's codes (conv-wasm.cc). */
const ALGORITHMS: ConvAlgorithm[] = ['direct', 'depthwise', 'winograd', 'winograd-f43', 'winograd-f32', 'winograd-f33', 'winograd-f44'];
const prod = (v: readonly number[]) => v.reduce((a, n) => a * n, 1);

export interface WasmConvKernel extends ConvKernel {
  isa: WasmIsa;
  /** The conv's weight gradient from x and dy into dw (conv-wgrad.h, as the native kernel). */
  weightGrad(plan: ConvPlan, x: Float32Array, dy: Float32Array, dw: Float32Array, threads: number): void;
  /**
   * Extra memory one call takes: packed weights and the copy of w they were packed from (kept
   * between calls: pack-cache.ts) and per-thread panels (as native), plus the copies of x, w,
   * bias and y the call makes in wasm memory.
   */
  scratchBytes(plan: ConvPlan, threads: number): number;
  /** Live blocks in this kernel's wasm memory: after a call, the same as before it (kept packed weights apart). */
  heapStats(): HeapStats;
  /** The packed weights kept between calls and how often a call found its own there. */
  packCacheStats(): PackCacheStats;
  /** Multiply-add GFLOP/s of `threads` threads (the ceiling for this kernel's inner loop). */
  peak(threads: number, seconds: number): number;
  /**
   * A zero-filled Float32Array of `length` floats in this kernel's wasm memory: a call given it
   * as x reads it in place and given it as y writes it in place, instead of copying it in or out
   * (resident.ts). Returned to the memory by releaseArray, or when collected.
   */
  allocArray(length: number): Float32Array;
  /** Returns an array from allocArray to the memory now; throws while a call still uses it. */
  releaseArray(array: Float32Array): void;
  /** Stops the worker threads (they restart on the next multi-threaded call). */
  close(): Promise<void>;
  /** The memory and threads behind this kernel, created on first use; for tests and benchmarks. */
  pool(): WasmPool;
}

/** One kernel per wasm build this runtime accepts, best first (relaxed SIMD, then SIMD128). */
export function wasmConvKernels(variants: WasmVariant[] = loadWasm()): WasmConvKernel[] {
  return variants.map((variant) => {
    let pool: WasmPool | null = null;
    let packs: WasmPackCache | null = null;
    let arrays: ResidentArrays | null = null;
    const get = () => (pool ??= new WasmPool(variant));
    const cache = () => (packs ??= new WasmPackCache(get().heap, get().exports));
    const resident = () => (arrays ??= new ResidentArrays(get().heap));
    const run = (plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, threads: number, relu = false): void => {
      const call = prepare(get(), cache(), resident(), variant, plan, x, w, b, y, relu);
      try {
        get().run(call.job, call.scratch, threads);
        call.finish(y);
      } finally {
        call.release();
      }
    };
    return {
      id: `conv_f32_direct${TILES[variant.isa]}__wasm_${variant.isa}`,
      backend: 'wasm',
      isa: variant.isa,
      run,
      // prepare() sends a transposed plan to the stride-phase kernel.
      transpose: run,
      runAsync: async (plan, x, w, b, y, threads, relu = false) => {
        const call = prepare(get(), cache(), resident(), variant, plan, x, w, b, y, relu);
        try {
          await get().runAsync(call.job, call.scratch, threads);
          call.finish(y);
        } finally {
          call.release();
        }
      },
      scratchBytes: (plan, threads) => {
        const { heap, exports: ex } = get();
        const head = heap.alloc(128);
        try {
          heap.i32(head, CONV_DESC_FIELDS).set(convDesc(plan));
          ex.conv_sizes(head, head + 96);
          const [packed, panel, ints, tasks] = heap.f64(head + 96, 4);
          const weights = plan.outChannels * (plan.inChannels / plan.groups) * prod(plan.kernel);
          const copies = plan.batch * (plan.inChannels * prod(plan.inSize) + plan.outChannels * prod(plan.outSize)) + weights + plan.outChannels;
          return 4 * (packed + weights + copies + (panel + ints) * Math.min(threads, tasks));
        } finally {
          heap.release(head);
        }
      },
      algorithm: (plan) => {
        const { heap, exports: ex } = get();
        const head = heap.alloc(96);
        try {
          heap.i32(head, CONV_DESC_FIELDS).set(plan.transposed ? transposedDesc(plan) : convDesc(plan));
          return ALGORITHMS[ex.conv_algorithm(head, plan.transposed ? 1 : 0)] ?? 'direct';
        } finally {
          heap.release(head);
        }
      },
      weightGrad: (plan, x, dy, dw, threads) => weightGrad(get(), variant, plan, x, dy, dw, threads),
      heapStats: () => get().heap.stats(),
      allocArray: (length) => resident().alloc(length, `wasmArray (wasm ${variant.isa})`),
      releaseArray: (array) => resident().release(array, `releaseWasmArray (wasm ${variant.isa})`),
      packCacheStats: () => cache().stats(),
      peak: (threads, seconds) => get().peak(threads, seconds),
      close: async () => pool?.close(),
      pool: get,
    };
  });
}

interface Prepared {
  job: Omit<ConvJob, 'grain' | 'parts'>;
  scratch: Scratch;
  release(): void;
  /** After the kernels ran: throws if they wrote into a guard zone, else copies the output to y unless it was written in place. */
  finish(y: Float32Array): void;
}

/**
 * Checks every buffer against the plan, lays the call out in wasm memory, copies x, w and bias
 * in and packs the weights (or finds them packed). An x or y from allocArray is used where it is
 * (resident.ts), except a y that is also x: the kernels read x while they write y. The plan is
 * already validated; these checks make sure that no index the kernel computes can wrap around in
 * 32 bits or point past a buffer. A transposed plan runs on the stride-phase kernel (convt_*),
 * whose descriptor is the forward conv's.
 */
function prepare(pool: WasmPool, cache: WasmPackCache, resident: ResidentArrays, variant: WasmVariant, plan: ConvPlan, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, relu: boolean): Prepared {
  const op = `${plan.op} (wasm ${variant.isa})`;
  const transposed = plan.transposed;
  const sizes = {
    x: plan.batch * plan.inChannels * prod(plan.inSize),
    // Transposed weights are [Cin, Cout/groups, k…], forward ones [Cout, Cin/groups, k…].
    w: (transposed ? plan.inChannels * (plan.outChannels / plan.groups) : plan.outChannels * (plan.inChannels / plan.groups)) * prod(plan.kernel),
    y: plan.batch * plan.outChannels * prod(plan.outSize),
  };
  for (const [name, arr, want] of [['x', x, sizes.x], ['w', w, sizes.w], ['y', y, sizes.y], ['bias', b, plan.outChannels]] as const) {
    if (arr === null) continue;
    if (!(arr instanceof Float32Array) || arr.length !== want) {
      throw new AtrousError('bad_tensor', `${op}: ${name} must be a Float32Array of ${want} values for x ${fmtShape([plan.batch, plan.inChannels, ...plan.inSize])}, got ${arr.length}`);
    }
  }
  const desc = transposed ? transposedDesc(plan) : convDesc(plan, relu); // also refuse geometry the 32-bit indexing cannot hold

  const { heap, exports: ex } = pool;
  const inX = resident.find(x);
  const inY = y === x ? undefined : resident.find(y);
  const head = heap.alloc(128); // desc: 23 int32 at 0; sizes: 4 float64 at 96
  let block: GuardedBlock<'x' | 'w' | 'bias' | 'y'> | null = null;
  try {
    heap.i32(head, CONV_DESC_FIELDS).set(desc);
    (transposed ? ex.convt_sizes : ex.conv_sizes)(head, head + 96);
    const [packed, panel, ints, tasks] = heap.f64(head + 96, 4);
    const regions = { x: inX ? 0 : sizes.x, w: sizes.w, bias: plan.outChannels, y: inY ? 0 : sizes.y };
    const laid = guardedBlock(heap, op, regions, 4 * (packed + sizes.w + panel + ints), tasks);
    block = laid;
    const at = { ...laid.at, x: inX ? inX.ptr : laid.at.x, y: inY ? inY.ptr : laid.at.y };
    if (!inX) heap.f32(at.x, sizes.x).set(x);
    heap.f32(at.w, sizes.w).set(w);
    if (b) heap.f32(at.bias, b.length).set(b);
    // The packing does not depend on the ReLU flag (the last field), so neither does the key.
    const key = `${transposed ? 'T' : 'F'}${desc.subarray(0, CONV_DESC_FIELDS - 1).join(',')}`;
    const pack = transposed ? ex.convt_pack_weights : ex.conv_pack_weights;
    const weights = cache.acquire(key, at.w, sizes.w, packed, (wpack) => pack(head, at.w, wpack));
    const job = { desc: head, x: at.x, wpack: weights.wpack, bias: b ? at.bias : 0, y: at.y, tasks, op: transposed ? 'transposed' : 'conv' } as const;
    if (inX) inX.busy++;
    if (inY) inY.busy++;
    const release = () => {
      weights.release();
      laid.release();
      heap.release(head);
      if (inX) inX.busy--;
      if (inY) inY.busy--;
    };
    const finish = (out: Float32Array) => {
      laid.checkGuards();
      if (inY && resident.guardChanged(inY)) laid.fail();
      if (!inY) out.set(heap.f32(at.y, sizes.y));
    };
    return { job, scratch: { panelBytes: panel * 4, intsBytes: ints * 4 }, release, finish };
  } catch (e) {
    block?.release();
    heap.release(head);
    throw e;
  }
}

interface GuardedBlock<K extends string> {
  /** Byte offset of each region in wasm memory. */
  at: Record<K, number>;
  /** Throws if the call wrote into a guard zone between the regions. */
  checkGuards(): void;
  /** Throws the error checkGuards throws (for a guard zone outside the block). */
  fail(): never;
  release(): void;
}

/**
 * One heap block holding `floats` regions in order, each rounded up to whole 64-byte lines and
 * followed by a guard zone, so a kernel writing past a region shows up as an error instead of
 * silently corrupting its neighbour. Refuses (before allocating) a layout that with `extraBytes`
 * more would not fit wasm32's 4 GiB, or a task count the kernels' shared counter could overflow.
 */
function guardedBlock<K extends string>(heap: WasmHeap, op: string, floats: Record<K, number>, extraBytes: number, tasks: number): GuardedBlock<K> {
  const at = {} as Record<K, number>;
  const guards: number[] = [];
  let end = 0;
  for (const name of Object.keys(floats) as K[]) {
    at[name] = end;
    end += Math.ceil((floats[name] * 4) / 64) * 64 + GUARD_BYTES;
    guards.push(end - GUARD_BYTES);
  }
  const held = heap.stats();
  const need = end + extraBytes + held.bytes + held.kept + held.resident;
  if (!Number.isSafeInteger(need) || need > MAX_BYTES || tasks > INT32_MAX - 256) {
    throw new AtrousError('bad_argument', `${op}: needs ${fmtBytes(need)} of WebAssembly memory, more than wasm32's 4 GiB; use the native or ref backend`);
  }
  const data = heap.alloc(end);
  for (const g of guards) heap.i32(data + g, GUARD_BYTES / 4).fill(GUARD_WORD);
  for (const name of Object.keys(at) as K[]) at[name] += data;
  const fail = (): never => {
    throw new Error(`atrous wasm: ${op} wrote outside its buffers (a guard zone changed); this is a kernel bug, please report it with the shapes`);
  };
  return {
    at,
    checkGuards: () => {
      if (guards.some((g) => heap.i32(data + g, GUARD_BYTES / 4).some((v) => v !== GUARD_WORD))) fail();
    },
    fail,
    release: () => heap.release(data),
  };
}

/**
 * The weight gradient on the wasm build of conv-wgrad.h: `parts` = min(threads, tasks) parts, each
 * summing its share of the tasks into its own dw copy (on whichever thread claims it); the copies
 * are then added in part order, so the result is the same for any timing. x and dy are copied in,
 * every buffer is checked against the plan first, and guard zones catch a kernel writing past one.
 */
function weightGrad(pool: WasmPool, variant: WasmVariant, plan: ConvPlan, x: Float32Array, dy: Float32Array, dw: Float32Array, threads: number): void {
  const op = `${plan.op} weight gradient (wasm ${variant.isa})`;
  const sizes = {
    x: plan.batch * plan.inChannels * prod(plan.inSize),
    dy: plan.batch * plan.outChannels * prod(plan.outSize),
    dw: plan.outChannels * (plan.inChannels / plan.groups) * prod(plan.kernel),
  };
  for (const [name, arr, want] of [['x', x, sizes.x], ['dy', dy, sizes.dy], ['dw', dw, sizes.dw]] as const) {
    if (!(arr instanceof Float32Array) || arr.length !== want) {
      throw new AtrousError('bad_tensor', `${op}: ${name} must be a Float32Array of ${want} values for x ${fmtShape([plan.batch, plan.inChannels, ...plan.inSize])}, got ${arr.length}`);
    }
  }
  const desc = convDesc(plan);
  const { heap, exports: ex } = pool;
  const head = heap.alloc(128);
  let block: GuardedBlock<'x' | 'dy' | 'work'> | null = null;
  try {
    heap.i32(head, CONV_DESC_FIELDS).set(desc);
    ex.wgrad_sizes(head, head + 96);
    const [partFloats, dwFloats, dwOffset, tasks] = heap.f64(head + 96, 4);
    if (dwFloats !== sizes.dw) throw new Error(`atrous wasm: ${op}: the kernel expects ${dwFloats} weights, the plan ${sizes.dw}; this is a bug, please report it with the shapes`);
    // At least 4 parts even on one thread: V8 swaps in optimized wasm code only between calls, so one
    // long first call would run unoptimized to the end.
    const parts = Math.max(1, Math.min(Math.max(threads, 4), tasks, 256));
    block = guardedBlock(heap, op, { x: sizes.x, dy: sizes.dy, work: partFloats * parts }, 0, tasks);
    const at = block.at;
    heap.f32(at.x, sizes.x).set(x);
    heap.f32(at.dy, sizes.dy).set(dy);
    pool.run({ desc: head, x: at.x, wpack: at.work, bias: 0, y: at.dy, tasks: parts, op: 'wgrad' }, { panelBytes: 0, intsBytes: 0 }, Math.min(threads, parts));
    block.checkGuards();
    // Float32 sums in part order, as the native kernel adds its threads' copies.
    dw.set(heap.f32(at.work + 4 * dwOffset, sizes.dw));
    for (let p = 1; p < parts; p++) {
      const copy = heap.f32(at.work + 4 * (p * partFloats + dwOffset), sizes.dw);
      for (let i = 0; i < sizes.dw; i++) dw[i] = Math.fround(dw[i] + copy[i]);
    }
  } finally {
    block?.release();
    heap.release(head);
  }
}
