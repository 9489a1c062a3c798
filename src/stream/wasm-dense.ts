/**
 * The SIMD form of the streaming kernel: `y = W·x + b` in float32 with WebAssembly's 128-bit
 * vectors, 16 rows per pass (four f32x4 sums sharing one broadcast of x[i]). Measured here it is
 * 6-10x faster than the plain-loop kernel (0.12 vs 0.7-1.4 ns per multiply-add), which is what
 * brings a 30-layer WaveNet step well under a millisecond.
 *
 * The module is 300 bytes, assembled below from its opcodes rather than shipped as a binary, so it
 * needs no build step and the whole kernel is readable here. It is:
 *
 *   (func (export "mv") (param $w $b $x $y $M $K i32)   ;; byte offsets; M a multiple of 16
 *     (loop $rows                                        ;; r = 0, 16, ... < M
 *       acc0..3 = v128.load(b + 4r + 0/16/32/48)
 *       (loop $cols                                      ;; i = K .. 1
 *         xv = f32x4.splat(f32.load(x)); x += 4
 *         accj = f32x4.add(accj, f32x4.mul(v128.load(w + 16j), xv)) for j = 0..3
 *         w += 64)
 *       v128.store(y + 4r + 16j, accj) for j = 0..3))
 *
 * so W is packed as `[M/16, K, 16]`: for each block of 16 rows, column i's 16 weights are adjacent.
 */
import type { TypedData } from '../tensor/tensor.js';
import type { Dense, DenseBackend } from './kernels.js';

const ROWS = 16;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// Opcodes (WebAssembly core spec 2.0, SIMD under the 0xfd prefix). Local indices are below 128,
// so their unsigned LEB128 is one byte.
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32 = (v: number) => [0x41, ...sleb(v)];
const [ADD, SUB, SHL, LT_U] = [[0x6a], [0x6b], [0x74], [0x49]];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const vload = (offset: number) => simd(0x00, 4, ...uleb(offset));
const vstore = (offset: number) => simd(0x0b, 4, ...uleb(offset));
const [SPLAT, FADD, FMUL] = [simd(0x13), simd(0xe4), simd(0xe6)];
const F32_LOAD = [0x2a, 2, 0];
const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
const BR_IF_0 = [0x0d, 0];

function moduleBytes(): Uint8Array {
  const [w, b, x, y, M, K, r, i, xp, t, xv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const acc = [11, 12, 13, 14];
  const each = (f: (j: number) => number[]) => acc.flatMap((_, j) => f(j));
  const code = [
    ...i32(0), ...set(r),
    ...loop([
      ...get(r), ...i32(2), ...SHL, ...set(t),
      ...each((j) => [...get(b), ...get(t), ...ADD, ...vload(16 * j), ...set(acc[j])]),
      ...get(x), ...set(xp), ...get(K), ...set(i),
      ...loop([
        ...get(xp), ...F32_LOAD, ...SPLAT, ...set(xv),
        ...each((j) => [...get(acc[j]), ...get(w), ...vload(16 * j), ...get(xv), ...FMUL, ...FADD, ...set(acc[j])]),
        ...get(w), ...i32(64), ...ADD, ...set(w),
        ...get(xp), ...i32(4), ...ADD, ...set(xp),
        ...get(i), ...i32(1), ...SUB, ...tee(i), ...BR_IF_0,
      ]),
      ...each((j) => [...get(y), ...get(t), ...ADD, ...get(acc[j]), ...vstore(16 * j)]),
      ...get(r), ...i32(ROWS), ...ADD, ...tee(r), ...get(M), ...LT_U, ...BR_IF_0,
    ]),
    0x0b,
  ];
  const body = [...vec([[4, 0x7f], [5, 0x7b]]), ...code]; // locals: 4 i32, 5 v128
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f], [0x7f], [0x7f]]), 0]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('mv'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly or its SIMD is missing. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the WebAssembly SIMD kernel can run here. */
export function wasmDenseAvailable(): boolean {
  return wasmModule() !== null;
}

/**
 * A backend whose matrices live in one WebAssembly memory (one per runner, grown as cells are
 * built; nothing is allocated per step). Null where the kernel cannot run.
 */
export function wasmBackend(): DenseBackend | null {
  const mod = wasmModule();
  if (mod === null) return null;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const mv = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports.mv as (w: number, b: number, x: number, y: number, M: number, K: number) => void;
  let top = 0;
  const alloc = (floats: number): number => {
    const at = top;
    top += Math.ceil(floats / 4) * 16; // 16-byte aligned blocks
    const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
    if (need > 0) memory.grow(need);
    return at;
  };
  let view = new Float32Array(memory.buffer);
  const f32 = () => (view.buffer === memory.buffer ? view : (view = new Float32Array(memory.buffer)));
  return {
    name: 'wasm',
    dense(weight: TypedData, bias: TypedData | null, rows: number, cols: number): Dense {
      const padded = Math.ceil(rows / ROWS) * ROWS;
      const w = alloc(padded * cols);
      const b = alloc(padded);
      const x = alloc(cols);
      const y = alloc(padded);
      const mem = f32();
      for (let r = 0; r < rows; r++) {
        const blk = w / 4 + Math.floor(r / ROWS) * cols * ROWS + (r % ROWS);
        for (let i = 0; i < cols; i++) mem[blk + i * ROWS] = weight[r * cols + i];
        if (bias !== null) mem[b / 4 + r] = bias[r];
      }
      let inView: Float32Array | null = null;
      let outView: Float32Array | null = null;
      return {
        rows,
        cols,
        get input() {
          if (inView === null || inView.buffer !== memory.buffer) inView = new Float32Array(memory.buffer, x, cols);
          return inView;
        },
        get output() {
          if (outView === null || outView.buffer !== memory.buffer) outView = new Float32Array(memory.buffer, y, rows);
          return outView;
        },
        run: () => mv(w, b, x, y, padded, cols),
      };
    },
  };
}
