import { flatten } from '../ops/shape-ops.js';
import { type GeluOptions, gelu, leakyRelu, relu, sigmoid, softplus, tanh } from '../ops/unary.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** `max(0, x)`, as `torch.nn.ReLU`. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** `x` for x ≥ 0, `slope·x` otherwise, as `torch.nn.LeakyReLU` (default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.slope}`;
  }
}

/** Gaussian error linear unit, as `torch.nn.GELU` (exact erf form unless `approximate: 'tanh'`). */
export class GELU extends Module {
  constructor(readonly opts: GeluOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return gelu(x, this.opts);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `log(1 + exp(βx)) / β`, linear above `threshold`, as `torch.nn.Softplus`. */
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
}

/** Passes its input through (a placeholder where a block has no skip projection, say). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens axes startDim..endDim into one, as `torch.nn.Flatten` (default: all but the batch axis). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}
