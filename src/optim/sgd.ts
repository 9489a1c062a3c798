import { AtrousError } from '../errors.js';
import type { Tensor, TypedData } from '../tensor/tensor.js';
import { checkRange, Optimizer, type ParamState } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate. Default 1e-3 (as PyTorch 2). */
  lr?: number;
  /** Momentum factor μ. Default 0 (plain SGD, no state). */
  momentum?: number;
  /** Dampening τ of the gradient added to the momentum buffer. Default 0. */
  dampening?: number;
  /** L2 penalty λ added to the gradient (g + λp). Default 0. */
  weightDecay?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0. Default false. */
  nesterov?: boolean;
}

type SGDHyper = { momentum: number; dampening: number; weightDecay: number; nesterov: boolean };

/**
 * Stochastic gradient descent with optional momentum, as `torch.optim.SGD` (single-tensor path), in
 * PyTorch's order:
 *
 *   g ← g + λp;  b ← g on the first step, else μb + (1−τ)g;  d ← g + μb (Nesterov) or b;  p ← p − lr·d
 *
 * @example
 * const opt = new SGD([w, b], { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss().backward(); opt.step();
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: readonly Tensor[], opts: SGDOptions = {}) {
    super(params, opts.lr ?? 1e-3, {
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      nesterov: opts.nesterov ?? false,
    });
  }

  override get kind(): string {
    return 'SGD';
  }

  protected validateHyper(h: SGDHyper): void {
    checkRange(this.kind, 'momentum', h.momentum, 0);
    checkRange(this.kind, 'dampening', h.dampening, -Infinity);
    checkRange(this.kind, 'weightDecay', h.weightDecay, 0);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new AtrousError('bad_argument', `${this.kind}: Nesterov momentum requires momentum > 0 and dampening 0 (got momentum ${h.momentum}, dampening ${h.dampening})`);
    }
  }

  protected bufferNames(h: SGDHyper): string[] {
    return h.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(p: TypedData, g: TypedData, st: ParamState): void {
    const { momentum, dampening, weightDecay, nesterov } = this.hyper;
    const lr = this.lr;
    const buf = st.buffers.momentum_buffer;
    // PyTorch creates the buffer as a copy of the first (decayed) gradient, then decays it from step 2 on.
    const first = st.step === 1;
    for (let j = 0; j < p.length; j++) {
      let d = g[j];
      if (weightDecay !== 0) d = d + weightDecay * p[j];
      if (momentum !== 0) {
        buf[j] = first ? d : buf[j] * momentum + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[j] : buf[j];
      }
      p[j] = p[j] - lr * d;
    }
  }
}
