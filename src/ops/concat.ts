import { needsGrad, record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor, copyAlongAxis, normAxis, sizeOf } from './op-args.js';

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new AtrousError('bad_argument', `${op}: expected a non-empty array of tensors`);
  }
  tensors.forEach((t, i) => checkTensor(op, `tensors[${i}]`, t));
  const dtypes = new Set(tensors.map((t) => t.dtype));
  if (dtypes.size > 1) throw new AtrousError('bad_tensor', `${op}: tensors must share a dtype, got ${tensors.map((t) => t.dtype).join(', ')}`);
}

/**
 * Joins tensors along an existing axis, as `torch.cat(tensors, dim)`: every other axis must agree.
 * Differentiable (each input gets its slab of the gradient).
 * @example concat([a, b], 1) // a [N, 3, L], b [N, 5, L] → [N, 8, L]
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('concat', tensors);
  const first = tensors[0];
  if (first.rank === 0) throw new AtrousError('rank_mismatch', 'concat: zero-dimensional tensors cannot be concatenated; use stack');
  const ax = normAxis('concat', 'axis', axis, first.rank, first.shape);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((n, i) => i !== ax && n !== first.shape[i])) {
      throw new AtrousError(
        t.rank !== first.rank ? 'rank_mismatch' : 'bad_argument',
        `concat: shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')} differ outside axis ${ax}`,
      );
    }
  }
  const shape = [...first.shape];
  shape[ax] = tensors.reduce((s, t) => s + t.shape[ax], 0);
  return join('concat', tensors, ax, shape, tensors.map((t) => t.shape[ax]));
}

/**
 * Joins same-shaped tensors along a NEW axis, as `torch.stack(tensors, dim)` (−rank−1 ≤ dim ≤ rank).
 * Differentiable.
 * @example stack([a, b, c], 0) // three [3, 4] → [3, 3, 4]
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('stack', tensors);
  const first = tensors[0];
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((n, i) => n !== first.shape[i])) {
      throw new AtrousError('bad_argument', `stack: tensors must all have one shape, got ${tensors.map((u) => fmtShape(u.shape)).join(', ')}`);
    }
  }
  const ax = normAxis('stack', 'axis', axis, first.rank + 1, first.shape);
  const shape = [...first.shape.slice(0, ax), tensors.length, ...first.shape.slice(ax)];
  return join('stack', tensors, ax, shape, tensors.map(() => 1));
}

/**
 * Writes each input as a slab of `lengths[i]` along `ax` of the output (for stack the inputs are
 * seen with a unit axis inserted at `ax`, which leaves their data unchanged).
 */
function join(op: string, tensors: readonly Tensor[], ax: number, shape: number[], lengths: number[]): Tensor {
  const outer = sizeOf(shape, 0, ax);
  const inner = sizeOf(shape, ax + 1);
  const total = shape[ax];
  const out = new Tensor(buffer(tensors[0], sizeOf(shape)), shape);
  const offsets: number[] = [];
  let off = 0;
  tensors.forEach((t, i) => {
    offsets.push(off);
    copyAlongAxis(t.data, lengths[i], 0, 1, out.data, total, off, 1, lengths[i], outer, inner);
    off += lengths[i];
  });
  const inShapes = tensors.map((t) => t.shape);
  const want = tensors.map((t) => needsGrad(t));
  return record(op, out, tensors, (g) =>
    inShapes.map((s, i) => {
      if (!want[i]) return null;
      const dx = new Tensor(buffer(g, outer * lengths[i] * inner), s);
      copyAlongAxis(g.data, total, offsets[i], 1, dx.data, lengths[i], 0, 1, lengths[i], outer, inner);
      return dx;
    }),
  );
}
