import { AtrousError } from '../errors.js';
import { Conv2d } from '../nn/conv.js';
import { identityInit_, zeros_ } from '../nn/init.js';
import { Module } from '../nn/module.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** The dilations of the context module's seven 3x3 layers (Yu & Koltun 2016, Table 1). */
export const CONTEXT_DILATIONS = [1, 1, 2, 4, 8, 16, 1] as const;

/** Options of `ContextModule`. */
export interface ContextModuleOptions {
  /** 'basic': C channels throughout; 'large': 2C, 2C, 4C, 8C, 16C, 32C, 32C, then C. Default 'basic'. */
  variant?: 'basic' | 'large';
  /**
   * 'identity' (the paper's: every layer starts as the identity map, so the untrained module passes
   * the front end's output through) or 'random' (PyTorch's default conv init). Default 'identity'.
   */
  init?: 'identity' | 'random';
  /** Std of the noise the identity init adds off the identity (the Large variant needs some). Default 0. */
  noiseStd?: number;
  generator?: Rng;
}

/**
 * The multi-scale context aggregation module of Yu & Koltun 2016 ("Multi-scale context aggregation
 * by dilated convolutions", ICLR): seven 3x3 convs with dilations 1, 1, 2, 4, 8, 16, 1 (padding =
 * dilation, so the size is kept), each followed by ReLU, then a 1x1 conv. `[N, C, H, W]` →
 * `[N, C, H, W]` with a 67x67 receptive field. With identity init it starts as the identity map.
 * @example new ContextModule(21) // the basic module for 21 classes
 */
export class ContextModule extends Module {
  layers: Conv2d[];

  constructor(readonly channels: number, opts: ContextModuleOptions = {}) {
    super();
    const variant = opts.variant ?? 'basic';
    if (variant !== 'basic' && variant !== 'large') throw new AtrousError('bad_argument', `ContextModule: variant must be 'basic' or 'large', got '${variant}'`);
    const C = channels;
    const widths = variant === 'basic' ? [C, C, C, C, C, C, C] : [2 * C, 2 * C, 4 * C, 8 * C, 16 * C, 32 * C, 32 * C];
    const g = opts.generator;
    // Each 3x3 layer's ReLU is fused into its conv (the same values, less memory traffic).
    this.layers = CONTEXT_DILATIONS.map((d, i) =>
      new Conv2d(i === 0 ? C : widths[i - 1], widths[i], 3, { dilation: d, padding: d, activation: 'relu', generator: g }));
    this.layers.push(new Conv2d(widths[6], C, 1, { generator: g }));
    if ((opts.init ?? 'identity') === 'identity') {
      for (const conv of this.layers) {
        identityInit_(conv.weight!, { classes: C, noiseStd: opts.noiseStd ?? 0, generator: g });
        zeros_(conv.bias!);
      }
    }
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const conv of this.layers) h = conv.forward(h);
    return h;
  }
}
