import { AtrousError } from '../errors.js';
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { BatchNorm2d } from '../nn/norm.js';
import { globalAvgPool } from '../ops/adaptive-pool.js';
import { add } from '../ops/elementwise.js';
import { relu } from '../ops/unary.js';
import { griddingCheck, receptiveField } from '../shape/receptive-field.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** A residual pair of 3x3 convs at one dilation (batch norm, ReLU), as in a dilated ResNet (Yu et al. 2017). */
export class DilatedResidualBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;

  constructor(channels: number, readonly dilation: number, generator?: Rng) {
    super();
    this.conv1 = new Conv2d(channels, channels, 3, { dilation, padding: dilation, bias: false, generator });
    this.bn1 = new BatchNorm2d(channels);
    this.conv2 = new Conv2d(channels, channels, 3, { dilation, padding: dilation, bias: false, generator });
    this.bn2 = new BatchNorm2d(channels);
  }

  forward(x: Tensor): Tensor {
    const h = relu(this.bn1.forward(this.conv1.forward(x)));
    return relu(add(x, this.bn2.forward(this.conv2.forward(h))));
  }
}

/** Options of `DilatedClassifier`. */
export interface DilatedClassifierOptions {
  /** Input channels. Default 1. */
  inChannels?: number;
  /** Width of the stem. Default 16. */
  stemChannels?: number;
  /** Width after the strided conv (and of every residual block). Default 32. */
  channels?: number;
  /** One residual block per entry, at that dilation. Default [1, 2, 4]. */
  dilations?: readonly number[];
  /** What to do when the dilations grid (leave holes in the receptive field): default 'refuse'. */
  onGridding?: 'refuse' | 'warn' | 'allow';
  generator?: Rng;
}

/**
 * An image classifier whose context comes from dilation rather than pooling: a 3x3 stem, one 3x3
 * stride-2 conv, then residual blocks of dilated 3x3 convs at half resolution (so the feature maps
 * stay large, as in Yu, Koltun & Funkhouser 2017, "Dilated residual networks"), global average
 * pooling and a linear layer. The default's receptive field covers a 28x28 digit from every position
 * of the 14x14 map. A dilation schedule that grids is refused (see `griddingCheck`).
 * @example new DilatedClassifier(10) // [N, 1, 28, 28] → [N, 10] logits
 */
export class DilatedClassifier extends Module {
  stem: Conv2d;
  stemBn: BatchNorm2d;
  down: Conv2d;
  downBn: BatchNorm2d;
  blocks: DilatedResidualBlock[];
  head: Linear;

  constructor(readonly classes: number, readonly opts: DilatedClassifierOptions = {}) {
    super();
    const inC = opts.inChannels ?? 1;
    const s = opts.stemChannels ?? 16;
    const c = opts.channels ?? 32;
    const dilations = opts.dilations ?? [1, 2, 4];
    if (!Array.isArray(dilations) || dilations.length === 0) throw new AtrousError('bad_argument', 'DilatedClassifier: dilations must list at least one block');
    const g = opts.generator;
    const report = griddingCheck(3, dilations.flatMap((d) => [d, d]));
    if (report.grids && (opts.onGridding ?? 'refuse') !== 'allow') {
      const msg = `DilatedClassifier: dilations [${dilations.join(', ')}] grid: ${report.holes.length} of ${report.receptiveField} offsets of the receptive field are never seen (${report.hdc.explanation})`;
      if ((opts.onGridding ?? 'refuse') === 'refuse') throw new AtrousError('bad_argument', msg);
      console.warn(msg);
    }
    this.stem = new Conv2d(inC, s, 3, { padding: 1, bias: false, generator: g });
    this.stemBn = new BatchNorm2d(s);
    this.down = new Conv2d(s, c, 3, { stride: 2, padding: 1, bias: false, generator: g });
    this.downBn = new BatchNorm2d(c);
    this.blocks = dilations.map((d) => new DilatedResidualBlock(c, d, g));
    this.head = new Linear(c, classes, { generator: g });
  }

  /** Receptive field of one output position of the last block, in input pixels. */
  get receptiveField(): number {
    const layers = [{ kernel: 3 }, { kernel: 3, stride: 2 }, ...this.blocks.flatMap((b) => [{ kernel: 3, dilation: b.dilation }, { kernel: 3, dilation: b.dilation }])];
    return receptiveField(layers).at(-1)!.receptiveField;
  }

  /** The feature maps before pooling: `[N, channels, H/2, W/2]`. */
  features(x: Tensor): Tensor {
    let h = relu(this.stemBn.forward(this.stem.forward(x)));
    h = relu(this.downBn.forward(this.down.forward(h)));
    for (const b of this.blocks) h = b.forward(h);
    return h;
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(globalAvgPool(this.features(x)));
  }
}
