import { AtrousError, fmtShape } from '../errors.js';
import { batchNorm, groupNorm, layerNorm } from '../ops/norms.js';
import { checkPositive } from '../shape/params.js';
import { type DType, ones, type Tensor, zeros } from '../tensor/tensor.js';
import { Module } from './module.js';

const py = (b: boolean) => (b ? 'True' : 'False');

/** Options of BatchNorm1d/2d/3d, as PyTorch's `nn.BatchNormNd`. */
export interface BatchNormLayerOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (weight = 1, bias = 0 at init). Default true. */
  affine?: boolean;
  /** Keep running statistics for eval mode; if false, eval uses batch statistics too. Default true. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

abstract class BatchNormNd extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;

  constructor(readonly nd: 1 | 2 | 3, readonly numFeatures: number, opts: BatchNormLayerOptions) {
    super();
    checkPositive(`BatchNorm${nd}d`, 'numFeatures', numFeatures);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const affine = opts.affine ?? true;
    this.weight = affine ? ones([numFeatures], opts.dtype).requiresGrad_() : null;
    this.bias = affine ? zeros([numFeatures], opts.dtype).requiresGrad_() : null;
    if (this.trackRunningStats) {
      // PyTorch's buffer names, so state dicts line up; num_batches_tracked is a float scalar here.
      this.registerBuffer('running_mean', zeros([numFeatures], opts.dtype));
      this.registerBuffer('running_var', ones([numFeatures], opts.dtype));
      this.registerBuffer('num_batches_tracked', zeros([], opts.dtype));
    }
  }

  /** `[C]` running mean (null without trackRunningStats). */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.buffer('running_mean') : null;
  }

  /** `[C]` running (unbiased) variance (null without trackRunningStats). */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.buffer('running_var') : null;
  }

  forward(x: Tensor): Tensor {
    const op = `BatchNorm${this.nd}d`;
    const ranks = this.nd === 1 ? [2, 3] : [this.nd + 2];
    if (!ranks.includes(x?.rank)) {
      throw new AtrousError('rank_mismatch', `${op}: expected x of rank ${ranks.join(' or ')}, got ${x ? fmtShape(x.shape) : String(x)}`);
    }
    const counter = this.training && this.trackRunningStats ? this.buffer('num_batches_tracked') : null;
    const count = counter === null ? 0 : counter.data[0] + 1;
    // momentum null: the running statistics are the plain average of every batch so far.
    const momentum = this.momentum ?? (counter === null ? 0 : 1 / count);
    const y = batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training || !this.trackRunningStats, momentum, eps: this.eps,
    });
    if (counter !== null) counter.data[0] = count;
    return y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${py(this.weight !== null)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}

/**
 * Batch norm for `[N, C]` or `[N, C, L]`, as `torch.nn.BatchNorm1d`. Training mode normalises with
 * batch statistics and updates `running_mean`/`running_var`; `eval()` switches to those.
 * @example const bn = new BatchNorm1d(32); bn.forward(h); bn.eval(); bn.forward(h)
 */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(1, numFeatures, opts);
  }
}

/** Batch norm for `[N, C, H, W]`, as `torch.nn.BatchNorm2d`. */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(2, numFeatures, opts);
  }
}

/** Batch norm for `[N, C, D, H, W]`, as `torch.nn.BatchNorm3d`. */
export class BatchNorm3d extends BatchNormNd {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(3, numFeatures, opts);
  }
}

/** Options of `LayerNorm`, as `torch.nn.LayerNorm`. */
export interface LayerNormLayerOptions {
  eps?: number;
  /** Learn weight (init 1) and bias (init 0) shaped normalizedShape. Default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the bias. Default true. */
  bias?: boolean;
  dtype?: DType;
}

/**
 * Layer norm over the trailing `normalizedShape` axes, as `torch.nn.LayerNorm`.
 * @example new LayerNorm(64).forward(h) // h [N, T, 64]
 */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormLayerOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...(normalizedShape ?? [])];
    if (this.normalizedShape.length === 0) throw new AtrousError('bad_argument', 'LayerNorm: normalizedShape must not be empty');
    this.normalizedShape.forEach((n) => checkPositive('LayerNorm', 'normalizedShape', n));
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? ones(this.normalizedShape, opts.dtype).requiresGrad_() : null;
    this.bias = affine && opts.bias !== false ? zeros(this.normalizedShape, opts.dtype).requiresGrad_() : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps}, elementwise_affine=${py(this.weight !== null)}`;
  }
}

/** Options of `GroupNorm`, as `torch.nn.GroupNorm`. */
export interface GroupNormLayerOptions {
  eps?: number;
  /** Learn a per-channel weight (init 1) and bias (init 0). Default true. */
  affine?: boolean;
  dtype?: DType;
}

/**
 * Group norm, as `torch.nn.GroupNorm`: channels split into `numGroups` groups, each normalised per
 * sample, so it behaves the same at batch 1 (where batch norm's statistics are noise).
 * @example new GroupNorm(8, 64).forward(x) // x [1, 64, H, W]
 */
export class GroupNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;

  constructor(readonly numGroups: number, readonly numChannels: number, opts: GroupNormLayerOptions = {}) {
    super();
    checkPositive('GroupNorm', 'numGroups', numGroups);
    checkPositive('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new AtrousError('groups_indivisible', `GroupNorm: numChannels ${numChannels} is not divisible by numGroups ${numGroups}`);
    }
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine ?? true;
    this.weight = affine ? ones([numChannels], opts.dtype).requiresGrad_() : null;
    this.bias = affine ? zeros([numChannels], opts.dtype).requiresGrad_() : null;
  }

  forward(x: Tensor): Tensor {
    if (x?.rank >= 2 && x.shape[1] !== this.numChannels) {
      throw new AtrousError('channel_mismatch', `GroupNorm: x ${fmtShape(x.shape)} has ${x.shape[1]} channels, the layer ${this.numChannels}`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${py(this.weight !== null)}`;
  }
}
