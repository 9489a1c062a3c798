import { needsGrad, record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { runConv, runConvAsync } from '../kernels/registry.js';
import { type ConvOptions, type ConvPlan, planConv } from '../shape/plan-conv.js';
import { Tensor, uninitialized } from '../tensor/tensor.js';
import { checkTensors } from './check-tensors.js';
import { convBiasGrad, convInputGrad, convWeightGrad } from './conv-grad.js';
import { reluGradInto } from './unary.js';
import { recycle } from '../tensor/buffer-pool.js';
import { AtrousError, fmtShape } from '../errors.js';

/** What a conv applies to its output in the same op: nothing, or ReLU. */
export type ConvActivation = 'linear' | 'relu';

/** Options of conv1d/2d/3d: PyTorch's keyword arguments, plus `causalAxis` and `activation`. */
export interface ConvArgs extends ConvOptions {
  /** `[Cout]`, added to every output position of its channel. */
  bias?: Tensor | null;
  /**
   * 'relu' applies ReLU to the output in the same op, as tfjs's `tf.fused.conv2d` (default
   * 'linear': none). The values and gradients are those of `relu(conv(x, w))`; the kernel applies
   * ReLU as it stores each output, so the op saves ReLU's separate array and pass over memory.
   */
  activation?: ConvActivation;
  /**
   * A tensor to write the output into, of the output's shape and the input's dtype; the op
   * returns it. Its data may be an array from `wasmArray`, which the wasm backend then writes in
   * place instead of copying the output out of its memory. It must not share memory with x, the
   * weight or the bias, and is refused while gradients are recorded (the backward pass keeps the
   * output, which a reused `out` would overwrite).
   */
  out?: Tensor;
}

function checkArgs(op: string, args: unknown): ConvArgs {
  // PyTorch's F.conv1d(x, w, b) passes the bias third: say so rather than run without it.
  if (args instanceof Tensor) throw new AtrousError('bad_argument', `${op}: the third argument is an options object; pass the bias as { bias }`);
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new AtrousError('bad_argument', `${op}: the third argument is an options object ({ bias, stride, padding, dilation, groups, ... }), got ${args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args}`);
  }
  return args as ConvArgs;
}

/** The activation of a conv op or layer: 'linear' when omitted; anything but 'linear' or 'relu' throws. */
export function checkActivation(op: string, activation: unknown): ConvActivation {
  if (activation === undefined || activation === 'linear' || activation === 'relu') return activation ?? 'linear';
  throw new AtrousError('bad_argument', `${op}: activation must be 'linear' or 'relu', got ${JSON.stringify(activation)}`);
}

function prepare(op: string, nd: number, x: Tensor, weight: Tensor, argsIn: ConvArgs): { plan: ConvPlan; bias: Tensor | null; y: Tensor; relu: boolean } {
  const args = checkArgs(op, argsIn);
  const relu = checkActivation(op, args.activation) === 'relu';
  checkTensors(op, x, weight, args.bias);
  const bias = args.bias ?? null;
  const plan = planConv(op, nd, x.shape, weight.shape, bias === null ? null : bias.shape, args);
  // Every kernel writes every output (the reference by assignment; the fast ones are checked on
  // outputs prefilled with NaN), so the output skips the zero fill.
  const y = args.out === undefined ? uninitialized(plan.outShape, x.dtype) : checkOut(op, args.out, plan, [x, weight, bias]);
  return { plan, bias, y, relu };
}

