/**
 * Reuse of gradient memory. A training step allocates dozens of activation-sized arrays for the
 * gradients flowing backward; in JavaScript each is fresh memory (zeroed, cold in cache, and
 * freed only when the garbage collector gets to it), where PyTorch's reference counting hands the
 * same warm block back at once. The backward engine knows exactly when a gradient it made is dead
 * (autograd/backward.ts counts the references to each buffer), and gives it back here; `zeros`
 * then hands it out again, zero-filled, before asking for new memory.
 *
 * Only buffers allocated while a backward pass runs ("born" in it) are ever returned, so a
 * tensor a user can hold — an input, a forward activation, a parameter, a `.grad` — is never
 * recycled under them.
 */

/** Arrays smaller than this are cheap to allocate; pooling them would only add bookkeeping. */
const MIN_BYTES = 64 << 10;
/** The pool never holds more than this; past it a dead buffer is left to the garbage collector. */
const MAX_POOLED_BYTES = 128 << 20;

const free = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
let births: WeakSet<ArrayBufferLike> | null = null;

/** A zero-filled Float32Array/Float64Array of `size` elements, from the pool when one fits. */
export function allocateZeroed(size: number, float64: boolean): Float32Array | Float64Array {
  return allocate(size, float64, true);
}

/**
 * The same without the zero fill: from the pool (a dead gradient's values) or, for pooled sizes,
 * fresh unfilled memory where the runtime has it (unfilledBuffer). Only for outputs the caller
 * overwrites in full.
 */
export function allocateUninitialized(size: number, float64: boolean): Float32Array | Float64Array {
  return allocate(size, float64, false);
}

function allocate(size: number, float64: boolean, zeroed: boolean): Float32Array | Float64Array {
  const bytes = size * (float64 ? 8 : 4);
  const pooled = bytes >= MIN_BYTES ? free.get(bytes)?.pop() : undefined;
  if (pooled) pooledBytes -= bytes;
  // A new ArrayBuffer is zeroed by the runtime; only recycled memory needs the fill.
  const buf = pooled ?? (zeroed || bytes < MIN_BYTES ? null : unfilledBuffer(bytes)) ?? new ArrayBuffer(bytes);
  const out = float64 ? new Float64Array(buf) : new Float32Array(buf);
  if (pooled && zeroed) out.fill(0);
  if (births && bytes >= MIN_BYTES) births.add(out.buffer);
  return out;
}

/**
 * New memory without the zero fill, where the runtime offers it (Node's Buffer.allocUnsafeSlow: an
 * ArrayBuffer of its own, of exactly `bytes`); else null. A fresh array is zeroed by the runtime,
 * and zeroing memory that is cold in cache cost a TCN training step's forward pass about 0.4 ms
 * per 1.8 MB activation, more than the ReLU that then overwrites it.
 */
function unfilledBuffer(bytes: number): ArrayBuffer | null {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  if (!B) return null;
  const u8 = B.allocUnsafeSlow(bytes);
  return u8.byteOffset === 0 && u8.buffer.byteLength === bytes && u8.buffer instanceof ArrayBuffer ? u8.buffer : null;
}

/**
 * Runs `fn` (a backward pass) recording every pooled-size buffer allocated meanwhile; `isBorn`
 * tells the engine which buffers it may give back.
 */
export function recordingBirths<T>(fn: (isBorn: (buf: ArrayBufferLike) => boolean) => T): T {
  const outer = births;
  const mine = new WeakSet<ArrayBufferLike>();
  births = mine;
  try {
    return fn((buf) => mine.has(buf));
  } finally {
    births = outer;
  }
}

/** Gives a dead buffer back (the caller guarantees nothing references it any more). */
export function recycle(buf: ArrayBufferLike): void {
  const bytes = buf.byteLength;
  if (!(buf instanceof ArrayBuffer) || bytes < MIN_BYTES || pooledBytes + bytes > MAX_POOLED_BYTES) return;
  const list = free.get(bytes);
  if (list) list.push(buf);
  else free.set(bytes, [buf]);
  pooledBytes += bytes;
}

/** Bytes the pool holds now (tests check that it stays bounded and is used). */
export function pooledBufferBytes(): number {
  return pooledBytes;
}

/** Drops every pooled buffer (the garbage collector then frees them), as `torch.cuda.empty_cache`. */
export function emptyBufferPool(): void {
  free.clear();
  pooledBytes = 0;
}
