import { AtrousError, fmtShape } from '../errors.js';
import { getThreads, nativePointwise, runConv, runConvTranspose, runConvWeightGrad } from '../kernels/registry.js';
import { convTransposeOutSize } from '../shape/conv-size.js';
import { type ConvOptions, type ConvPlan, planConv, planConvTranspose } from '../shape/plan-conv.js';
import { type DType, Tensor, uninitialized, zeros } from '../tensor/tensor.js';

/**
 * Gradients of conv1d/2d/3d, as PyTorch's `torch.nn.grad.conv{1,2,3}d_input` / `_weight`, for any
 * stride, padding (incl. 'same' and 'causal'), per-axis dilation and groups. Both run on the same
 * fast kernels as the forward conv (float64 on the reference):
 *
 * - input:  dx = convTranspose(dy, w) with the forward stride, dilation, groups and per-side
 *   padding, and the output padding that gives back the input size;
 * - weight: dw[o, c, t] = Σ_n Σ_p x[n, c, p·s − pb + t·d] · dy[n, o, p], which is a conv of x with
 *   its batch and channel axes swapped, by dy as the kernel, with stride and dilation swapped.
 */

function checkGradOutput(op: string, plan: ConvPlan, gradOutput: Tensor, dtype: DType): void {
  if (!(gradOutput instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: gradOutput must be a Tensor`);
  if (gradOutput.dtype !== dtype) {
    throw new AtrousError('bad_tensor', `${op}: gradOutput is ${gradOutput.dtype} but the other tensor is ${dtype}`);
  }
  if (gradOutput.shape.join() !== plan.outShape.join()) {
    throw new AtrousError(
      'bad_argument',
      `${op}: gradOutput ${fmtShape(gradOutput.shape)} must have the conv's output shape ${fmtShape(plan.outShape)}`,
    );
  }
}

const opName = (kind: string, nd: number) => `conv${nd}d${kind}`;

/**
 * The gradient of a conv with respect to its input.
 * @example convInputGrad([1, 8, 32, 32], w, dy, { dilation: 4, padding: 'same' }) // → [1, 8, 32, 32]
 */
export function convInputGrad(inputShape: readonly number[], weight: Tensor, gradOutput: Tensor, args: ConvOptions = {}): Tensor {
  if (!(weight instanceof Tensor)) throw new AtrousError('bad_tensor', 'convInputGrad: weight must be a Tensor');
  const nd = weight.rank - 2;
  const op = opName('InputGrad', nd);
  const plan = planConv(op, nd, inputShape, weight.shape, null, args);
  checkGradOutput(op, plan, gradOutput, weight.dtype);
  // A strided conv ignores up to s−1 trailing inputs; output padding puts them back (as zeros).
  const outputPadding = plan.inSize.map(
    (n, a) => n - convTransposeOutSize(plan.outSize[a], plan.kernel[a], plan.stride[a], plan.dilation[a], plan.pads[a][0], plan.pads[a][1], 0),
  );
  const tplan = planConvTranspose(op, nd, [plan.batch, plan.outChannels, ...plan.outSize], weight.shape, null, {
    stride: [...plan.stride],
    dilation: [...plan.dilation],
    groups: plan.groups,
    padding: plan.pads,
    outputPadding,
  });
  const dx = uninitialized(inputShape, weight.dtype); // every path below writes each element
  runConvTranspose(tplan, gradOutput.data, weight.data, null, dx.data);
  return dx;
}

/**
 * The gradient of a conv with respect to its weight.
 * @example convWeightGrad(x, [16, 8, 3, 3], dy, { dilation: 4, padding: 'same' }) // → [16, 8, 3, 3]
 */
