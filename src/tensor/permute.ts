import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, zeros } from './tensor.js';

/**
 * A contiguous copy with the axes reordered: `out.shape[i] = t.shape[axes[i]]` (PyTorch's
 * `permute`, NumPy's `transpose`); negative axes count from the end. Used to move between NHWC and
 * NCHW layouts. Differentiable: the gradient is permuted back by the inverse permutation.
 * @example permute(x, [0, 3, 1, 2]) // NHWC [1,5,5,3] → NCHW [1,3,5,5]
 */
export function permute(t: Tensor, axes: readonly number[]): Tensor {
  if (!(t instanceof Tensor)) throw new AtrousError('bad_tensor', `permute: x must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  const r = t.rank;
  const full = Array.isArray(axes) ? axes.map((a) => (Number.isInteger(a) && a < 0 ? a + r : a)) : [];
  if (!Array.isArray(axes) || full.length !== r || [...full].sort((a, b) => a - b).some((a, i) => a !== i)) {
    throw new AtrousError('bad_argument', `permute: axes [${Array.isArray(axes) ? axes.join(',') : String(axes)}] are not a permutation of ${r} axes of ${fmtShape(t.shape)}`);
  }
  const inverse = new Array<number>(r);
  full.forEach((a, i) => (inverse[a] = i));
  return record('permute', permuteCopy(t, full), [t], (g) => [permuteCopy(g, inverse)]);
}

/** The permuted copy itself, unrecorded; `axes` is already a valid permutation. */
function permuteCopy(t: Tensor, axes: readonly number[]): Tensor {
  const r = t.rank;
  const outShape = axes.map((a) => t.shape[a]);
  const out = zeros(outShape, t.dtype);
  const inStrides = t.strides;
  const srcStride = axes.map((a) => inStrides[a]); // stride in the source for each output axis
  const idx = new Array<number>(r).fill(0);
  const src = t.data;
  const dst = out.data;
  let s = 0;
  for (let i = 0; i < dst.length; i++) {
    dst[i] = src[s];
    // Odometer increment over the output index, tracking the source offset incrementally.
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      s += srcStride[ax];
      if (idx[ax] < outShape[ax]) break;
      s -= srcStride[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}
