import { AtrousError } from '../errors.js';
import { Conv1d } from '../nn/conv.js';
import { Dropout1d } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { normal_ } from '../nn/init.js';
import { normExceptDim } from '../ops/norms.js';
import { addRelu } from '../ops/elementwise.js';
import { slice } from '../ops/shape-ops.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of `TemporalBlock` and `TCN`. */
export interface TcnOptions {
  /** Taps per conv. Default 2 (the paper uses 2..8 by task). */
  kernelSize?: number;
  /** Spatial (channel-wise) dropout after each conv, in training mode. Default 0.2 as the paper's code. */
  dropout?: number;
  /** Weight norm on every conv, as the paper. Default true. */
  weightNorm?: boolean;
  generator?: Rng;
}

/** Weight norm with v ~ N(0, 0.01) and g = ‖v‖ (the TCN code's init), else N(0, 0.01) weights. */
function tcnInit(conv: Conv1d, generator: Rng | undefined): void {
  const w = conv.weight_v ?? conv.weight!;
  normal_(w, 0, 0.01, { generator });
  if (conv.weight_g !== null) conv.weight_g.data.set(normExceptDim(w, 0).data);
}

/**
 * One residual block of a temporal convolutional network (Bai, Kolter & Koltun 2018, "An empirical
 * evaluation of generic convolutional and recurrent networks for sequence modeling"): two causal
 * dilated convs (weight norm, ReLU, spatial dropout), plus the input, through a 1x1 conv when the
 * channel count changes, then ReLU. `[N, inC, T]` → `[N, outC, T]`; output t sees inputs ≤ t only.
 */
export class TemporalBlock extends Module {
  conv1: Conv1d;
  drop1: Dropout1d;
  conv2: Conv1d;
  drop2: Dropout1d;
  downsample: Conv1d | null;

  constructor(inC: number, outC: number, readonly dilation: number, opts: TcnOptions = {}) {
    super();
    const k = opts.kernelSize ?? 2;
    // ReLU fused into each conv (the same values and gradients as a separate relu, less memory traffic).
    const conv = (i: number) =>
      new Conv1d(i, outC, k, { dilation, padding: 'causal', weightNorm: opts.weightNorm ?? true, activation: 'relu', generator: opts.generator });
    this.conv1 = conv(inC);
    this.drop1 = new Dropout1d(opts.dropout ?? 0.2, opts.generator);
    this.conv2 = conv(outC);
    this.drop2 = new Dropout1d(opts.dropout ?? 0.2, opts.generator);
    this.downsample = inC === outC ? null : new Conv1d(inC, outC, 1, { generator: opts.generator });
    tcnInit(this.conv1, opts.generator);
    tcnInit(this.conv2, opts.generator);
    if (this.downsample) normal_(this.downsample.weight!, 0, 0.01, { generator: opts.generator });
  }

  forward(x: Tensor): Tensor {
    const h = this.drop2.forward(this.conv2.forward(this.drop1.forward(this.conv1.forward(x))));
    return addRelu(h, this.downsample ? this.downsample.forward(x) : x);
  }
}

/**
 * A TCN: temporal blocks with dilations 1, 2, 4, ... (2^i for block i), so the receptive field is
 * 1 + 2·(k−1)·(2^levels − 1) steps. `[N, inputs, T]` → `[N, channels.at(-1), T]`, causal.
 * @example new TCN(2, Array(8).fill(24), { kernelSize: 8 }) // the adding-problem TCN: 24 channels, 8 levels
 */
export class TCN extends Module {
  blocks: TemporalBlock[];

  constructor(inputs: number, channels: readonly number[], opts: TcnOptions = {}) {
    super();
    if (!Array.isArray(channels) || channels.length === 0) throw new AtrousError('bad_argument', 'TCN: channels must list at least one level');
    this.blocks = channels.map((c, i) => new TemporalBlock(i === 0 ? inputs : channels[i - 1], c, 2 ** i, opts));
  }

  /** Steps of input each output sees: 1 + Σ over convs of d·(k−1). */
  get receptiveField(): number {
    return 1 + this.blocks.reduce((s, b) => s + 2 * b.dilation * (b.conv1.kernelSize[0] - 1), 0);
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.blocks) h = b.forward(h);
    return h;
  }
}

/**
 * A TCN with a linear head on its last time step: `[N, inputs, T]` → `[N, outputs]`. The paper's
 * model for the adding problem and sequential MNIST.
 * @example new TCNRegressor(2, Array(8).fill(24), 1, { kernelSize: 8, dropout: 0 })
 */
export class TCNRegressor extends Module {
  tcn: TCN;
  linear: Linear;

  constructor(inputs: number, channels: readonly number[], outputs: number, opts: TcnOptions = {}) {
    super();
    this.tcn = new TCN(inputs, channels, opts);
    this.linear = new Linear(channels[channels.length - 1], outputs, { generator: opts.generator });
    normal_(this.linear.weight, 0, 0.01, { generator: opts.generator });
  }

  forward(x: Tensor): Tensor {
    const h = this.tcn.forward(x); // [N, C, T]
    const last = slice(h, 2, -1); // [N, C, 1]
    return this.linear.forward(last.reshape([last.shape[0], last.shape[1]]));
  }
}
