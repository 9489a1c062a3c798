import { checkPositive } from '../shape/params.js';
import { linear } from '../ops/linear.js';
import type { Rng } from '../tensor/random.js';
import { type DType, type Tensor, zeros } from '../tensor/tensor.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn a bias. Default true. */
  bias?: boolean;
  /** Draw the initial weights from this generator instead of `globalRng()`. */
  generator?: Rng;
  dtype?: DType;
}

/**
 * A fully connected layer, as `torch.nn.Linear`: `y = x·Wᵀ + b` on the last axis, weight
 * `[out, in]`. PyTorch's init: weight kaiming_uniform with a = √5 (U(±1/√in)), bias U(±1/√in).
 * @example new Linear(64, 10).forward(h) // h [N, 64] → [N, 10]
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkPositive('Linear', 'inFeatures', inFeatures);
    checkPositive('Linear', 'outFeatures', outFeatures);
    this.weight = kaimingUniform_(zeros([outFeatures, inFeatures], opts.dtype), { a: Math.sqrt(5), generator: opts.generator }).requiresGrad_();
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias = opts.bias === false ? null : uniform_(zeros([outFeatures], opts.dtype), -bound, bound, { generator: opts.generator }).requiresGrad_();
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias === null ? 'False' : 'True'}`;
  }
}
