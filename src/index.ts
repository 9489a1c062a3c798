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

export { type ConvActivation, type ConvArgs, conv1d, conv2d, conv3d, convAsync } from './ops/conv.js';
export { activeBackend, type Backend, getThreads, releaseWasmArray, setBackend, setThreads, wasmArray } from './kernels/registry.js';
export { type ConvTransposeArgs, convTranspose1d, convTranspose2d, convTranspose3d } from './ops/conv-transpose.js';
export { convBiasGrad, convInputGrad, convWeightGrad } from './ops/conv-grad.js';
export { type TfDataFormat, type TfPadding, tfConv2d } from './ops/tf-conv2d.js';

export { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, type SafetensorsContent } from './io/safetensors.js';
export { loadSafetensors, saveSafetensors } from './io/checkpoint-file.js';

import { tfConv2d } from './ops/tf-conv2d.js';
/** TensorFlow-shaped namespace: `tf.nn.conv2d(input, filters, strides, padding, dataFormat, dilations)`. */
export const tf = { nn: { conv2d: tfConv2d } } as const;

export { batchNorm, type BatchNormOptions, groupNorm, layerNorm, normExceptDim, weightNorm } from './ops/norms.js';
export { linear } from './ops/linear.js';
export { dropout, dropoutChannels, type DropoutOptions } from './ops/dropout.js';
export { type LoadedCheckpoint, type LoadResult, Module } from './nn/module.js';
export { Conv1d, Conv2d, Conv3d, type ConvLayerOptions, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, type ConvTransposeLayerOptions } from './nn/conv.js';
export { Linear, type LinearOptions } from './nn/linear.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  type BatchNormLayerOptions,
  GroupNorm,
  type GroupNormLayerOptions,
  LayerNorm,
  type LayerNormLayerOptions,
} from './nn/norm.js';
export { Dropout, Dropout1d, Dropout2d, Dropout3d } from './nn/dropout.js';
export { ModuleList, Sequential } from './nn/sequential.js';
export {
  calculateGain,
  constant_,
  fanInAndFanOut,
  identityInit_,
  type IdentityInitOptions,
  type InitOptions,
  kaimingNormal_,
  type KaimingOptions,
  kaimingUniform_,
  type Nonlinearity,
  normal_,
  ones_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from './nn/init.js';

// Differentiable math: broadcasting, elementwise, unary and activations, reductions, softmax, losses.
export { broadcastShapes, broadcastTo, sumToShape } from './ops/broadcast.js';
export { add, div, maximum, minimum, mul, neg, type Operand, pow, sub } from './ops/elementwise.js';
export {
  abs,
  clamp,
  elu,
  erf,
  exp,
  gelu,
  type GeluOptions,
  leakyRelu,
  log,
  relu,
  sigmoid,
  softplus,
  sqrt,
  square,
  tanh,
} from './ops/unary.js';
export { argmax, type Axes, max, mean, sum, variance, type VarianceOptions } from './ops/reduce.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export {
  type BceWithLogitsOptions,
  binaryCrossEntropyWithLogits,
  type ClassTarget,
  crossEntropy,
  type CrossEntropyOptions,
  l1Loss,
  type LossOptions,
  mseLoss,
  nllLoss,
  type NllLossOptions,
  type Reduction,
} from './ops/losses.js';

// Shape ops, matmul, embedding, pooling and upsampling (all differentiable; permute above records too).
export { flatten, slice, split, squeeze, transpose, unsqueeze } from './ops/shape-ops.js';
export { concat, stack } from './ops/concat.js';
export { pad } from './ops/pad.js';
export { matmul } from './ops/matmul.js';
export { embedding, type EmbeddingIndices, type EmbeddingOptions, type IndexArray } from './ops/embedding.js';
export { type AvgPoolOptions, avgPool1d, avgPool2d, maxPool1d, maxPool2d, type MaxPoolOptions } from './ops/pooling.js';
export { adaptiveAvgPool2d, globalAvgPool, globalMaxPool } from './ops/adaptive-pool.js';
export { type BilinearOptions, upsampleBilinear2d, upsampleNearest, type UpsampleOptions } from './ops/upsample.js';

