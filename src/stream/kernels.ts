/**
 * The per-step math of streaming. A streamed conv step is a matrix-vector product, so that is the
 * one kernel that matters (Fast WaveNet's observation: a sample costs Σ over layers of Cout·k·Cin,
 * however long the receptive field). A `Dense` holds one packed matrix; cells write an input vector
 * into it, run it and read the output. Two implementations: plain typed-array loops here (any
 * dtype; float64 sums), and WebAssembly SIMD in wasm-dense.ts (float32, several times faster).
 */
import type { TypedData } from '../tensor/tensor.js';

/** One packed `y = W·x + b`: write `input` (cols values), call `run()`, read `output` (rows values). */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  /** Where the input vector goes. Do not keep it across `stream()` calls (wasm memory may move). */
  readonly input: Float32Array | Float64Array;
  readonly output: Float32Array | Float64Array;
  run(): void;
}

/** Makes the runner's `Dense`s: `weight` row-major `[rows, cols]` (copied), `bias` `[rows]` or null. */
export interface DenseBackend {
  readonly name: 'js' | 'wasm';
  dense(weight: TypedData, bias: TypedData | null, rows: number, cols: number): Dense;
}

/** Packed weights of the JS kernel: the model's dtype (float32 halves the memory a step reads). */
export type Weights = Float32Array | Float64Array;

/**
 * `y[yo + r] = b[r] + Σ_i W[r·K + i]·x[i]` for rows r in 0..M−1 (b null: no bias), W row-major
 * `[M, K]`. Eight rows at a time share each load of x and keep eight independent sums, which brings
 * V8's scalar code near one multiply-add per cycle (0.7 ns measured, against 3 ns row by row).
 */
export function matvec(W: Weights, b: Weights | null, M: number, K: number, x: Float64Array, y: Float64Array): void {
  // Integer hints: a size computed with '/' can arrive as a double, and double indices made every
  // load convert (measured 2x slower).
  M |= 0;
  K |= 0;
  let r = 0;
  for (; r + 8 <= M; r += 8) {
    const r0 = r * K;
    const r1 = r0 + K;
    const r2 = r1 + K;
    const r3 = r2 + K;
    const r4 = r3 + K;
    const r5 = r4 + K;
    const r6 = r5 + K;
    const r7 = r6 + K;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    for (let i = 0; i < K; i++) {
      const v = x[i];
      a0 += W[r0 + i] * v;
      a1 += W[r1 + i] * v;
      a2 += W[r2 + i] * v;
      a3 += W[r3 + i] * v;
      a4 += W[r4 + i] * v;
      a5 += W[r5 + i] * v;
      a6 += W[r6 + i] * v;
      a7 += W[r7 + i] * v;
    }
    if (b !== null) {
      a0 += b[r];
      a1 += b[r + 1];
      a2 += b[r + 2];
      a3 += b[r + 3];
      a4 += b[r + 4];
      a5 += b[r + 5];
      a6 += b[r + 6];
      a7 += b[r + 7];
    }
    y[r] = a0;
    y[r + 1] = a1;
    y[r + 2] = a2;
    y[r + 3] = a3;
    y[r + 4] = a4;
    y[r + 5] = a5;
    y[r + 6] = a6;
    y[r + 7] = a7;
  }
  for (; r < M; r++) {
    const r0 = r * K;
    let a = b === null ? 0 : b[r];
    for (let i = 0; i < K; i++) a += W[r0 + i] * x[i];
    y[r] = a;
  }
}

const copyOf = (t: TypedData, dtype: 'float32' | 'float64'): Weights => (dtype === 'float64' ? Float64Array.from(t) : Float32Array.from(t));

/** The plain-loop backend: weights kept in `dtype`, activations and sums in float64. */
export function jsBackend(dtype: 'float32' | 'float64'): DenseBackend {
  return {
    name: 'js',
    dense(weight, bias, rows, cols) {
      const W = copyOf(weight, dtype);
      const b = bias === null ? null : copyOf(bias, dtype);
      const input = new Float64Array(cols);
      const output = new Float64Array(rows);
      return { rows, cols, input, output, run: () => matvec(W, b, rows, cols, input, output) };
    },
  };
}
