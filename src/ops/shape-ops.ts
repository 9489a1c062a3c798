import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { permute } from '../tensor/permute.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor, copyAlongAxis, normAxis, sizeOf } from './op-args.js';

/**
 * Differentiable shape ops in PyTorch's conventions: transpose, flatten, squeeze, unsqueeze, slice,
 * split. (permute lives in src/tensor/permute.ts, concat/stack in concat.ts, pad in pad.ts.)
 * flatten, squeeze and unsqueeze are views: like `reshape`, they share the input's data.
 */

/**
 * Swaps two axes (a contiguous copy), as `torch.transpose(x, dim0, dim1)`; negative axes count
 * from the end. Differentiable (the gradient is swapped back).
 * @example transpose(w, 0, 1) // [out, in] → [in, out]
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', 'x', x);
  const a = normAxis('transpose', 'dim0', dim0, x.rank, x.shape);
  const b = normAxis('transpose', 'dim1', dim1, x.rank, x.shape);
  const axes = x.shape.map((_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

/**
 * Merges axes `startDim..endDim` (inclusive, negative from the end) into one, as
 * `torch.flatten(x, start_dim, end_dim)`. The default `startDim = 1` keeps the batch axis, as
 * `nn.Flatten()`. A view of the input's data.
 * @example flatten(zeros([8, 16, 4, 4])).shape // [8, 256]
 */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  checkTensor('flatten', 'x', x);
  if (x.rank === 0) {
    // PyTorch treats a scalar as one axis here: flatten gives [1].
    normAxis('flatten', 'startDim', startDim, 1, x.shape);
    normAxis('flatten', 'endDim', endDim, 1, x.shape);
    return x.reshape([1]);
  }
  const s = normAxis('flatten', 'startDim', startDim, x.rank, x.shape);
  const e = normAxis('flatten', 'endDim', endDim, x.rank, x.shape);
  if (s > e) {
    throw new AtrousError('bad_argument', `flatten: startDim ${startDim} comes after endDim ${endDim} for ${fmtShape(x.shape)}`);
  }
  return x.reshape([...x.shape.slice(0, s), sizeOf(x.shape, s, e + 1), ...x.shape.slice(e + 1)]);
}

/**
 * Removes axes of size 1, as `torch.squeeze(x, dim)`: all of them when `dim` is omitted, else the
 * listed ones; as in PyTorch, a listed axis whose size is not 1 is left alone. A view.
 * @example squeeze(zeros([1, 3, 1, 2])).shape // [3, 2]; squeeze(zeros([1, 3, 1]), 0).shape // [3, 1]
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor('squeeze', 'x', x);
  let drop: Set<number>;
  if (dim === undefined) {
    drop = new Set(x.shape.flatMap((n, i) => (n === 1 ? [i] : [])));
  } else {
    const dims = typeof dim === 'number' ? [dim] : Array.isArray(dim) ? dim : null;
    if (dims === null) throw new AtrousError('bad_argument', `squeeze: dim must be a number or an array of numbers, got ${String(dim)}`);
    // A scalar has one position (0 or −1), as in PyTorch.
    drop = new Set(dims.map((d) => normAxis('squeeze', 'dim', d, Math.max(x.rank, 1), x.shape)).filter((d) => x.shape[d] === 1));
  }
  return x.reshape(x.shape.filter((_, i) => !drop.has(i)));
}

/**
 * Inserts an axis of size 1 at `dim` (−rank−1 ≤ dim ≤ rank), as `torch.unsqueeze`. A view.
 * @example unsqueeze(zeros([3, 4]), 0).shape // [1, 3, 4]; unsqueeze(zeros([3, 4]), -1).shape // [3, 4, 1]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', 'x', x);
  const d = normAxis('unsqueeze', 'dim', dim, x.rank + 1, x.shape);
  return x.reshape([...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Python's slice rule for one axis: negative bounds wrap, then clamp to [0, n]. */
function sliceBound(v: number | null | undefined, n: number, dflt: number): number {
  if (v === null || v === undefined) return dflt;
  const w = v < 0 ? v + n : v;
  return Math.min(Math.max(w, 0), n);
}