// Activation and pooling layers.
export { Flatten, GELU, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh } from './nn/activation.js';
export { AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool, GlobalMaxPool, MaxPool1d, MaxPool2d } from './nn/pooling.js';

// Model families.
export { TCN, TCNRegressor, type TcnOptions, TemporalBlock } from './models/tcn.js';
export { CONTEXT_DILATIONS, ContextModule, type ContextModuleOptions } from './models/context-module.js';
export { DilatedClassifier, type DilatedClassifierOptions, DilatedResidualBlock } from './models/dilated-classifier.js';
export { type DilationSchedule, dilationSchedule } from './models/dilation-schedule.js';

// Data the package ships.
export { type BatchOptions, imageBatch, type ImageSet, shuffledIndices } from './data/image-set.js';
export { loadDigits } from './data/digits.js';

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

// Streaming inference (one step at a time, Fast WaveNet queues), WaveNet, audio files and μ-law.
export { ClassEmbedding, WaveNet, WaveNetLayer, type WaveNetInput, type WaveNetOptions } from './models/wavenet.js';
export { stream, type StreamOptions, StreamRunner, type StreamState } from './stream/runner.js';
export { type StreamStateLine } from './stream/delay-line.js';
export { type CellContext, type CellFactory, hasStreamCell, type ModuleClass, registerStreamCell, type StreamCell } from './stream/cell.js';
export { DelayLine } from './stream/delay-line.js';
export { type DecodedWav, decodeWav, encodeWav, type EncodeWavOptions, type WavFormat } from './audio/wav.js';
export { muLawDecode, muLawEncode, type Samples } from './audio/mulaw.js';

// Segmentation (issue 5): ASPP and a small segmentation net, digit canvases, IDX files and
// Fashion-MNIST, metrics and a training loop.
export { ASPP, type AsppOptions, ConvBnReLU, SEGMENTATION_HEADS, type SegmentationHead, SegmentationNet, type SegmentationNetOptions } from './models/aspp.js';
export {
  type DigitCanvasOptions,
  digitCanvases,
  type DigitPlacement,
  loadDigitCanvases,
  type LoadDigitCanvasOptions,
  segmentationBatch,
  type SegmentationSet,
} from './data/digit-canvas.js';
export { decodeIdx, type IdxArray, type IdxType, readIdx } from './data/idx.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from './data/fashion-mnist.js';
export {
  type ClassifierHooks, type ClassifierRun, DIGITS_DEFAULTS, type EpochRecord, evaluateClassifier, FASHION_DEFAULTS, type ImageDataset,
  type ImageTrainOptions, loadImageDataset, trainImageClassifier,
} from './tasks/image-classifier.js';
export { confusionMatrix, meanIoU, pixelAccuracy, predictClasses, type SegmentationScores, segmentationScores } from './tasks/segmentation-metrics.js';
export {
  evaluateSegmentation,
  type SegmentationEpoch,
  type SegmentationMetrics,
  type SegmentationProgress,
  type SegmentationTrainOptions,
  trainSegmentation,
} from './tasks/segmentation.js';

// Audio generation (issue 6): the synthesized tone task, sampling from a WaveNet, pitch and the judge.
export {
  cropBatch,
  evaluateTones,
  renderMelody,
  TONES_DEFAULTS,
  TONES_MELODY,
  TONES_MODEL_DEFAULTS,
  TONES_NOTE_SAMPLES,
  TONES_SAMPLE_RATE,
  type ToneNote,
  type ToneRenderOptions,
  type TonesDataset,
  tonesDataset,
  type TonesEvalRecord,
  type TonesHooks,
  type TonesRun,
  type TonesTrainOptions,
  trainTones,
} from './tasks/tones.js';
export { generateAudio, type GenerateAudioOptions, type GeneratedAudio } from './tasks/generate-audio.js';
export { type AudioJudgement, formatJudgement, judgeAudio, type JudgeOptions, nearestNote, whiteNoise } from './tasks/audio-judge.js';
export { centsBetween, detectPitch, type PitchFrame, type PitchOptions, pitchTrack, type PitchTrackOptions, spectrogram } from './audio/pitch.js';
export { pitchMapPng, type PitchMapOptions, type PitchPanel } from './plot/pitch-map.js';
