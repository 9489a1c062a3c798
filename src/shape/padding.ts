import { AtrousError } from '../errors.js';
import { effectiveKernelSize } from './conv-size.js';
import { checkNonNegative, expandPerAxis } from './params.js';

/**
 * How a conv pads its input.
 * - `'valid'`: no padding.
 * - `'same'`: TensorFlow's rule, for any stride: output length `ceil(in / s)`, total padding
 *   `max((ceil(in/s) − 1)·s + d·(k−1) + 1 − in, 0)`, the odd extra on the end side. PyTorch
 *   rejects `'same'` with stride > 1; we accept it, as TensorFlow does.
 * - `'causal'`: all `d·(k−1)` on the start side of the time axis, so output t reads inputs ≤ t.
 *   1D by default; for 2D/3D set `causalAxis` and the other axes are padded `'same'`.
 * - a number: that many on both sides of every spatial axis (PyTorch's `padding=2`);
 * - `[p0, p1, ...]`: both sides of each axis (PyTorch's `padding=(1, 2)`);
 * - `[[before, after], ...]`: each side of each axis.
 */
export type Padding =
  | 'valid'
  | 'same'
  | 'causal'
  | number
  | readonly number[]
  | readonly (readonly [number, number])[];

/** Resolved padding: `[before, after]` for each spatial axis. */
export type AxisPads = [before: number, after: number][];

/** TensorFlow's SAME padding of one axis, `[before, after]`, with the odd extra at the end. */
export function samePadding(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effectiveKernelSize(k, dilation) - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Causal padding of the time axis: the whole dilated kernel's reach on the start side. */
export function causalPadding(k: number, dilation: number): [number, number] {
  return [dilation * (k - 1), 0];
}

/** Geometry that padding depends on, one entry per spatial axis. */
export interface PaddingGeometry {
  inSize: readonly number[];
  kernel: readonly number[];
  stride: readonly number[];
  dilation: readonly number[];
  /** Which spatial axis `'causal'` applies to; required for 2D/3D, 0 for 1D. */
  causalAxis?: number;
}

/** Turns any accepted `Padding` into `[before, after]` per spatial axis, validating it. */
export function resolvePadding(op: string, padding: Padding, g: PaddingGeometry): AxisPads {
  const nd = g.inSize.length;
  if (padding === 'valid') return Array.from({ length: nd }, (): [number, number] => [0, 0]);
  if (padding === 'same') {
    return g.inSize.map((n, i) => samePadding(n, g.kernel[i], g.stride[i], g.dilation[i]));
  }
  if (padding === 'causal') return causalPads(op, g);
  if (typeof padding === 'string') {
    throw new AtrousError(
      'bad_argument',
      `${op}: unknown padding '${padding}'; use 'valid', 'same', 'causal', a number, per-axis numbers or [before, after] pairs`,
    );
  }
  if (Array.isArray(padding) && padding.some((p) => Array.isArray(p))) {
    const pairs = expandPerAxis(op, 'padding', padding as unknown as number[], nd) as unknown as unknown[];
    return pairs.map((p) => {
      if (!Array.isArray(p) || p.length !== 2) {
        throw new AtrousError('bad_argument', `${op}: padding pairs must be [before, after], got ${JSON.stringify(p)}`);
      }
      return [checkNonNegative(op, 'padding', p[0]), checkNonNegative(op, 'padding', p[1])];
    });
  }
  return expandPerAxis(op, 'padding', padding as number | readonly number[], nd).map((p) => {
    checkNonNegative(op, 'padding', p);
    return [p, p];
  });
}

function causalPads(op: string, g: PaddingGeometry): AxisPads {
  const nd = g.inSize.length;
  const axis = g.causalAxis ?? (nd === 1 ? 0 : undefined);
  if (axis === undefined) {
    throw new AtrousError(
      'bad_argument',
      `${op}: padding 'causal' is defined for 1D; for ${nd}D say which spatial axis is time with causalAxis (e.g. causalAxis: 0)`,
    );
  }
  if (!Number.isInteger(axis) || axis < 0 || axis >= nd) {
    throw new AtrousError('bad_argument', `${op}: causalAxis must be a spatial axis in 0..${nd - 1}, got ${axis}`);
  }
  return g.inSize.map((n, i) =>
    i === axis ? causalPadding(g.kernel[i], g.dilation[i]) : samePadding(n, g.kernel[i], g.stride[i], g.dilation[i]),
  );
}
