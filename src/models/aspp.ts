import { AtrousError, fmtShape } from '../errors.js';
import { Conv2d } from '../nn/conv.js';
import { Dropout } from '../nn/dropout.js';
import { Module } from '../nn/module.js';
import { BatchNorm2d } from '../nn/norm.js';
import { globalAvgPool } from '../ops/adaptive-pool.js';
import { concat } from '../ops/concat.js';
import { relu } from '../ops/unary.js';
import { upsampleBilinear2d } from '../ops/upsample.js';
import type { Rng } from '../tensor/random.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import { ContextModule } from './context-module.js';

/**
 * A conv without bias, batch norm, then ReLU: the unit DeepLab v3's ASPP branches are made of (the
 * bias would be cancelled by the batch norm's mean anyway). 'same' size for odd kernels: padding is
 * dilation·(k − 1)/2.
 * @example new ConvBnReLU(32, 64, 3, { dilation: 6 }) // one atrous branch of ASPP
 */
export class ConvBnReLU extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, kernel: number, opts: { dilation?: number; stride?: number; generator?: Rng; dtype?: DType } = {}) {
    super();
    const dilation = opts.dilation ?? 1;
    if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0) {
      throw new AtrousError('bad_argument', `ConvBnReLU: kernel must be an odd positive integer (so the map keeps its size), got ${String(kernel)}`);
    }
    this.conv = new Conv2d(inChannels, outChannels, kernel, {
      dilation, stride: opts.stride ?? 1, padding: (dilation * (kernel - 1)) / 2, bias: false, generator: opts.generator, dtype: opts.dtype,
    });
    this.bn = new BatchNorm2d(outChannels, { dtype: opts.dtype });
  }

  forward(x: Tensor): Tensor {
    return relu(this.bn.forward(this.conv.forward(x)));
  }
}

/** Options of `ASPP`. */
export interface AsppOptions {
  /** Dilation rates of the 3x3 branches. Default [6, 12, 18] (DeepLab v3 at output stride 16). */
  rates?: readonly number[];
  /** Dropout after the projection, active in training only. Default 0.1. */
  dropout?: number;
  generator?: Rng;
  dtype?: DType;
}

/**
 * Atrous spatial pyramid pooling from DeepLab v3 (Chen, Papandreou, Schroff & Adam 2017,
 * "Rethinking atrous convolution for semantic image segmentation", Sec. 3.3). Parallel branches
 * read the same `[N, Cin, H, W]` map:
 * - a 1x1 conv;
 * - one 3x3 conv per rate, dilated by that rate (so each sees a different extent of context);
 * - image pooling: global average pool → 1x1 conv → BN → ReLU, upsampled bilinearly back to H×W
 *   (the global context that a 3x3 conv loses once its rate approaches the map size, where only
 *   its centre tap still lands inside the map);
 * each conv with batch norm and ReLU. They are concatenated along channels (`(2 + rates)·Cout`)
 * and projected by a 1x1 conv + BN + ReLU (+ dropout in training) to `[N, Cout, H, W]`.
 * PyTorch equivalent: `torchvision.models.segmentation.deeplabv3.ASPP(in, rates, out)` (which uses
 * dropout 0.5). Training needs a batch of at least 2: the pooled branch's batch norm sees one value
 * per sample and channel.
 * @example new ASPP(64, 32).forward(x) // x [N, 64, 33, 33] → [N, 32, 33, 33]
 * @example new ASPP(32, 32, { rates: [2, 4, 6] }) // rates scaled down for a 14x14 map
 */
export class ASPP extends Module {
  /** The 1x1 branch, then one branch per rate. */
  branches: ConvBnReLU[];
  pool: ConvBnReLU;
  project: ConvBnReLU;
  drop: Dropout;
  readonly rates: readonly number[];