export function convWeightGrad(input: Tensor, weightShape: readonly number[], gradOutput: Tensor, args: ConvOptions = {}): Tensor {
  if (!(input instanceof Tensor)) throw new AtrousError('bad_tensor', 'convWeightGrad: input must be a Tensor');
  const nd = weightShape.length - 2;
  const op = opName('WeightGrad', nd);
  const plan = planConv(op, nd, input.shape, weightShape, null, args);
  checkGradOutput(op, plan, gradOutput, input.dtype);
  const { batch: N, inChannels: Cin, outChannels: Cout, groups } = plan;
  const cinG = Cin / groups;
  const coutG = Cout / groups;
  const inPlane = plan.inSize.reduce((a, b) => a * b, 1);
  const outPlane = plan.outSize.reduce((a, b) => a * b, 1);
  const K = plan.kernel.reduce((a, b) => a * b, 1);
  const dw = zeros(weightShape, input.dtype);
  if (N === 0) return dw;
  if (runConvWeightGrad(plan, input.data, gradOutput.data, dw.data)) return dw;
  // Per group: x as [cinG, N, ...in] (channels become the batch), dy as a kernel [coutG, N, ...out].
  const swapped = planConv(op, nd, [cinG, N, ...plan.inSize], [coutG, N, ...plan.outSize], null, {
    stride: [...plan.dilation],
    dilation: [...plan.stride],
    padding: plan.pads,
  });
  const full = swapped.outSize; // ≥ kernel on every axis; the first kernel[a] positions are the taps
  const fullPlane = full.reduce((a, b) => a * b, 1);
  const make = (n: number) => (input.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const xg = make(cinG * N * inPlane);
  const dyg = make(coutG * N * outPlane);
  const yg = make(cinG * coutG * fullPlane);
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < cinG; c++)
      for (let n = 0; n < N; n++) xg.set(input.data.subarray(((n * Cin + g * cinG + c) * inPlane), (n * Cin + g * cinG + c + 1) * inPlane), (c * N + n) * inPlane);
    for (let o = 0; o < coutG; o++)
      for (let n = 0; n < N; n++) dyg.set(gradOutput.data.subarray((n * Cout + g * coutG + o) * outPlane, (n * Cout + g * coutG + o + 1) * outPlane), (o * N + n) * outPlane);
    runConv(swapped, xg, dyg, null, yg);
    // yg: [cinG, coutG, ...full] → dw[g·coutG + o, c, ...kernel], keeping the first kernel[a] of each axis.
    for (let c = 0; c < cinG; c++)
      for (let o = 0; o < coutG; o++) {
        const src = (c * coutG + o) * fullPlane;
        const dst = ((g * coutG + o) * cinG + c) * K;
        copyCorner(yg, src, full, dw.data, dst, plan.kernel);
      }
  }
  return dw;
}

/** Copies the leading `corner` block of an array shaped `shape` (both row-major, same rank). */
function copyCorner(src: ArrayLike<number>, srcOff: number, shape: readonly number[], dst: { [i: number]: number }, dstOff: number, corner: readonly number[]): void {
  const nd = shape.length;
  const inner = corner[nd - 1];
  const rows = corner.slice(0, -1).reduce((a, b) => a * b, 1);
  for (let r = 0; r < rows; r++) {
    // Row index r over corner[0..nd−2] → offset in the full shape.
    let rem = r;
    let off = 0;
    let stride = shape[nd - 1];
    for (let a = nd - 2; a >= 0; a--) {
      off += (rem % corner[a]) * stride;
      rem = Math.floor(rem / corner[a]);
      stride *= shape[a];
    }
    for (let j = 0; j < inner; j++) dst[dstOff + r * inner + j] = src[srcOff + off + j];
  }
}

/** The gradient of a conv's bias: dy summed over the batch and every spatial position, per channel. */
export function convBiasGrad(gradOutput: Tensor, unbatched = false): Tensor {
  if (!(gradOutput instanceof Tensor) || gradOutput.rank < (unbatched ? 2 : 3)) {
    throw new AtrousError('rank_mismatch', `convBiasGrad: gradOutput must be [N, C, ...spatial]${unbatched ? ' or [C, ...spatial]' : ''}`);
  }
  const shape = unbatched ? [1, ...gradOutput.shape] : gradOutput.shape;
  const [N, C] = shape;
  const plane = shape.slice(2).reduce((a, b) => a * b, 1);
  const db = zeros([C], gradOutput.dtype);
  const g = gradOutput.data;
  const native = g instanceof Float32Array && N >= 1 && C >= 1 ? nativePointwise() : null;
  if (native) {
    native.channelSums(g as Float32Array, db.data as Float32Array, N, getThreads());
    return db;
  }
  for (let c = 0; c < C; c++) {
    // Four float64 partial sums, whatever the dtype: independent chains run 4x faster than one.
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * plane;
      const end = base + plane;
      let i = base;
      for (; i + 3 < end; i += 4) {
        a0 += g[i];
        a1 += g[i + 1];
        a2 += g[i + 2];
        a3 += g[i + 3];
      }
      for (; i < end; i++) a0 += g[i];
    }
    db.data[c] = a0 + a1 + (a2 + a3);
  }
  return db;
}
