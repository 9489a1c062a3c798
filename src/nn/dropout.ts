import { AtrousError, fmtShape } from '../errors.js';
import { dropout, dropoutChannels } from '../ops/dropout.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

function checkP(op: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new AtrousError('bad_argument', `${op}: p must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/**
 * Inverted dropout, as `torch.nn.Dropout`: active in training mode only. Masks come from
 * `generator`, or `globalRng()` at each call (so `manualSeed` fixes them).
 * @example const drop = new Dropout(0.1); drop.forward(h); drop.eval(); drop.forward(h) === h
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly generator?: Rng) {
    super();
    checkP('Dropout', p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Channel dropout over `nd` spatial axes; an input without the batch axis is treated as one sample. */
abstract class ChannelDropout extends Module {
  constructor(readonly nd: 1 | 2 | 3, readonly p: number, readonly generator: Rng | undefined) {
    super();
    checkP(`Dropout${nd}d`, p);
  }

  forward(x: Tensor): Tensor {
    const op = `Dropout${this.nd}d`;
    const r = x?.rank;
    if (r !== this.nd + 2 && r !== this.nd + 1) {
      throw new AtrousError('rank_mismatch', `${op}: expected x of rank ${this.nd + 2} [N, C, ...] or ${this.nd + 1} [C, ...], got ${x ? fmtShape(x.shape) : String(x)}`);
    }
    const opts = { training: this.training, generator: this.generator };
    if (r === this.nd + 2) return dropoutChannels(x, this.p, opts);
    return dropoutChannels(x.reshape([1, ...x.shape]), this.p, opts).reshape(x.shape);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Spatial dropout for `[N, C, L]` (or `[C, L]`), as `torch.nn.Dropout1d`: zeroes whole channels.
 * The TCN's residual blocks use it after each conv.
 * @example new Dropout1d(0.2).forward(h) // h [N, C, L]
 */
export class Dropout1d extends ChannelDropout {
  constructor(p = 0.5, generator?: Rng) {
    super(1, p, generator);
  }
}

/** Spatial dropout for `[N, C, H, W]` (or `[C, H, W]`), as `torch.nn.Dropout2d`. */
export class Dropout2d extends ChannelDropout {
  constructor(p = 0.5, generator?: Rng) {
    super(2, p, generator);
  }
}

/** Spatial dropout for `[N, C, D, H, W]` (or `[C, D, H, W]`), as `torch.nn.Dropout3d`. */
export class Dropout3d extends ChannelDropout {
  constructor(p = 0.5, generator?: Rng) {
    super(3, p, generator);
  }
}
