import type { Tensor, TypedData } from '../tensor/tensor.js';
import { checkRange, lerp, Optimizer, type ParamState } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** Decay rates (β1, β2) of the first and second moment averages, each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (g + λp). AdamW: decoupled decay p ← p − lr·λ·p. Default 0 (AdamW 1e-2). */
  weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad). Default false. */
  amsgrad?: boolean;
  /** Decoupled weight decay as AdamW (PyTorch's `decoupled_weight_decay`). Default false (AdamW: true). */
  decoupledWeightDecay?: boolean;
}

type AdamHyper = { beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean; decoupledWeightDecay: boolean };

/**
 * Adam, as `torch.optim.Adam` (single-tensor, non-capturable path), step t counted per parameter:
 *
 *   g ← g + λp (unless decoupled: p ← p·(1 − lr·λ));  m ← lerp(m, g, 1−β1);  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1ᵗ)) · m / (√v̂ / √(1−β2ᵗ) + ε)   with v̂ = v, or max(v̂, v) for AMSGrad
 *
 * @example
 * const opt = new Adam(params, { lr: 1e-3 });
 * for (const batch of data) { opt.zeroGrad(); loss(batch).backward(); opt.step(); }
 */
export class Adam extends Optimizer<AdamHyper> {
  constructor(params: readonly Tensor[], opts: AdamOptions = {}) {
    const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
    super(params, opts.lr ?? 1e-3, {
      beta1,
      beta2,
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      amsgrad: opts.amsgrad ?? false,
      decoupledWeightDecay: opts.decoupledWeightDecay ?? false,
    });
  }

  override get kind(): string {
    return 'Adam';
  }

  protected validateHyper(h: AdamHyper): void {
    checkRange(this.kind, 'betas[0]', h.beta1, 0, 1, true);
    checkRange(this.kind, 'betas[1]', h.beta2, 0, 1, true);
    checkRange(this.kind, 'eps', h.eps, 0);
    checkRange(this.kind, 'weightDecay', h.weightDecay, 0);
  }

  protected bufferNames(h: AdamHyper): string[] {
    return h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected update(p: TypedData, g: TypedData, st: ParamState): void {
    const { beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay } = this.hyper;
    const lr = this.lr;
    const m = st.buffers.exp_avg;
    const v = st.buffers.exp_avg_sq;
    const vmax = st.buffers.max_exp_avg_sq;
    // Scalars computed once, in double, as PyTorch does in Python for the non-capturable path.
    const biasCorrection1 = 1 - beta1 ** st.step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** st.step);
    const negStepSize = -(lr / biasCorrection1);
    const decay = 1 - lr * weightDecay;
    const l2 = decoupledWeightDecay ? 0 : weightDecay;
    for (let j = 0; j < p.length; j++) {
      if (decoupledWeightDecay && weightDecay !== 0) p[j] = p[j] * decay;
      const d = l2 !== 0 ? g[j] + l2 * p[j] : g[j];
      m[j] = lerp(m[j], d, 1 - beta1);
      v[j] = v[j] * beta2 + (1 - beta2) * d * d;
      let second = v[j];
      if (amsgrad) second = vmax[j] = Math.max(vmax[j], v[j]);
      const denom = Math.sqrt(second) / biasCorrection2Sqrt + eps;
      p[j] = p[j] + (negStepSize * m[j]) / denom;
    }
  }
}

/**
 * AdamW: Adam with decoupled weight decay (p ← p·(1 − lr·λ) before the Adam step), as
 * `torch.optim.AdamW`; weightDecay defaults to 1e-2.
 * @example const opt = new AdamW(params, { lr: 3e-4, weightDecay: 0.1 });
 */
export class AdamW extends Adam {
  constructor(params: readonly Tensor[], opts: Omit<AdamOptions, 'decoupledWeightDecay'> = {}) {
    super(params, { weightDecay: 1e-2, ...opts, decoupledWeightDecay: true });
  }

  override get kind(): string {
    return 'AdamW';
  }
}
