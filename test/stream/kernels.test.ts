import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/index.js';
import { type DenseBackend, jsBackend } from '../../src/stream/kernels.js';
import { wasmBackend, wasmDenseAvailable } from '../../src/stream/wasm-dense.js';

/** W·x + b in float64, the plain definition. */
function reference(w: Float32Array, b: Float32Array | null, rows: number, cols: number, x: Float64Array): Float64Array {
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = b === null ? 0 : b[r];
    for (let i = 0; i < cols; i++) s += w[r * cols + i] * x[i];
    y[r] = s;
  }
  return y;
}

function check(backend: DenseBackend, rows: number, cols: number, seed: number, tol: number): void {
  const rng = new Rng(seed);
  const w = Float32Array.from({ length: rows * cols }, () => rng.uniform(-1, 1));
  const b = seed % 2 === 0 ? null : Float32Array.from({ length: rows }, () => rng.uniform(-1, 1));
  const x = Float64Array.from({ length: cols }, () => rng.uniform(-1, 1));
  const d = backend.dense(w, b, rows, cols);
  assert.equal(d.input.length, cols);
  assert.equal(d.output.length, rows);
  d.input.set(x);
  d.run();
  const want = reference(w, b, rows, cols, Float64Array.from(d.input)); // the input as the kernel stored it
  for (let r = 0; r < rows; r++) assert.ok(Math.abs(d.output[r] - want[r]) <= tol * (1 + Math.abs(want[r])), `${backend.name} ${rows}x${cols} row ${r}: ${d.output[r]} vs ${want[r]}`);
}

const SHAPES: [number, number][] = [[1, 1], [3, 5], [8, 8], [9, 7], [16, 16], [17, 33], [40, 7], [128, 128], [256, 64], [5, 300]];

describe('streaming kernels: y = W·x + b', () => {
  it('plain loops (8 rows at a time, any remainder) match the definition in float32 and float64', () => {
    SHAPES.forEach(([r, c], i) => check(jsBackend('float32'), r, c, i, 1e-12));
    SHAPES.forEach(([r, c], i) => check(jsBackend('float64'), r, c, i + 1, 1e-12));
  });

  it('WebAssembly SIMD (16-row blocks, padded) matches the definition to float32 rounding', () => {
    assert.ok(wasmDenseAvailable(), 'Node 20 has WebAssembly SIMD');
    const be = wasmBackend()!;
    SHAPES.forEach(([r, c], i) => check(be, r, c, i, 2e-6));
  });

  it('matrices made before the wasm memory grows still compute right afterwards', () => {
    const be = wasmBackend()!;
    const w = Float32Array.from({ length: 6 }, (_, i) => i + 1); // [[1,2,3],[4,5,6]]
    const first = be.dense(w, Float32Array.of(0.5, -0.5), 2, 3);
    const before = first.input;
    for (let i = 0; i < 12; i++) be.dense(new Float32Array(128 * 128), null, 128, 128); // 12 x 64 KiB: several grows
    assert.notEqual(first.input.buffer, before.buffer, 'the memory moved');
    first.input.set([1, 1, 2]);
    first.run();
    assert.deepEqual(Array.from(first.output), [9.5, 20.5]);
  });
});
