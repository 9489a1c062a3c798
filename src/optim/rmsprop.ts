import type { Tensor, TypedData } from '../tensor/tensor.js';
import { checkRange, lerp, Optimizer, type ParamState } from './optimizer.js';

export interface RMSpropOptions {
  /** Learning rate. Default 1e-2. */
  lr?: number;
  /** Smoothing constant α of the squared-gradient average. Default 0.99. */
  alpha?: number;
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient (g + λp). Default 0. */
  weightDecay?: number;
  /** Momentum factor μ. Default 0. */
  momentum?: number;
  /** Normalise by the estimated variance (subtract the squared mean gradient). Default false. */
  centered?: boolean;
}

type RMSpropHyper = { alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean };

/**
 * RMSprop, as `torch.optim.RMSprop` (single-tensor path):
 *
 *   g ← g + λp;  s ← α·s + (1−α)·g²;  centered: ḡ ← lerp(ḡ, g, 1−α), a = √(s − ḡ²) + ε, else a = √s + ε
 *   momentum: b ← μb + g/a, p ← p − lr·b;  otherwise p ← p − lr·g/a
 *
 * @example const opt = new RMSprop(params, { lr: 1e-3, momentum: 0.9, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: readonly Tensor[], opts: RMSpropOptions = {}) {
    super(params, opts.lr ?? 1e-2, {
      alpha: opts.alpha ?? 0.99,
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      momentum: opts.momentum ?? 0,
      centered: opts.centered ?? false,
    });
  }

  override get kind(): string {
    return 'RMSprop';
  }

  protected validateHyper(h: RMSpropHyper): void {
    checkRange(this.kind, 'alpha', h.alpha, 0);
    checkRange(this.kind, 'eps', h.eps, 0);
    checkRange(this.kind, 'weightDecay', h.weightDecay, 0);
    checkRange(this.kind, 'momentum', h.momentum, 0);
  }

  protected bufferNames(h: RMSpropHyper): string[] {
    const names = ['square_avg'];
    if (h.momentum > 0) names.push('momentum_buffer');
    if (h.centered) names.push('grad_avg');
    return names;
  }

  protected update(p: TypedData, g: TypedData, st: ParamState): void {
    const { alpha, eps, weightDecay, momentum, centered } = this.hyper;
    const lr = this.lr;
    const sq = st.buffers.square_avg;
    const buf = st.buffers.momentum_buffer;
    const gAvg = st.buffers.grad_avg;
    for (let j = 0; j < p.length; j++) {
      const d = weightDecay !== 0 ? g[j] + weightDecay * p[j] : g[j];
      sq[j] = sq[j] * alpha + (1 - alpha) * d * d;
      let avg: number;
      if (centered) {
        gAvg[j] = lerp(gAvg[j], d, 1 - alpha);
        avg = Math.sqrt(sq[j] + -1 * gAvg[j] * gAvg[j]);
      } else {
        avg = Math.sqrt(sq[j]);
      }
      avg = avg + eps;
      if (momentum > 0) {
        buf[j] = buf[j] * momentum + d / avg;
        p[j] = p[j] + -lr * buf[j];
      } else {
        p[j] = p[j] + (-lr * d) / avg;
      }
    }
  }
}
