import { needsGrad, record } from '../autograd/node.js';
import { runConv, runConvTranspose } from '../kernels/registry.js';
import { type ConvPlan, type ConvTransposeOptions, planConv, planConvTranspose } from '../shape/plan-conv.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import { checkTensors } from './check-tensors.js';
import { convBiasGrad, convWeightGrad } from './conv-grad.js';

/** Options of convTranspose1d/2d/3d: PyTorch's keyword arguments. */
export interface ConvTransposeArgs extends ConvTransposeOptions {
  /** `[Cout]`, added to every output position of its channel. */
  bias?: Tensor | null;
}

function convTransposeNd(op: string, nd: number, x: Tensor, weight: Tensor, args: ConvTransposeArgs): Tensor {
  checkTensors(op, x, weight, args.bias);
  const bias = args.bias ?? null;
  const plan = planConvTranspose(op, nd, x.shape, weight.shape, bias === null ? null : bias.shape, args);
  const y = zeros(plan.outShape, x.dtype);
  runConvTranspose(plan, x.data, weight.data, bias === null ? null : bias.data, y.data);
  return recordConvTranspose(op, nd, plan, x, weight, bias, y);
}

/**
 * A transposed conv is the input gradient of the forward conv with the same geometry, so its own
 * gradients are that conv again: dx = conv(dy, w), dw = the conv weight gradient with dy as the
 * input and x as the output gradient, db a sum.
 */
function recordConvTranspose(op: string, nd: number, plan: ConvPlan, x: Tensor, weight: Tensor, bias: Tensor | null, y: Tensor): Tensor {
  return record(op, y, [x, weight, bias], (g) => {
    const geometry = { stride: [...plan.stride], dilation: [...plan.dilation], groups: plan.groups, padding: plan.pads };
    // The forward conv from y's shape may give a few more positions than x has: output padding
    // at least the stride (allowed when the dilation is larger) adds whole strides. The transposed
    // conv is then that conv's adjoint applied to x followed by zeros, so dx is the conv cropped
    // to x, and dw sees x padded with zeros to the conv's output.
    const cplan = planConv(`${op} backward`, nd, g.shape, weight.shape, null, geometry);
    const lead = x.rank - nd;
    const fits = cplan.outSize.every((n, a) => n === x.shape[lead + a]);
    let dx: Tensor | null = null;
    if (needsGrad(x)) {
      const full = zeros(cplan.outShape, g.dtype);
      runConv(cplan, g.data, weight.data, null, full.data);
      dx = fits ? full : resizeTrailing(full, x.shape);
    }
    return [
      dx,
      needsGrad(weight) ? convWeightGrad(g, weight.shape, fits ? x : resizeTrailing(x, cplan.outShape), geometry) : null,
      needsGrad(bias) ? convBiasGrad(g, plan.unbatched) : null,
    ];
  });
}

/** A copy of t with shape `to` (same rank): the overlapping leading block kept, the rest zero. */
function resizeTrailing(t: Tensor, to: readonly number[]): Tensor {
  const out = zeros(to, t.dtype);
  const rank = to.length;
  const inner = Math.min(t.shape[rank - 1], to[rank - 1]);
  const rows = to.slice(0, -1).reduce((a, b) => a * b, 1);
  for (let r = 0; r < rows; r++) {
    let rem = r;
    let src = 0;
    let srcStride = t.shape[rank - 1];
    let inside = true;
    for (let a = rank - 2; a >= 0; a--) {
      const i = rem % to[a];
      rem = Math.floor(rem / to[a]);
      if (i >= t.shape[a]) inside = false;
      src += i * srcStride;
      srcStride *= t.shape[a];
    }
    if (inside) out.data.set(t.data.subarray(src, src + inner), r * to[rank - 1]);
  }
  return out;
}

/**
 * 1D transposed convolution, as `torch.nn.functional.conv_transpose1d`: the gradient of conv1d with
 * respect to its input. x: `[N, Cin, L]`, weight: `[Cin, Cout/groups, k]`. Output length:
 * `(L−1)·s − padBefore − padAfter + d·(k−1) + outputPadding + 1`.
 */
export function convTranspose1d(x: Tensor, weight: Tensor, args: ConvTransposeArgs = {}): Tensor {
  return convTransposeNd('convTranspose1d', 1, x, weight, args);
}

/**
 * 2D transposed convolution, as `torch.nn.functional.conv_transpose2d`. x: `[N, Cin, H, W]`,
 * weight: `[Cin, Cout/groups, kH, kW]`.
 * @example convTranspose2d(x, w, { stride: 2, dilation: 2, padding: 1, outputPadding: 1 })
 */
export function convTranspose2d(x: Tensor, weight: Tensor, args: ConvTransposeArgs = {}): Tensor {
  return convTransposeNd('convTranspose2d', 2, x, weight, args);
}

/** 3D transposed convolution, as `torch.nn.functional.conv_transpose3d`. weight: `[Cin, Cout/groups, kD, kH, kW]`. */
export function convTranspose3d(x: Tensor, weight: Tensor, args: ConvTransposeArgs = {}): Tensor {
  return convTransposeNd('convTranspose3d', 3, x, weight, args);
}
