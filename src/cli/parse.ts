import { AtrousError, type Padding } from '../index.js';

/**
 * Parsing of the CLI's option values. Only the syntax is checked here: whether a kernel of 0 or a
 * negative padding is allowed is the library's call, so its errors stay the single source of truth.
 */

const INTEGER = /^[+-]?\d+$/;

function toInteger(part: string, flag: string, whole: string, example: string): number {
  const t = part.trim();
  if (!INTEGER.test(t)) {
    throw new AtrousError('bad_argument', `${flag}: '${whole}' is not ${example}`);
  }
  const v = Number(t);
  if (!Number.isSafeInteger(v)) throw new AtrousError('bad_argument', `${flag}: ${t} is too large`);
  return v;
}

/** One integer, e.g. `--groups 4`. */
export function parseInteger(value: string, flag: string): number {
  return toInteger(value, flag, value, 'an integer');
}

/** Per-axis sizes as people write them: `3x3`, `3×3`, `3,3` or just `3`. */
export function parseSizes(value: string, flag: string): number[] {
  return value.split(/[xX×,]/).map((p) => toInteger(p, flag, value, 'sizes like 3x3, 3,3 or 3'));
}

/** A per-layer list: `1,2,4,8`. */
export function parseList(value: string, flag: string): number[] {
  return value.split(',').map((p) => toInteger(p, flag, value, 'a comma-separated list of integers like 1,2,4,8'));
}

/**
 * A `Padding`: `same`, `valid`, `causal`, `2` (every axis), `1,2` (per axis, both sides) or
 * `1:2,0:3` (per axis, before:after). A bare number among pairs means the same on both sides.
 */
export function parsePadding(value: string, flag = '--padding'): Padding {
  const mode = value.trim().toLowerCase();
  if (mode === 'same' || mode === 'valid' || mode === 'causal') return mode;
  const example = "same, valid, causal, a number (2), per-axis numbers (1,2) or before:after pairs (1:2,0:3)";
  const parts = value.split(',');
  if (!parts.some((p) => p.includes(':'))) {
    const nums = parts.map((p) => toInteger(p, flag, value, example));
    return nums.length === 1 ? nums[0] : nums;
  }
  return parts.map((p): [number, number] => {
    const sides = p.split(':');
    if (sides.length > 2) throw new AtrousError('bad_argument', `${flag}: '${value}' is not ${example}`);
    const [before, after = before] = sides.map((s) => toInteger(s, flag, value, example));
    return [before, after];
  });
}

/** The inverse of `parsePadding`, for echoing a padding back: `same`, `2`, `1,2`, `1:2,0:3`. */
export function formatPadding(p: Padding): string {
  if (typeof p === 'string' || typeof p === 'number') return String(p);
  return p.map((e) => (typeof e === 'number' ? String(e) : `${e[0]}:${e[1]}`)).join(',');
}

/** Checks a count the CLI itself owns (not a conv parameter), such as `--cycles`. */
export function atLeastOne(v: number, flag: string): number {
  if (v < 1) throw new AtrousError('bad_argument', `${flag} must be at least 1, got ${v}`);
  return v;
}
