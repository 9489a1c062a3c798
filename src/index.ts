/**
 * atrous: dilated (atrous) convolutions for TypeScript.
 *
 * - Geometry as pure functions: output sizes, padding modes, receptive fields, gridding checks.
 * - The op in PyTorch's conventions (`conv1d/2d/3d`, `convTranspose1d/2d/3d`) and TensorFlow's
 *   (`tfConv2d`, also as `tf.nn.conv2d`).
 * - One error class, `AtrousError`, with a stable `code` per kind of mistake.
 */
export { AtrousError, type AtrousErrorCode } from './errors.js';

export { convOutSize, convTransposeOutSize, effectiveKernelSize } from './shape/conv-size.js';
export { type AxisPads, causalPadding, type Padding, type PaddingGeometry, resolvePadding, samePadding } from './shape/padding.js';
export type { PerAxis } from './shape/params.js';
export { type ConvOptions, type ConvPlan, type ConvTransposeOptions, planConv, planConvTranspose } from './shape/plan-conv.js';
export {
  type GriddingReport,
  griddingCheck,
  type HdcReport,
  receptiveField,
  receptiveFieldCoverage,
  type RfLayer,
  type RfRow,
} from './shape/receptive-field.js';

export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode.js';
export type { GradNode } from './autograd/node.js';
export { gradcheck, type GradcheckOptions, gradcheckProjected, type GradcheckResult } from './autograd/gradcheck.js';

export { globalRng, manualSeed, Rng } from './tensor/random.js';
export { permute } from './tensor/permute.js';
export {
  arange,
  type DType,
  full,
  type NestedArray,
  ones,
  rand,
  randn,
  type RandomOptions,
  Tensor,
  tensor,
  type TypedData,
  zeros,
} from './tensor/tensor.js';

export { type ConvArgs, conv1d, conv2d, conv3d, convAsync } from './ops/conv.js';
export { activeBackend, type Backend, getThreads, setBackend, setThreads } from './kernels/registry.js';
export { type ConvTransposeArgs, convTranspose1d, convTranspose2d, convTranspose3d } from './ops/conv-transpose.js';
export { convBiasGrad, convInputGrad, convWeightGrad } from './ops/conv-grad.js';
export { type TfDataFormat, type TfPadding, tfConv2d } from './ops/tf-conv2d.js';

export { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, type SafetensorsContent } from './io/safetensors.js';
export { loadSafetensors, saveSafetensors } from './io/checkpoint-file.js';

import { tfConv2d } from './ops/tf-conv2d.js';
/** TensorFlow-shaped namespace: `tf.nn.conv2d(input, filters, strides, padding, dataFormat, dilations)`. */
export const tf = { nn: { conv2d: tfConv2d } } as const;

export {
  type HyperValue,
  Optimizer,
  type OptimizerMeta,
  type OptimizerStateDict,
  type ParamState,
} from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, type AdamOptions, AdamW } from './optim/adam.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { clipGradNorm_, type ClipGradNormOptions, clipGradValue_ } from './optim/clip.js';
export {
  CosineAnnealingLR,
  type HasLr,
  LambdaLR,
  LinearLR,
  type LinearLROptions,
  LinearWarmup,
  LRScheduler,
  type LRSchedulerState,
  MultiStepLR,
  StepLR,
  warmupCosine,
  type WarmupCosineOptions,
} from './optim/lr-scheduler.js';
