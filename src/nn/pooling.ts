import { adaptiveAvgPool2d, globalAvgPool, globalMaxPool } from '../ops/adaptive-pool.js';
import { type AvgPoolOptions, avgPool1d, avgPool2d, type MaxPoolOptions, maxPool1d, maxPool2d } from '../ops/pooling.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** `torch.nn.MaxPool1d`. */
export class MaxPool1d extends Module {
  constructor(readonly opts: MaxPoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.opts);
  }
}

/** `torch.nn.MaxPool2d`, with dilation, padding and ceil mode. */
export class MaxPool2d extends Module {
  constructor(readonly opts: MaxPoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.opts);
  }
}

/** `torch.nn.AvgPool1d`. */
export class AvgPool1d extends Module {
  constructor(readonly opts: AvgPoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.opts);
  }
}

/** `torch.nn.AvgPool2d`. */
export class AvgPool2d extends Module {
  constructor(readonly opts: AvgPoolOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.opts);
  }
}

/** `torch.nn.AdaptiveAvgPool2d`. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outSize: number | readonly (number | null)[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outSize);
  }
}

/** Mean over every spatial axis: `[N, C, ...]` → `[N, C]`. */
export class GlobalAvgPool extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool(x);
  }
}

/** Max over every spatial axis: `[N, C, ...]` → `[N, C]`. */
export class GlobalMaxPool extends Module {
  forward(x: Tensor): Tensor {
    return globalMaxPool(x);
  }
}
