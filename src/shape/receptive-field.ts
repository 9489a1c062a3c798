import { AtrousError } from '../errors.js';
import { effectiveKernelSize } from './conv-size.js';
import { checkNonNegative, checkPositive } from './params.js';

/** One conv layer along one axis, as the receptive-field arithmetic sees it. */
export interface RfLayer {
  kernel: number;
  stride?: number;
  dilation?: number;
  /** Padding on the start side; only shifts `start`. Default 0. */
  padBefore?: number;
}

/** Largest receptive field whose exact coverage is computed (one number per input offset). */
export const MAX_COVERAGE = 10_000_000;

/** The receptive field after a layer, in input samples. */
export interface RfRow {
  /** 1-based layer index. */
  layer: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** d·(k−1)+1: the span of this layer's kernel in its own input. */
  effectiveKernel: number;
  /** Input samples spanned by one output of this layer: r ← r + (e−1)·j. */
  receptiveField: number;
  /** Input samples between neighbouring outputs of this layer: j ← j·s. */
  jump: number;
  /** Input coordinate of the first sample output 0 reads (negative: it lies in the padding). */
  start: number;
}

function checkLayers(layers: readonly RfLayer[]): Required<RfLayer>[] {
  if (layers.length === 0) throw new AtrousError('bad_argument', 'receptiveField: give at least one layer');
  return layers.map((l, i) => ({
    kernel: checkPositive('receptiveField', `layer ${i + 1} kernel`, l.kernel),
    stride: checkPositive('receptiveField', `layer ${i + 1} stride`, l.stride ?? 1),
    dilation: checkPositive('receptiveField', `layer ${i + 1} dilation`, l.dilation ?? 1),
    padBefore: checkNonNegative('receptiveField', `layer ${i + 1} padBefore`, l.padBefore ?? 0),
  }));
}

/**
 * Receptive field, jump and start offset after each layer of a stack (input side first).
 * @example receptiveField([3, 3, 3].map((k, i) => ({ kernel: k, dilation: 2 ** i }))).at(-1)!.receptiveField // 15
 */
export function receptiveField(layers: readonly RfLayer[]): RfRow[] {
  let rf = 1;
  let jump = 1;
  let start = 0;
  return checkLayers(layers).map((l, i) => {
    const e = effectiveKernelSize(l.kernel, l.dilation);
    rf += (e - 1) * jump;
    start -= l.padBefore * jump;
    jump *= l.stride;
    return { layer: i + 1, kernel: l.kernel, stride: l.stride, dilation: l.dilation, effectiveKernel: e, receptiveField: rf, jump, start };
  });
}

/**
 * How many distinct paths connect one output of the stack to each input offset of its receptive
 * field (offset 0 = `start`). A zero is an input the output never reads: a gridding hole.
 * Exact: the offsets are the sums Σ t_l·d_l·J_l (tap t_l, jump J_l before layer l), counted by
 * multiplying the layers' tap polynomials.
 */
export function receptiveFieldCoverage(layers: readonly RfLayer[]): number[] {
  const rf = receptiveField(layers).at(-1)!.receptiveField;
  if (rf > MAX_COVERAGE) {
    throw new AtrousError('bad_argument', `receptiveFieldCoverage: the receptive field spans ${rf} inputs; exact coverage is limited to ${MAX_COVERAGE}`);
  }
  let counts = [1];
  let jump = 1;
  for (const l of checkLayers(layers)) {
    const step = l.dilation * jump;
    const next = new Array<number>(counts.length + step * (l.kernel - 1)).fill(0);
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      for (let t = 0; t < l.kernel; t++) next[i + t * step] += counts[i];
    }
    counts = next;
    jump *= l.stride;
  }
  return counts;
}

/** The verdict on a dilation schedule: does one output read every input in its receptive field? */
export interface GriddingReport {
  receptiveField: number;
  /** Offsets (from the receptive field's start) that no path reaches. */
  holes: number[];
  /** True when there is at least one hole. */
  grids: boolean;
  /** Hybrid Dilated Convolution rule (Wang et al. 2018), as an explanation of the verdict. */
  hdc: HdcReport;
}

export interface HdcReport {
  /** M_i for i = 2..n: the largest gap between non-zero taps the stack from layer i up leaves, per the paper. */
  maxDistances: number[];
  /** HDC's design goal M_2 ≤ K and no common factor; `null` where HDC does not apply (one layer, even K, or a first dilation ≠ 1). */
  satisfied: boolean | null;
  /** Greatest common divisor of the dilations; > 1 always grids (every offset read is a multiple). */
  commonFactor: number;
  explanation: string;
}

/**
 * Exact gridding check of a stride-1 stack with one kernel size and the given dilations, plus
 * the HDC rule as the explanation. K=3 with [1,2,5] covers fully; [2,4,8] grids.
 */
export function griddingCheck(kernel: number, dilations: readonly number[]): GriddingReport {
  const layers = dilations.map((d) => ({ kernel, dilation: d }));
  const counts = receptiveFieldCoverage(layers);
  const holes = counts.flatMap((c, i) => (c === 0 ? [i] : []));
  const grids = holes.length > 0;
  return { receptiveField: counts.length, holes, grids, hdc: hdcRule(kernel, dilations, grids) };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** M_n = r_n; M_i = max(M_{i+1} − 2r_i, M_{i+1} − 2(M_{i+1} − r_i), r_i); goal M_2 ≤ K. */
function hdcRule(kernel: number, r: readonly number[], grids: boolean): HdcReport {
  const commonFactor = r.reduce(gcd);
  const n = r.length;
  const M = new Array<number>(n).fill(0);
  M[n - 1] = r[n - 1];
  for (let i = n - 2; i >= 1; i--) M[i] = Math.max(M[i + 1] - 2 * r[i], M[i + 1] - 2 * (M[i + 1] - r[i]), r[i]);
  const maxDistances = M.slice(1);
  const verdict = grids ? 'The exact coverage finds holes' : 'The exact coverage reads every input';
  if (commonFactor > 1) {
    return {
      maxDistances, satisfied: false, commonFactor,
      explanation: `${verdict}: the dilations share the factor ${commonFactor}, so every input read is a multiple of ${commonFactor} apart (HDC, Wang et al. 2018, forbids a common factor).`,
    };
  }
  // HDC is stated for odd kernels that are dense in their first layer; elsewhere it neither
  // guarantees nor forbids coverage, so report it without using it as the reason.
  if (n < 2 || kernel % 2 === 0 || r[0] !== 1) {
    const why = n < 2 ? 'it needs at least two layers' : kernel % 2 === 0 ? `it is stated for odd kernels, not K = ${kernel}` : `it assumes the first layer has dilation 1, not ${r[0]}`;
    return { maxDistances, satisfied: null, commonFactor, explanation: `${verdict}. HDC (Wang et al. 2018) does not apply: ${why}.` };
  }
  const satisfied = M[1] <= kernel;
  const explanation = satisfied
    ? `${verdict}, as HDC (Wang et al. 2018) guarantees: M_2 = ${M[1]} ≤ K = ${kernel}, so the first layer's ${kernel} taps fill every gap the layers above leave.`
    : `${verdict}. HDC (Wang et al. 2018) is not met: M_2 = ${M[1]} > K = ${kernel}, so the layers above may leave gaps wider than the first layer's kernel${grids ? ', and here they do' : '; here the gaps still happen to be filled'}.`;
  return { maxDistances, satisfied, commonFactor, explanation };
}
