import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, type TypedData } from '../tensor/tensor.js';

/**
 * Argument checks shared by the shape, pooling, upsampling, matmul and embedding ops, so each
 * op validates the same way and its messages name the op and the shapes.
 */

/** Throws 'bad_tensor' unless `v` is a Tensor; `what` names the argument (`x`, `weight`, ...). */
export function checkTensor(op: string, what: string, v: unknown): asserts v is Tensor {
  if (!(v instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: ${what} must be a Tensor, got ${describe(v)}`);
}

/** A short description of a non-tensor argument for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array (wrap it with tensor())';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : `${typeof v} ${String(v)}`;
}

/**
 * Resolves a Python-style axis (−rank ≤ axis < rank) to 0..rank−1, as PyTorch's `dim` arguments.
 * `rank` is the number of valid positions (rank + 1 for unsqueeze/stack, which insert an axis).
 */
export function normAxis(op: string, what: string, axis: number, rank: number, shape: readonly number[]): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new AtrousError('not_integer', `${op}: ${what} must be an integer, got ${String(axis)}`);
  }
  if (axis < -rank || axis >= rank) {
    throw new AtrousError('bad_argument', `${op}: ${what} ${axis} is out of range for ${fmtShape(shape)} (expected ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Product of `shape[from..to)`: the row-major size of a run of axes. */
export function sizeOf(shape: readonly number[], from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i];
  return n;
}

/** A zero-filled buffer of the given dtype (from a template tensor) and length. */
export function buffer(like: Tensor, length: number): TypedData {
  return like.data instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/**
 * Copies slabs along one axis of row-major data seen as `[outer, n, inner]`:
 * `dst[o, dstStart + i·dstStep, :] = src[o, srcStart + i·srcStep, :]` for i < count. The one
 * loop behind slice, split and concat, forward (gather) and backward (scatter into zeros).
 */
export function copyAlongAxis(
  src: TypedData, srcN: number, srcStart: number, srcStep: number,
  dst: TypedData, dstN: number, dstStart: number, dstStep: number,
  count: number, outer: number, inner: number,
): void {
  if (count <= 0 || inner === 0) return;
  const contiguous = srcStep === 1 && dstStep === 1;
  for (let o = 0; o < outer; o++) {
    const s0 = (o * srcN + srcStart) * inner;
    const d0 = (o * dstN + dstStart) * inner;
    if (contiguous) {
      dst.set(src.subarray(s0, s0 + count * inner), d0);
      continue;
    }
    for (let i = 0; i < count; i++) {
      const s = s0 + i * srcStep * inner;
      const d = d0 + i * dstStep * inner;
      for (let j = 0; j < inner; j++) dst[d + j] = src[s + j];
    }
  }
}
