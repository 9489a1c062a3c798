import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buffer, checkTensor, describe } from './op-args.js';

/** Integer indices as a number or (nested, rectangular) arrays of them: `3`, `[1, 2]`, `[[1, 2], [0, 4]]`. */
export type IndexArray = number | readonly IndexArray[];

/** Indices for `embedding`: a Tensor holding integers, an Int32Array (1D), or (nested) number arrays. */
export type EmbeddingIndices = Tensor | Int32Array | IndexArray;

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** A row that receives no gradient (as PyTorch's `padding_idx`); negative counts from the end. */
  paddingIdx?: number | null;
}

/**
 * Looks up rows of `weight` [numEmbeddings, dim], as `torch.nn.functional.embedding(indices,
 * weight, padding_idx)`: the output has shape `[...indices.shape, dim]`. Every index must be an
 * integer in 0..numEmbeddings−1. Differentiable in `weight` only: each row gets the sum of the
 * output gradients that read it, and the `paddingIdx` row gets none.
 * @example embedding([[1, 2], [0, 1]], w).shape // w [10, 4] → [2, 2, 4]
 */
export function embedding(indices: EmbeddingIndices, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  checkTensor('embedding', 'weight', weight);
  if (weight.rank !== 2) {
    throw new AtrousError('rank_mismatch', `embedding: weight must be [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  }
  const [num, dim] = weight.shape;
  const { idx, shape } = readIndices(indices);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= num) {
      throw new AtrousError(
        'bad_argument',
        `embedding: index ${v} at position ${i} of indices ${fmtShape(shape)} is out of range for weight ${fmtShape(weight.shape)} (valid: 0..${num - 1})`,
      );
    }
  }
  let pad = -1;
  const p = opts.paddingIdx;
  if (p !== null && p !== undefined) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < -num || p >= num) {
      throw new AtrousError('bad_argument', `embedding: paddingIdx ${String(p)} must be an integer in ${-num}..${num - 1} for weight ${fmtShape(weight.shape)}`);
    }
    pad = p < 0 ? p + num : p;
  }
  const rows = Int32Array.from(idx); // a private copy: the caller may reuse its array
  const out = new Tensor(buffer(weight, rows.length * dim), [...shape, dim]);
  const w = weight.data;
  for (let i = 0; i < rows.length; i++) out.data.set(w.subarray(rows[i] * dim, rows[i] * dim + dim), i * dim);
  return record('embedding', out, [weight], (g) => {
    // Scatter-add in float64: a frequent token's row sums many gradients.
    const acc = new Float64Array(num * dim);
    const gd = g.data;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (r === pad) continue;
      const src = i * dim;
      const dst = r * dim;
      for (let j = 0; j < dim; j++) acc[dst + j] += gd[src + j];
    }
    const dw = new Tensor(buffer(g, acc.length), [num, dim]);
    dw.data.set(acc);
    return [dw];
  });
}

/** Flat index values and their shape, from any accepted form. */
function readIndices(v: EmbeddingIndices): { idx: ArrayLike<number>; shape: number[] } {
  if (v instanceof Tensor) return { idx: v.data, shape: [...v.shape] };
  if (v instanceof Int32Array) return { idx: v, shape: [v.length] };
  if (typeof v === 'number') return { idx: [v], shape: [] };
  if (!Array.isArray(v)) {
    throw new AtrousError('bad_argument', `embedding: indices must be a Tensor, an Int32Array or an array of integers, got ${describe(v)}`);
  }
  const shape: number[] = [];
  for (let level: IndexArray = v; Array.isArray(level); level = (level as readonly IndexArray[])[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const flat: number[] = [];
  const walk = (e: IndexArray, depth: number): void => {
    if (depth === shape.length) {
      if (typeof e !== 'number') {
        throw new AtrousError('bad_argument', Array.isArray(e) ? 'embedding: nested index arrays are ragged' : `embedding: indices must be integers, got ${describe(e)}`);
      }
      flat.push(e);
      return;
    }
    if (!Array.isArray(e) || e.length !== shape[depth]) throw new AtrousError('bad_argument', 'embedding: nested index arrays are ragged');
    for (const c of e) walk(c, depth + 1);
  };
  walk(v, 0);
  return { idx: flat, shape };
}
