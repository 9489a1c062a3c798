import { AtrousError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export interface ClipGradNormOptions {
  /** Throw (and leave the gradients alone) when the total norm is NaN or infinite. Default false. */
  errorIfNonfinite?: boolean;
}

function gradsOf(who: string, params: Tensor | readonly Tensor[]): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw new AtrousError('bad_argument', `${who}: expected a Tensor or an array of Tensors`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new AtrousError('bad_argument', `${who}: params[${i}] is not a Tensor`);
    if (p.grad !== null) grads.push(p.grad);
  });
  return grads;
}

/** The p-norm of a list of values (∞: the largest absolute value), accumulated in double. */
function pNorm(values: ArrayLike<number>, p: number): number {
  let acc = 0;
  if (p === Infinity) {
    for (let i = 0; i < values.length; i++) acc = Math.max(acc, Math.abs(values[i]));
    return acc;
  }
  if (p === 2) {
    for (let i = 0; i < values.length; i++) acc += values[i] * values[i];
    return Math.sqrt(acc);
  }
  if (p === 1) {
    for (let i = 0; i < values.length; i++) acc += Math.abs(values[i]);
    return acc;
  }
  for (let i = 0; i < values.length; i++) acc += Math.abs(values[i]) ** p;
  return acc ** (1 / p);
}

/**
 * Rescales the gradients of `params` in place so their total `normType`-norm is at most `maxNorm`,
 * and returns that total norm from before clipping, as `torch.nn.utils.clip_grad_norm_`: the total
 * is the norm of the per-tensor norms, and every gradient is multiplied by
 * min(1, maxNorm / (total + 1e-6)). Parameters without a gradient are ignored; with none, returns 0.
 * @example loss.backward(); const norm = clipGradNorm_(model.parameters(), 1.0); opt.step();
 */
export function clipGradNorm_(params: Tensor | readonly Tensor[], maxNorm: number, normType = 2, opts: ClipGradNormOptions = {}): number {
  const who = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new AtrousError('bad_argument', `${who}: maxNorm ${String(maxNorm)} must be a number >= 0`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new AtrousError('bad_argument', `${who}: normType ${String(normType)} must be a positive number or Infinity`);
  }
  const grads = gradsOf(who, params);
  if (grads.length === 0) return 0;
  const total = pNorm(grads.map((g) => pNorm(g.data, normType)), normType);
  if (opts.errorIfNonfinite && !Number.isFinite(total)) {
    throw new AtrousError('bad_argument', `${who}: the total ${normType}-norm of the gradients is ${total}; gradients left unchanged`);
  }
  // PyTorch multiplies even when the clamped coefficient is 1, so a NaN norm spreads NaN as it does there.
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const g of grads) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i] * coef;
  }
  return total;
}

/**
 * Clamps every gradient value of `params` to [−clipValue, clipValue] in place, as
 * `torch.nn.utils.clip_grad_value_`. Parameters without a gradient are ignored.
 * @example loss.backward(); clipGradValue_(params, 0.5); opt.step();
 */
export function clipGradValue_(params: Tensor | readonly Tensor[], clipValue: number): void {
  const who = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new AtrousError('bad_argument', `${who}: clipValue ${String(clipValue)} must be a number >= 0`);
  }
  for (const g of gradsOf(who, params)) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.min(Math.max(d[i], -clipValue), clipValue);
  }
}