/** `out` as prepare takes it: a tensor of the output's shape and dtype, sharing no memory with the inputs. */
function checkOut(op: string, out: unknown, plan: ConvPlan, inputs: (Tensor | null)[]): Tensor {
  const x = inputs[0] as Tensor;
  if (!(out instanceof Tensor)) throw new AtrousError('bad_argument', `${op}: out must be a Tensor, got ${out === null ? 'null' : typeof out}`);
  if (out.dtype !== x.dtype || out.shape.length !== plan.outShape.length || out.shape.some((n, i) => n !== plan.outShape[i])) {
    throw new AtrousError('bad_tensor', `${op}: out must be ${x.dtype} ${fmtShape(plan.outShape)} (the output of x ${fmtShape(x.shape)}), got ${out.dtype} ${fmtShape(out.shape)}`);
  }
  for (const [name, t] of [['x', inputs[0]], ['weight', inputs[1]], ['bias', inputs[2]]] as const) {
    if (t !== null && overlaps(out.data, t.data)) throw new AtrousError('bad_argument', `${op}: out shares memory with ${name}; the kernels read it while they write out`);
  }
  if (isGradEnabled() && inputs.some((t) => t !== null && t.requiresGrad)) {
    throw new AtrousError('bad_argument', `${op}: out is refused while gradients are recorded (an input requires grad); call it under noGrad, or drop out`);
  }
  return out;
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Validates, plans and runs a conv; `op` names the entry point in error messages. */
export function convNd(op: string, nd: number, x: Tensor, weight: Tensor, args: ConvArgs): Tensor {
  const { plan, bias, y, relu } = prepare(op, nd, x, weight, args);
  runConv(plan, x.data, weight.data, bias === null ? null : bias.data, y.data, relu);
  return finishConv(op, plan, x, weight, bias, y, relu);
}

/**
 * Records the backward of a conv whose output y is computed (with the fused ReLU, which the kernel
 * applied as it stored y), on the same fast kernels: dx is a transposed conv of dy with the
 * forward stride and dilation, dw a conv of x by dy with stride and dilation swapped, db a sum.
 * With a fused ReLU, dy is first masked where the output is not positive (into memory the backward
 * pass gets back at once: nothing else ever sees it).
 */
function finishConv(op: string, plan: ConvPlan, x: Tensor, weight: Tensor, bias: Tensor | null, y: Tensor, fusedRelu: boolean): Tensor {
  const geometry = { stride: [...plan.stride], dilation: [...plan.dilation], groups: plan.groups, padding: plan.pads };
  return record(op, y, [x, weight, bias], (gOut) => {
    let g = gOut;
    if (fusedRelu) {
      g = uninitialized(gOut.shape, gOut.dtype);
      reluGradInto(gOut.data, y.data, g.data);
    }
    const grads = [
      needsGrad(x) ? convInputGrad(x.shape, weight, g, geometry) : null,
      needsGrad(weight) ? convWeightGrad(x, weight.shape, g, geometry) : null,
      needsGrad(bias) ? convBiasGrad(g, plan.unbatched) : null,
    ];
    if (g !== gOut) recycle(g.data.buffer);
    return grads;
  });
}

/** convNd with the kernel off the main thread (native backend), so the event loop keeps running. */
export async function convNdAsync(op: string, nd: number, x: Tensor, weight: Tensor, args: ConvArgs): Promise<Tensor> {
  const { plan, bias, y, relu } = prepare(op, nd, x, weight, args);
  await runConvAsync(plan, x.data, weight.data, bias === null ? null : bias.data, y.data, relu);
  return finishConv(op, plan, x, weight, bias, y, relu);
}

/**
 * 1D convolution, as `torch.nn.functional.conv1d`. x: `[N, Cin, L]` (or `[Cin, L]`),
 * weight: `[Cout, Cin/groups, k]`. `padding: 'causal'` pads `d·(k−1)` on the left only.
 * @example conv1d(x, w, { dilation: 4, padding: 'causal' }) // a WaveNet layer's conv
 */
export function conv1d(x: Tensor, weight: Tensor, args: ConvArgs = {}): Tensor {
  return convNd('conv1d', 1, x, weight, args);
}

/**
 * 2D convolution, as `torch.nn.functional.conv2d`. x: `[N, Cin, H, W]` (or `[Cin, H, W]`),
 * weight: `[Cout, Cin/groups, kH, kW]`. Output size per axis:
 * `floor((in + padBefore + padAfter − d·(k−1) − 1) / s) + 1`.
 * @example conv2d(x, w, { dilation: 2, stride: 2 }) // x [1,1,5,5], w [1,1,2,2] → [1,1,2,2]
 */
export function conv2d(x: Tensor, weight: Tensor, args: ConvArgs = {}): Tensor {
  return convNd('conv2d', 2, x, weight, args);
}

/** conv2d under another entry point's name (the TF-style API), so its errors name that entry point. */
export function conv2dAs(op: string, x: Tensor, weight: Tensor, args: ConvArgs): Tensor {
  return convNd(op, 2, x, weight, args);
}

/**
 * 3D convolution, as `torch.nn.functional.conv3d`. x: `[N, Cin, D, H, W]` (or `[Cin, D, H, W]`),
 * weight: `[Cout, Cin/groups, kD, kH, kW]`.
 */
export function conv3d(x: Tensor, weight: Tensor, args: ConvArgs = {}): Tensor {
  return convNd('conv3d', 3, x, weight, args);
}

/**
 * conv1d/conv2d/conv3d that run the kernel on a worker thread and resolve when done, so a long
 * convolution does not block the event loop (native and wasm backends; the ref backend and float64
 * inputs still compute on the calling thread). Same arguments, same results. Do not transfer or
 * resize the tensors' buffers while the promise is pending: the native kernel reads them in place.
 * @example const y = await convAsync(x, w, { dilation: 8, padding: 'same' }) // x [N, C, H, W]
 */
export function convAsync(x: Tensor, weight: Tensor, args: ConvArgs = {}): Promise<Tensor> {
  const nd = weight?.rank - 2;
  const op = ['conv1d', 'conv2d', 'conv3d'][nd - 1] ?? 'convAsync';
  return convNdAsync(op, nd >= 1 && nd <= 3 ? nd : 2, x, weight, args);
}
