import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, zeros } from './tensor.js';

/**
 * A contiguous copy with the axes reordered: `out.shape[i] = t.shape[axes[i]]`
 * (PyTorch's `permute`, NumPy's `transpose`). Used to move between NHWC and NCHW layouts.
 */
export function permute(t: Tensor, axes: readonly number[]): Tensor {
  const r = t.rank;
  if (axes.length !== r || [...axes].sort((a, b) => a - b).some((a, i) => a !== i)) {
    throw new AtrousError('bad_argument', `permute: axes [${axes.join(',')}] are not a permutation of ${r} axes of ${fmtShape(t.shape)}`);
  }
  const outShape = axes.map((a) => t.shape[a]);
  const out = zeros(outShape, t.dtype);
  const inStrides = t.strides;
  const srcStride = axes.map((a) => inStrides[a]); // stride in the source for each output axis
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let i = 0; i < out.size; i++) {
    out.data[i] = t.data[src];
    // Odometer increment over the output index, tracking the source offset incrementally.
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      src += srcStride[ax];
      if (idx[ax] < outShape[ax]) break;
      src -= srcStride[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}
