import { AtrousError } from '../errors.js';
import { checkActivation, type ConvActivation, convNd } from '../ops/conv.js';
import { convTranspose1d, convTranspose2d, convTranspose3d } from '../ops/conv-transpose.js';
import { normExceptDim, weightNorm } from '../ops/norms.js';
import type { Padding } from '../shape/padding.js';
import { checkPositive, nonNegativePerAxis, type PerAxis, positivePerAxis } from '../shape/params.js';
import type { Rng } from '../tensor/random.js';
import { type DType, type Tensor, zeros } from '../tensor/tensor.js';
import { fanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';

/** Options of Conv1d/2d/3d: PyTorch's `nn.ConvNd` arguments plus weight norm and causal padding. */
export interface ConvLayerOptions {
  stride?: PerAxis;
  /** A number, per axis, `[before, after]` per axis, 'valid', 'same' or 'causal'. Default 0. */
  padding?: Padding;
  dilation?: PerAxis;
  groups?: number;
  /** With 'causal' padding in 2D/3D: the spatial axis that is time. */
  causalAxis?: number;
  /** Learn a bias. Default true. */
  bias?: boolean;
  /**
   * Parametrise the weight as `weight_g · weight_v / ‖weight_v‖` (per output channel), as
   * `torch.nn.utils.weight_norm(conv)`, the TCN's choice. Default false.
   */
  weightNorm?: boolean;
  /**
   * 'relu' applies ReLU to the output inside the conv op, as Keras/tfjs layers' `activation`
   * (default 'linear': none). Same values and gradients as `relu(conv.forward(x))`, one array and
   * one pass over memory fewer. No parameters, so checkpoints are unchanged.
   */
  activation?: ConvActivation;
  /** Draw the initial weights from this generator instead of `globalRng()`. */
  generator?: Rng;
  dtype?: DType;
}

const fmtTuple = (v: readonly number[]) => `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;

function checkChannels(op: string, inC: number, outC: number, groups: number): void {
  checkPositive(op, 'inChannels', inC);
  checkPositive(op, 'outChannels', outC);
  if (inC % groups !== 0 || outC % groups !== 0) {
    throw new AtrousError('groups_indivisible', `${op}: inChannels ${inC} and outChannels ${outC} must both be divisible by groups=${groups}`);
  }
}

/**
 * PyTorch's default conv init (`_ConvNd.reset_parameters`): kaiming_uniform with a = √5, i.e.
 * U(±1/√fan_in), then the bias U(±1/√fan_in), weight first.
 */
function defaultInit(weight: Tensor, bias: Tensor | null, generator: Rng | undefined): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias !== null) {
    const bound = 1 / Math.sqrt(fanInAndFanOut(weight).fanIn);
    uniform_(bias, -bound, bound, { generator });
  }
}

/** Shared by Conv1d/2d/3d: holds the weight (or its weight-norm parts) and calls the op. */
abstract class ConvNdLayer extends Module {
  // Declaration order fixes the parameter order: weight, bias, or with weight norm bias, weight_g,
  // weight_v, as PyTorch's state_dict lists them after weight_norm.
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  weight_g: Tensor | null = null;
  weight_v: Tensor | null = null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly padding: Padding;
  readonly groups: number;
  readonly causalAxis: number | undefined;
  readonly activation: ConvActivation;

  constructor(readonly nd: 1 | 2 | 3, inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvLayerOptions) {
    super();
    const op = `Conv${nd}d`;
    this.groups = checkPositive(op, 'groups', opts.groups ?? 1);
    checkChannels(op, inChannels, outChannels, this.groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = positivePerAxis(op, 'kernelSize', kernelSize, nd);
    this.stride = positivePerAxis(op, 'stride', opts.stride ?? 1, nd);
    this.dilation = positivePerAxis(op, 'dilation', opts.dilation ?? 1, nd);
    this.padding = opts.padding ?? 0;
    this.causalAxis = opts.causalAxis;
    this.activation = checkActivation(op, opts.activation);
    const w = zeros([outChannels, inChannels / this.groups, ...this.kernelSize], opts.dtype);
    const b = opts.bias === false ? null : zeros([outChannels], opts.dtype);
    defaultInit(w, b, opts.generator);
    this.bias = b === null ? null : b.requiresGrad_();
    if (opts.weightNorm === true) {
      this.weight_g = normExceptDim(w, 0).requiresGrad_();
      this.weight_v = w.requiresGrad_();
    } else {
      this.weight = w.requiresGrad_();
    }
  }

  /** The weight the conv uses: `weight`, or `weightNorm(weight_v, weight_g)` (recorded, so both get gradients). */
  computeWeight(): Tensor {
    if (this.weight_v !== null && this.weight_g !== null) return weightNorm(this.weight_v, this.weight_g, 0);
    if (this.weight === null) throw new AtrousError('bad_argument', `Conv${this.nd}d: has neither weight nor weight_v/weight_g`);
    return this.weight;
  }

  forward(x: Tensor): Tensor {
    return convNd(`Conv${this.nd}d`, this.nd, x, this.computeWeight(), {
      bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, causalAxis: this.causalAxis,
      activation: this.activation,
    });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=${fmtTuple(this.kernelSize)}`, `stride=${fmtTuple(this.stride)}`];
    if (this.padding !== 0) parts.push(`padding=${typeof this.padding === 'string' ? `'${this.padding}'` : JSON.stringify(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${fmtTuple(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=False');
    if (this.weight_v !== null) parts.push('weight_norm=True');
    if (this.activation !== 'linear') parts.push(`activation='${this.activation}'`);
    return parts.join(', ');
  }
}

/**
 * 1D convolution layer, as `torch.nn.Conv1d`: weight `[out, in/groups, k]`, PyTorch's default init.
 * Input `[N, in, L]` (or `[in, L]`).
 * @example new Conv1d(32, 32, 3, { dilation: 4, padding: 'causal', weightNorm: true }) // a TCN conv
 */
export class Conv1d extends ConvNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * 2D convolution layer, as `torch.nn.Conv2d`: weight `[out, in/groups, kH, kW]`.
 * @example new Conv2d(64, 64, 3, { dilation: 4, padding: 'same' }) // a context-module layer
 */
export class Conv2d extends ConvNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvLayerOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}

/** 3D convolution layer, as `torch.nn.Conv3d`: weight `[out, in/groups, kD, kH, kW]`. */
export class Conv3d extends ConvNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvLayerOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
}

/** Options of ConvTranspose1d/2d/3d, as PyTorch's `nn.ConvTransposeNd`. */
export interface ConvTransposeLayerOptions {
  stride?: PerAxis;
  /** Cropped from each side of the full output: a number, per axis, or `[before, after]` per axis. */
  padding?: number | readonly number[] | readonly (readonly [number, number])[] | 'valid';
  outputPadding?: PerAxis;
  dilation?: PerAxis;
  groups?: number;
  bias?: boolean;
  generator?: Rng;
  dtype?: DType;
}

const TRANSPOSED = [convTranspose1d, convTranspose2d, convTranspose3d];

abstract class ConvTransposeNdLayer extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly padding: NonNullable<ConvTransposeLayerOptions['padding']>;
  readonly groups: number;

  constructor(readonly nd: 1 | 2 | 3, inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvTransposeLayerOptions) {
    super();
    const op = `ConvTranspose${nd}d`;
    this.groups = checkPositive(op, 'groups', opts.groups ?? 1);
    checkChannels(op, inChannels, outChannels, this.groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = positivePerAxis(op, 'kernelSize', kernelSize, nd);
    this.stride = positivePerAxis(op, 'stride', opts.stride ?? 1, nd);
    this.dilation = positivePerAxis(op, 'dilation', opts.dilation ?? 1, nd);
    this.outputPadding = nonNegativePerAxis(op, 'outputPadding', opts.outputPadding ?? 0, nd);
    this.padding = opts.padding ?? 0;
    // Transposed weights are [in, out/groups, k...]; PyTorch's fan_in (axis 1) is then out/groups·Πk.
    const w = zeros([inChannels, outChannels / this.groups, ...this.kernelSize], opts.dtype);
    const b = opts.bias === false ? null : zeros([outChannels], opts.dtype);
    defaultInit(w, b, opts.generator);
    this.weight = w.requiresGrad_();
    this.bias = b === null ? null : b.requiresGrad_();
  }

  forward(x: Tensor): Tensor {
    return TRANSPOSED[this.nd - 1](x, this.weight, {
      bias: this.bias, stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=${fmtTuple(this.kernelSize)}`, `stride=${fmtTuple(this.stride)}`];
    if (this.padding !== 0) parts.push(`padding=${JSON.stringify(this.padding)}`);
    if (this.outputPadding.some((p) => p !== 0)) parts.push(`output_padding=${fmtTuple(this.outputPadding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${fmtTuple(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=False');
    return parts.join(', ');
  }
}

/**
 * 1D transposed convolution layer, as `torch.nn.ConvTranspose1d`: weight `[in, out/groups, k]`.
 * @example new ConvTranspose1d(16, 8, 4, { stride: 2, padding: 1 }) // doubles the length
 */
export class ConvTranspose1d extends ConvTransposeNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvTransposeLayerOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}

/** 2D transposed convolution layer, as `torch.nn.ConvTranspose2d`: weight `[in, out/groups, kH, kW]`. */
export class ConvTranspose2d extends ConvTransposeNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvTransposeLayerOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}

/** 3D transposed convolution layer, as `torch.nn.ConvTranspose3d`: weight `[in, out/groups, kD, kH, kW]`. */
export class ConvTranspose3d extends ConvTransposeNdLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, opts: ConvTransposeLayerOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
}