  constructor(readonly inChannels: number, readonly outChannels = 256, opts: AsppOptions = {}) {
    super();
    const rates = opts.rates ?? [6, 12, 18];
    if (!Array.isArray(rates) || rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1)) {
      throw new AtrousError('bad_argument', `ASPP: rates must be a non-empty list of positive integers, got ${JSON.stringify(rates)}`);
    }
    this.rates = Object.freeze([...rates]);
    const g = opts.generator;
    const dtype = opts.dtype;
    this.branches = [new ConvBnReLU(inChannels, outChannels, 1, { generator: g, dtype })];
    for (const r of rates) this.branches.push(new ConvBnReLU(inChannels, outChannels, 3, { dilation: r, generator: g, dtype }));
    this.pool = new ConvBnReLU(inChannels, outChannels, 1, { generator: g, dtype });
    this.project = new ConvBnReLU((rates.length + 2) * outChannels, outChannels, 1, { generator: g, dtype });
    this.drop = new Dropout(opts.dropout ?? 0.1, g);
  }

  forward(x: Tensor): Tensor {
    if (x?.rank !== 4) throw new AtrousError('rank_mismatch', `ASPP: expected x [N, C, H, W], got ${x ? fmtShape(x.shape) : String(x)}`);
    const [N, C, H, W] = x.shape;
    if (this.training && N < 2) {
      throw new AtrousError('bad_argument', `ASPP: x ${fmtShape(x.shape)} has batch 1; in training the image-pooling branch's batch norm needs at least 2 samples (call eval() for single images)`);
    }
    const outs = this.branches.map((b) => b.forward(x));
    const pooled = this.pool.forward(globalAvgPool(x).reshape([N, C, 1, 1]));
    outs.push(upsampleBilinear2d(pooled, { size: [H, W] }));
    return this.drop.forward(this.project.forward(concat(outs, 1)));
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, rates=[${this.rates.join(', ')}], dropout=${this.drop.p}`;
  }
}

/** What `SegmentationNet` puts after its front end. */
export type SegmentationHead = 'frontend' | 'context-identity' | 'context-random' | 'aspp';

export const SEGMENTATION_HEADS: readonly SegmentationHead[] = Object.freeze(['frontend', 'context-identity', 'context-random', 'aspp']);

/** Options of `SegmentationNet`. */
export interface SegmentationNetOptions {
  /** Default 'frontend' (the front end and its 1x1 classifier alone). */
  head?: SegmentationHead;
  /** Input channels. Default 1. */
  inChannels?: number;
  /** Width of the stem; every later front-end conv has 2·width channels. Default 16. */
  width?: number;
  /** Stride-2 steps in the front end (1 or 2): the output stride is 2 or 4. Default 2. */
  downsamples?: number;
  /** ASPP output channels. Default 2·width. */
  asppChannels?: number;
  /**
   * ASPP rates. Default [2, 4, 6]: DeepLab's 6, 12, 18 are for 33x33 maps; on the 14x14 map of a
   * 56x56 input, 12 and 18 would leave only the centre tap inside the map.
   */
  asppRates?: readonly number[];
  /** ASPP dropout. Default 0.1. */
  asppDropout?: number;
  generator?: Rng;
}

/**
 * A small per-pixel classifier for experiments with dilated heads, `[N, Cin, H, W]` → class logits
 * `[N, classes, H, W]`. The front end: a 3x3 conv, then per downsampling a stride-2 3x3 conv and a
 * 3x3 conv, each conv with batch norm and ReLU (output stride 2 or 4; receptive field 13 or 21
 * input pixels). Then by `head`:
 * - 'frontend': a 1x1 conv to class scores;
 * - 'context-identity' / 'context-random': those scores go through the basic `ContextModule` of
 *   Yu & Koltun 2016 (C = classes, identity or random init);
 * - 'aspp': `ASPP` on the front end's features, then the 1x1 conv to class scores (DeepLab v3).
 * The scores are upsampled bilinearly to the input size. With one seed the front end starts the
 * same whatever the head, since it is built first from the same generator.
 * @example new SegmentationNet(11, { head: 'context-identity' }).forward(x) // [N, 1, 56, 56] → [N, 11, 56, 56]
 */
export class SegmentationNet extends Module {
  frontend: ConvBnReLU[];
  aspp: ASPP | null = null;
  classifier: Conv2d;
  context: ContextModule | null = null;
  readonly head: SegmentationHead;
  readonly outputStride: number;

  constructor(readonly classes: number, opts: SegmentationNetOptions = {}) {
    super();
    const head = opts.head ?? 'frontend';
    if (!SEGMENTATION_HEADS.includes(head)) {
      throw new AtrousError('bad_argument', `SegmentationNet: head must be one of ${SEGMENTATION_HEADS.map((h) => `'${h}'`).join(', ')}, got ${JSON.stringify(head)}`);
    }
    const downs = opts.downsamples ?? 2;
    if (downs !== 1 && downs !== 2) throw new AtrousError('bad_argument', `SegmentationNet: downsamples must be 1 or 2, got ${String(downs)}`);
    const w = opts.width ?? 16;
    const g = opts.generator;
    this.head = head;
    this.outputStride = 2 ** downs;
    this.frontend = [new ConvBnReLU(opts.inChannels ?? 1, w, 3, { generator: g })];
    for (let i = 0; i < downs; i++) {
      this.frontend.push(new ConvBnReLU(i === 0 ? w : 2 * w, 2 * w, 3, { stride: 2, generator: g }));
      this.frontend.push(new ConvBnReLU(2 * w, 2 * w, 3, { generator: g }));
    }
    let featureChannels = 2 * w;
    if (head === 'aspp') {
      const c = opts.asppChannels ?? 2 * w;
      this.aspp = new ASPP(2 * w, c, { rates: opts.asppRates ?? [2, 4, 6], dropout: opts.asppDropout ?? 0.1, generator: g });
      featureChannels = c;
    }
    this.classifier = new Conv2d(featureChannels, classes, 1, { generator: g });
    if (head === 'context-identity' || head === 'context-random') {
      this.context = new ContextModule(classes, { init: head === 'context-identity' ? 'identity' : 'random', generator: g });
    }
  }

  /**
   * Copies another net's trained front end (weights and batch-norm statistics) into this one, and
   * its 1x1 classifier too when both have one of the same shape (not across an ASPP head, whose
   * classifier reads the ASPP's channels). For the two-stage training of Yu & Koltun 2016: train the
   * front end, then put a context module on top. Returns the copied keys.
   * @example withContext.loadFrontend(trainedFrontend)
   */
  loadFrontend(other: SegmentationNet): string[] {
    if (!(other instanceof SegmentationNet)) throw new AtrousError('bad_argument', 'SegmentationNet.loadFrontend: expected a SegmentationNet');
    const own = this.stateDict();
    const dict: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(other.stateDict())) {
      if (!k.startsWith('frontend.') && !k.startsWith('classifier.')) continue;
      const mine = own[k];
      if (mine === undefined || mine.shape.join() !== t.shape.join()) {
        if (k.startsWith('frontend.')) throw new AtrousError('bad_argument', `SegmentationNet.loadFrontend: '${k}' is ${fmtShape(t.shape)} there but ${mine ? fmtShape(mine.shape) : 'absent'} here (different width or downsamples?)`);
        continue;
      }
      dict[k] = t.dtype === mine.dtype ? t : t.to(mine.dtype);
    }
    this.loadStateDict(dict, { strict: false });
    return Object.keys(dict);
  }

  forward(x: Tensor): Tensor {
    if (x?.rank !== 4) throw new AtrousError('rank_mismatch', `SegmentationNet: expected x [N, C, H, W], got ${x ? fmtShape(x.shape) : String(x)}`);
    let h = x;
    for (const layer of this.frontend) h = layer.forward(h);
    if (this.aspp !== null) h = this.aspp.forward(h);
    h = this.classifier.forward(h);
    if (this.context !== null) h = this.context.forward(h);
    return upsampleBilinear2d(h, { size: [x.shape[2], x.shape[3]] });
  }

  override extraRepr(): string {
    return `classes=${this.classes}, head='${this.head}', output_stride=${this.outputStride}`;
  }
}
