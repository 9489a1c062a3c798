import { AtrousError } from '../errors.js';

/** A value given once for every spatial axis, or once per axis. */
export type PerAxis = number | readonly number[];

/**
 * Checks that `v` is a finite integer, so a kernel never sees a fractional or NaN index.
 * `what` names the parameter in the message, e.g. `conv2d: stride must be an integer, got 1.5`.
 */
export function checkInteger(op: string, what: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v)) {
    throw new AtrousError('not_integer', `${op}: ${what} must be a finite integer, got ${String(v)}`);
  }
  return v;
}

/** A positive integer (stride, dilation, groups, kernel size). */
export function checkPositive(op: string, what: string, v: number): number {
  checkInteger(op, what, v);
  if (v < 1) throw new AtrousError('non_positive', `${op}: ${what} must be positive, got ${v}`);
  return v;
}

/** A non-negative integer (padding, output_padding). */
export function checkNonNegative(op: string, what: string, v: number): number {
  checkInteger(op, what, v);
  if (v < 0) throw new AtrousError('negative_padding', `${op}: ${what} must be non-negative, got ${v}`);
  return v;
}

/**
 * Expands a per-axis parameter to exactly `nd` values: a number applies to every axis, a
 * one-element array too (PyTorch accepts `(2,)` for 1D), anything else must have `nd` entries.
 */
export function expandPerAxis(op: string, what: string, v: PerAxis, nd: number): number[] {
  if (!Array.isArray(v) && typeof v !== 'number') {
    throw new AtrousError('bad_argument', `${op}: ${what} must be a number or an array of ${nd} numbers`);
  }
  const arr = typeof v === 'number' ? new Array<number>(nd).fill(v) : Array.from(v);
  if (arr.length === 1 && nd > 1) return new Array<number>(nd).fill(arr[0]);
  if (arr.length !== nd) {
    throw new AtrousError(
      'wrong_length',
      `${op}: ${what} has ${arr.length} values [${arr.join(',')}] but the op has ${nd} spatial axes`,
    );
  }
  return arr;
}

/** `expandPerAxis` + every value a positive integer. */
export function positivePerAxis(op: string, what: string, v: PerAxis, nd: number): number[] {
  return expandPerAxis(op, what, v, nd).map((x) => checkPositive(op, what, x));
}

/** `expandPerAxis` + every value a non-negative integer. */
export function nonNegativePerAxis(op: string, what: string, v: PerAxis, nd: number): number[] {
  return expandPerAxis(op, what, v, nd).map((x) => checkNonNegative(op, what, x));
}
