/**
 * The wasm kernels' linear memory and a small allocator over it. JavaScript owns the layout: the
 * module only sees pointers it is handed (src/kernels/csrc/conv-wasm.cc). The memory is shared,
 * so worker threads read and write the same bytes, and it only grows (wasm memory cannot shrink).
 *
 *   [0, heapBase)        the module's own (empty) data and unused linked stack
 *   [heapBase, 4 GiB)    blocks handed out here: per-instance stacks, packed weights kept
 *                        between calls (pack-cache.ts), arrays handed to the user
 *                        (resident.ts), per-call buffers
 */

export const PAGE = 65536;
/** wasm32 addresses 4 GiB; conv-wasm.cc is linked with --max-memory to match. */
export const MAX_PAGES = 65536;
export const MAX_BYTES = MAX_PAGES * PAGE;
/** A zone after a buffer, filled with GUARD_WORD: a kernel writing past the buffer changes it. */
export const GUARD_BYTES = 64;
export const GUARD_WORD = 0x5a5a5a5a;
/** Alignment of every block: a cache line, so threads' scratch blocks never share one. */
const ALIGN = 64;

export interface HeapStats {
  /** Bytes in live blocks, not counting the threads' stacks, the kept packed weights and resident arrays. */
  bytes: number;
  /** Live blocks, not counting the threads' stacks, the kept packed weights and resident arrays. */
  blocks: number;
  /** Bytes in the threads' stacks, which live as long as the thread. */
  stacks: number;
  /** Bytes of packed weights kept between calls (pack-cache.ts), which live until evicted. */
  kept: number;
  /** Bytes of arrays handed to the user (resident.ts), which live until released or collected. */
  resident: number;
  /** Current size of the memory. */
  capacity: number;
}

/** A fresh shared memory of 1 MiB, enough for the module's static part; the heap grows it. */
export function createMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
}

/** First-fit allocator over a shared WebAssembly.Memory, with neighbouring free blocks merged. */
export class WasmHeap {
  private top: number;
  private readonly live = new Map<number, number>(); // pointer → size
  private readonly stacks = new Set<number>();
  private readonly kept = new Set<number>();
  private readonly resident = new Set<number>();
  private free: { ptr: number; size: number }[] = []; // sorted by ptr, never adjacent

  constructor(
    readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = align(heapBase);
  }

  /** A block of at least `bytes` bytes; throws a RangeError past 4 GiB. */
  alloc(bytes: number, use: 'data' | 'stack' | 'kept' | 'resident' = 'data'): number {
    const size = align(Math.max(bytes, 1));
    const i = this.free.findIndex((f) => f.size >= size);
    let ptr: number;
    if (i >= 0) {
      const f = this.free[i];
      ptr = f.ptr;
      if (f.size === size) this.free.splice(i, 1);
      else this.free[i] = { ptr: f.ptr + size, size: f.size - size };
    } else {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    this.live.set(ptr, size);
    if (use === 'stack') this.stacks.add(ptr);
    if (use === 'kept') this.kept.add(ptr);
    if (use === 'resident') this.resident.add(ptr);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`atrous wasm heap: ${ptr} is not a live block`);
    this.live.delete(ptr);
    this.stacks.delete(ptr);
    this.kept.delete(ptr);
    this.resident.delete(ptr);
    let i = this.free.findIndex((f) => f.ptr > ptr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { ptr, size });
    // Merge with the next block, then the previous one.
    const cur = this.free[i];
    const next = this.free[i + 1];
    if (next && cur.ptr + cur.size === next.ptr) {
      cur.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.size === cur.ptr) {
      prev.size += cur.size;
      this.free.splice(i, 1);
    }
    // A free block at the top goes back to the unallocated tail.
    const last = this.free.at(-1);
    if (last && last.ptr + last.size === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  stats(): HeapStats {
    let bytes = 0;
    let stacks = 0;
    let kept = 0;
    let resident = 0;
    for (const [ptr, size] of this.live) {
      if (this.stacks.has(ptr)) stacks += size;
      else if (this.kept.has(ptr)) kept += size;
      else if (this.resident.has(ptr)) resident += size;
      else bytes += size;
    }
    const blocks = this.live.size - this.stacks.size - this.kept.size - this.resident.size;
    return { bytes, blocks, stacks, kept, resident, capacity: this.memory.buffer.byteLength };
  }

  // Views are made per use: growing the memory replaces memory.buffer.
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  private ensure(end: number): void {
    if (end > MAX_BYTES) {
      throw new RangeError(`atrous wasm: needs ${fmtBytes(end)} of memory; wasm32 addresses at most 4 GiB`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least half again, so a run of growing calls does not grow page by page.
      const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE), Math.ceil((have * 1.5) / PAGE)));
      this.memory.grow(want - have / PAGE);
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export function fmtBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}
