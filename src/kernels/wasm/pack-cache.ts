import type { PackCacheStats } from '../conv-kernel.js';
import type { WasmExports } from './loader.js';
import { GUARD_BYTES, GUARD_WORD, type WasmHeap } from './memory.js';

/**
 * Packed weights kept in wasm memory between calls, as the native addon keeps them
 * (src/kernels/native/pack-cache.h): inference calls each layer again and again with the same
 * weights, and packing aspp2d's (F(3x3, 3x3)'s 6.5 MB of transformed filters) took 5.5 ms of a
 * 40-80 ms call, on the main thread while the workers waited.
 *
 * An entry is found by what was packed (the descriptor with its ReLU flag cleared, forward or
 * transposed: the key) and used only if the weights are the same bits as the copy it keeps, which
 * wasm compares (conv-wasm.cc: same_bits): training updates weights in place between calls. A
 * model may have several layers of one shape, so a key may have several entries, up to
 * MAX_PER_KEY. Each entry is one heap block, [weights copy | packed weights | guard zone], counted
 * apart from a call's own blocks (HeapStats.kept). Entries in use by a call (an async one still running) are
 * never evicted; where no room can be made, the call packs into a block of its own as before.
 * wasm memory never shrinks, so the limits are lower than native's.
 */
export class WasmPackCache {
  static readonly MAX_BYTES = 64 * 2 ** 20;
  static readonly MAX_ENTRIES = 32;
  static readonly MAX_PER_KEY = 8;
  /** Most recently used first. */
  private entries: Entry[] = [];
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly exports: WasmExports,
  ) {}

  /**
   * The packed form of the `n` weights at byte offset `w` (already in wasm memory) for `key`: a
   * kept one if they are unchanged, else `pack(wpack)` into `packedFloats` floats at `wpack`,
   * kept for the next call where there is room. Call `release` when the call is done with them.
   */
  acquire(key: string, w: number, n: number, packedFloats: number, pack: (wpack: number) => void): { wpack: number; release(): void } {
    const found = this.entries.find((e) => e.key === key && e.n === n && this.exports.same_bits(e.block, w, n) === 1);
    if (found) {
      this.hits++;
      this.touch(found);
      found.users++;
      return { wpack: found.block + lines(4 * found.n), release: () => void found.users-- };
    }
    this.misses++;
    const size = lines(4 * n) + lines(4 * packedFloats) + GUARD_BYTES;  // as the heap rounds blocks
    if (!this.makeRoom(key, size)) {
      const block = this.heap.alloc(lines(4 * packedFloats) + GUARD_BYTES);
      this.packGuarded(block, block, lines(4 * packedFloats), pack);
      return { wpack: block, release: () => this.heap.release(block) };
    }
    const block = this.heap.alloc(size, 'kept');
    new Uint8Array(this.heap.memory.buffer).copyWithin(block, w, w + 4 * n);
    this.packGuarded(block, block + lines(4 * n), lines(4 * packedFloats), pack);
    const entry: Entry = { key, n, block, size, users: 1 };
    this.entries.unshift(entry);
    this.bytes += size;
    return { wpack: block + lines(4 * n), release: () => void entry.users-- };
  }

  /** Entries held, their bytes, and how often a call found its weights kept, since this cache was made. */
  stats(): PackCacheStats {
    return { entries: this.entries.length, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  /** pack(at) into `bytes` inside `block`; if it fails or writes past them (a kernel bug), frees the block and throws. */
  private packGuarded(block: number, at: number, bytes: number, pack: (wpack: number) => void): void {
    this.heap.i32(at + bytes, GUARD_BYTES / 4).fill(GUARD_WORD);
    try {
      pack(at);
      if (this.heap.i32(at + bytes, GUARD_BYTES / 4).some((v) => v !== GUARD_WORD)) {
        throw new Error('atrous wasm: packing the weights wrote past their block (a guard zone changed); this is a kernel bug, please report it with the shapes');
      }
    } catch (e) {
      this.heap.release(block);
      throw e;
    }
  }

  private touch(e: Entry): void {
    this.entries.splice(this.entries.indexOf(e), 1);
    this.entries.unshift(e);
  }

  /** Evicts idle entries, least recently used first, until one of `size` bytes for `key` fits every limit. */
  private makeRoom(key: string, size: number): boolean {
    if (size > WasmPackCache.MAX_BYTES) return false;
    const sameKey = () => this.entries.filter((e) => e.key === key).length;
    const full = () => this.bytes + size > WasmPackCache.MAX_BYTES || this.entries.length >= WasmPackCache.MAX_ENTRIES;
    for (let i = this.entries.length - 1; i >= 0 && sameKey() >= WasmPackCache.MAX_PER_KEY; i--) {
      if (this.entries[i].key === key) this.evict(i);
    }
    for (let i = this.entries.length - 1; i >= 0 && full(); i--) this.evict(i);
    return sameKey() < WasmPackCache.MAX_PER_KEY && !full();
  }

  private evict(i: number): void {
    const e = this.entries[i];
    if (e.users > 0) return;
    this.entries.splice(i, 1);
    this.bytes -= e.size;
    this.heap.release(e.block);
  }
}

interface Entry {
  key: string;
  /** Weights (floats) of the kept copy at `block`; the packed weights follow it. */
  n: number;
  block: number;
  size: number;
  /** Calls holding the packed weights now. */
  users: number;
}

/** Whole 64-byte lines: the weights copy's, so the packed weights start aligned, and the packed weights' own. */
function lines(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
