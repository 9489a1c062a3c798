import { AtrousError } from '../errors.js';
import { griddingCheck, type GriddingReport } from '../shape/receptive-field.js';

/** A dilation schedule and what it achieves. */
export interface DilationSchedule {
  dilations: number[];
  receptiveField: number;
  /** The exact gridding verdict of the schedule (never grids: see `dilationSchedule`). */
  gridding: GriddingReport;
}

/**
 * The shortest stack of stride-1 convs with kernel `kernel` whose receptive field reaches
 * `targetRf` without gridding. A layer at dilation d leaves no holes exactly when d is at most the
 * receptive field below it (its taps are d apart and every gap is filled by the field below), so
 * the schedule grows as fast as that allows — d = 1, k, k², ... (the field multiplies by k per
 * layer) — and the last layer takes just the dilation that reaches the target. The verdict is
 * checked with the exact coverage (`griddingCheck`).
 * @example dilationSchedule(3, 67).dilations // [1, 3, 9, 20]: receptive field 67, no holes
 */
export function dilationSchedule(kernel: number, targetRf: number, opts: { maxLayers?: number } = {}): DilationSchedule {
  if (!Number.isInteger(kernel) || kernel < 2) throw new AtrousError('bad_argument', `dilationSchedule: kernel must be an integer ≥ 2, got ${kernel}`);
  if (!Number.isInteger(targetRf) || targetRf < kernel || targetRf > 1e7) {
    throw new AtrousError('bad_argument', `dilationSchedule: targetRf must be an integer in ${kernel}..1e7 (at least one layer's kernel), got ${targetRf}`);
  }
  const maxLayers = opts.maxLayers ?? 64;
  const dilations: number[] = [];
  let rf = 1;
  while (rf < targetRf) {
    if (dilations.length === maxLayers) {
      throw new AtrousError('bad_argument', `dilationSchedule: kernel ${kernel} needs more than ${maxLayers} layers to reach ${targetRf} without gridding`);
    }
    const need = Math.ceil((targetRf - rf) / (kernel - 1));
    const d = Math.min(rf, need);
    dilations.push(d);
    rf += (kernel - 1) * d;
  }
  const gridding = griddingCheck(kernel, dilations);
  if (gridding.grids) throw new Error(`dilationSchedule: internal error, [${dilations.join(', ')}] grids`);
  return { dilations, receptiveField: rf, gridding };
}
