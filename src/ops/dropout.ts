import { record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { globalRng, type Rng } from '../tensor/random.js';
import { Tensor, zeros } from '../tensor/tensor.js';

/** Options of `dropout` and `dropoutChannels`. */
export interface DropoutOptions {
  /** Drop only while training; otherwise the op is the identity. Default true (as `F.dropout`). */
  training?: boolean;
  /** Where the mask comes from. Default `globalRng()`, so `manualSeed` fixes the masks. */
  generator?: Rng;
}

function check(op: string, x: unknown, p: unknown, minRank: number): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: x must be a Tensor`);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new AtrousError('bad_argument', `${op}: p must be a probability in [0, 1], got ${String(p)}`);
  }
  if (x.rank < minRank) {
    throw new AtrousError('rank_mismatch', `${op}: expected x [N, C, ...] of rank ≥ ${minRank}, got ${fmtShape(x.shape)}`);
  }
}

/**
 * Zeroes blocks of `block` consecutive values, each with probability p, and scales the kept ones
 * by 1/(1 − p) (inverted dropout: the expectation is unchanged, so eval needs no rescaling).
 * One draw per block, in order, so a seeded generator gives the same mask everywhere.
 */
function drop(op: string, x: Tensor, p: number, block: number, rng: Rng): Tensor {
  const blocks = block === 0 ? 0 : x.size / block;
  const keep = new Uint8Array(blocks);
  for (let b = 0; b < blocks; b++) keep[b] = rng.next() >= p ? 1 : 0;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const apply = (src: Tensor): Tensor => {
    const out = zeros(src.shape, src.dtype);
    for (let b = 0; b < blocks; b++) {
      if (keep[b] === 0) continue;
      for (let i = b * block, end = i + block; i < end; i++) out.data[i] = src.data[i] * scale;
    }
    return out;
  };
  // The backward applies the same mask and scale to the incoming gradient.
  return record(op, apply(x), [x], (g) => [apply(g)]);
}

/**
 * Inverted dropout, as `torch.nn.functional.dropout`: while training, each value is zeroed with
 * probability p and the rest are scaled by 1/(1 − p); otherwise x is returned as is.
 * Differentiable (the gradient goes through the same mask).
 * @example manualSeed(0); const h = dropout(x, 0.1) // same mask after every manualSeed(0)
 */
export function dropout(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  check('dropout', x, p, 0);
  if (opts.training === false || p === 0) return x;
  return drop('dropout', x, p, 1, opts.generator ?? globalRng());
}

/**
 * Spatial (channel) dropout, as `torch.nn.functional.dropout1d/2d/3d`: x is `[N, C, ...]` and each
 * whole channel of each sample is zeroed with probability p (kept ones scaled by 1/(1 − p)).
 * Neighbouring positions of a conv feature map are strongly correlated, so dropping single values
 * barely regularises; the TCN paper (Bai et al. 2018) uses this form. Differentiable.
 * @example dropoutChannels(h, 0.2) // h [N, C, L]: some (n, c) rows become all zeros
 */
export function dropoutChannels(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  check('dropoutChannels', x, p, 2);
  if (opts.training === false || p === 0) return x;
  return drop('dropoutChannels', x, p, x.shape.slice(2).reduce((a, b) => a * b, 1), opts.generator ?? globalRng());
}