/**
 * `x[..., start:end:step, ...]` along `axis`, as Python/PyTorch slicing: negative `start`/`end`
 * count from the end, out-of-range bounds clamp, omitted (`null`/`undefined`) bounds mean the ends;
 * `step` must be positive (as in PyTorch). Returns a copy. Differentiable (the gradient is
 * scattered back into zeros).
 * @example slice(x, 1, 0, 3)     // x[:, 0:3]
 * @example slice(x, -1, -4, null, 2) // x[..., -4::2]
 */
export function slice(x: Tensor, axis: number, start?: number | null, end?: number | null, step = 1): Tensor {
  checkTensor('slice', 'x', x);
  const ax = normAxis('slice', 'axis', axis, x.rank, x.shape);
  for (const [what, v] of [['start', start], ['end', end]] as const) {
    if (v !== null && v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
      throw new AtrousError('not_integer', `slice: ${what} must be an integer, null or undefined, got ${String(v)}`);
    }
  }
  if (typeof step !== 'number' || !Number.isInteger(step)) throw new AtrousError('not_integer', `slice: step must be an integer, got ${String(step)}`);
  if (step < 1) throw new AtrousError('non_positive', `slice: step must be positive, got ${step}`);
  const n = x.shape[ax];
  const s = sliceBound(start, n, 0);
  const e = sliceBound(end, n, n);
  const count = e > s ? Math.ceil((e - s) / step) : 0;
  return sliceRaw('slice', x, ax, s, count, step);
}

/** The slice copy and its backward, with resolved bounds; `op` names the node (slice or split). */
function sliceRaw(op: string, x: Tensor, ax: number, start: number, count: number, step: number): Tensor {
  const shape = [...x.shape];
  const n = shape[ax];
  shape[ax] = count;
  const outer = sizeOf(x.shape, 0, ax);
  const inner = sizeOf(x.shape, ax + 1);
  const out = new Tensor(buffer(x, outer * count * inner), shape);
  copyAlongAxis(x.data, n, start, step, out.data, count, 0, 1, count, outer, inner);
  const xShape = x.shape;
  return record(op, out, [x], (g) => {
    const dx = new Tensor(buffer(g, outer * n * inner), xShape);
    copyAlongAxis(g.data, count, 0, 1, dx.data, n, start, step, count, outer, inner);
    return [dx];
  });
}

/**
 * Cuts `x` along `axis` into pieces. `sizes` is either the list of piece lengths (they must add up
 * to the axis length, as `torch.split(x, [a, b, c], dim)`) or a COUNT of equal pieces, which must
 * divide the axis length (as `torch.chunk(x, count, dim)` for an even split; note that
 * `torch.split(x, int)` instead takes the piece length). Each piece is a differentiable copy.
 * @example split(x, 2, 1)          // x [N, 2C, L] → two [N, C, L]
 * @example split(x, [1, 3], -1)    // x [..., 4] → [..., 1] and [..., 3]
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor('split', 'x', x);
  const ax = normAxis('split', 'axis', axis, x.rank, x.shape);
  const n = x.shape[ax];
  let lengths: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes)) throw new AtrousError('not_integer', `split: count must be an integer, got ${sizes}`);
    if (sizes < 1) throw new AtrousError('non_positive', `split: count must be positive, got ${sizes}`);
    if (n % sizes !== 0) {
      throw new AtrousError('bad_argument', `split: axis ${ax} of ${fmtShape(x.shape)} has length ${n}, which ${sizes} equal pieces do not divide; pass the piece sizes instead`);
    }
    lengths = new Array<number>(sizes).fill(n / sizes);
  } else if (Array.isArray(sizes)) {
    lengths = sizes.map((v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new AtrousError('bad_argument', `split: piece sizes must be non-negative integers, got [${sizes.join(',')}]`);
      }
      return v;
    });
    const total = lengths.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new AtrousError('bad_argument', `split: sizes [${lengths.join(',')}] add up to ${total}, but axis ${ax} of ${fmtShape(x.shape)} has length ${n}`);
    }
  } else {
    throw new AtrousError('bad_argument', `split: sizes must be a count or an array of piece sizes, got ${String(sizes)}`);
  }
  let offset = 0;
  return lengths.map((len) => {
    const piece = sliceRaw('split', x, ax, offset, len, 1);
    offset += len;
    return piece;
  });
}
