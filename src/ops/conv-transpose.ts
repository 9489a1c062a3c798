import { needsGrad, record } from '../autograd/node.js';
import { AtrousError } from '../errors.js';
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
    if (plan.outputPadding.some((p, a) => p >= plan.stride[a])) {
      throw new AtrousError('bad_argument', `${op} backward: outputPadding [${plan.outputPadding.join(',')}] at least the stride [${plan.stride.join(',')}] (allowed when dilation is larger) has no gradient rule yet`);
    }
    const geometry = { stride: [...plan.stride], dilation: [...plan.dilation], groups: plan.groups, padding: plan.pads };
    let dx: Tensor | null = null;
    if (needsGrad(x)) {
      const cplan = planConv(`${op} backward`, nd, g.shape, weight.shape, null, geometry);
      dx = zeros(cplan.outShape, g.dtype);
      runConv(cplan, g.data, weight.data, null, dx.data);
    }
    return [
      dx,
      needsGrad(weight) ? convWeightGrad(g, weight.shape, x, geometry) : null,
      needsGrad(bias) ? convBiasGrad(g, plan.unbatched) : null,
    ];
  });
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
