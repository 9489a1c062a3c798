import { AtrousError } from '../../errors.js';
import { GUARD_BYTES, GUARD_WORD, type WasmHeap } from './memory.js';

/** Where a resident array lives in wasm memory, and how many calls are using it now. */
export interface ResidentBlock {
  ptr: number;
  /** Bytes of the array rounded up to whole 64-byte lines; the guard zone follows. */
  bytes: number;
  busy: number;
}

/** The most floats one resident array holds: its bytes must stay below wasm32's 4 GiB. */
const MAX_LENGTH = 2 ** 30 - 1024;

/**
 * Float32Arrays that live in a wasm kernel's memory, as tfjs-backend-wasm keeps its tensors in
 * its own: a conv given one as x reads it in place, given one as y writes it in place, where any
 * other array is copied in (x) and out (y). On depthwise2d those two copies took 0.64 ms of a
 * 2.0 ms call (bench/MISSES.md).
 *
 * An array is known by identity (a typed array's buffer and offset cannot change), so only the
 * arrays handed out here are read in place; a subarray of one is copied like any other array. A
 * block goes back to the heap on release() or, if never released, once its array is collected.
 * The memory is shared, so growing it never detaches an array handed out earlier.
 */
export class ResidentArrays {
  private readonly blocks = new WeakMap<Float32Array, ResidentBlock>();
  private readonly collected: FinalizationRegistry<number>;

  constructor(private readonly heap: WasmHeap) {
    this.collected = new FinalizationRegistry((ptr) => heap.release(ptr));
  }

  /** A zero-filled array of `length` floats in wasm memory, followed by a guard zone. */
  alloc(length: number, op: string): Float32Array {
    if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) {
      throw new AtrousError('bad_argument', `${op}: expected a length in 1..${MAX_LENGTH}, got ${length}`);
    }
    const bytes = Math.ceil((length * 4) / 64) * 64;
    const ptr = this.heap.alloc(bytes + GUARD_BYTES, 'resident');
    this.heap.i32(ptr + bytes, GUARD_BYTES / 4).fill(GUARD_WORD);
    const array = this.heap.f32(ptr, length);
    array.fill(0); // a reused block still holds what was there
    this.blocks.set(array, { ptr, bytes, busy: 0 });
    this.collected.register(array, ptr, array);
    return array;
  }

  /** Returns an array's block to the heap now; throws while a call still uses it. */
  release(array: Float32Array, op: string): void {
    const block = this.blocks.get(array);
    if (!block) throw new AtrousError('bad_argument', `${op}: not an array from this wasm backend's wasmArray(), or already released`);
    if (block.busy > 0) throw new AtrousError('bad_argument', `${op}: the array is in use by a conv still running (await it first)`);
    this.blocks.delete(array);
    this.collected.unregister(array);
    this.heap.release(block.ptr);
  }

  /** The block of an array handed out here, or undefined for any other array. */
  find(array: Float32Array): ResidentBlock | undefined {
    return this.blocks.get(array);
  }

  /** True if a call wrote past the array into its guard zone. */
  guardChanged(block: ResidentBlock): boolean {
    return this.heap.i32(block.ptr + block.bytes, GUARD_BYTES / 4).some((v) => v !== GUARD_WORD);
  }
}
