import { convOutSize, convTransposeOutSize } from '../index.js';
import { num } from './format.js';

/**
 * The output-size formulas written out with one axis's numbers substituted, so a reader can
 * redo the arithmetic. The results come from the library's own convOutSize/convTransposeOutSize.
 */

export const CONV_FORMULA = 'floor((in + pad_before + pad_after − d·(k−1) − 1) / s) + 1';
export const CONV_TRANSPOSE_FORMULA = '(in−1)·s − pad_before − pad_after + d·(k−1) + output_padding + 1';

/** Spatial axis names in PyTorch's layout order: L; H, W; D, H, W. */
export function axisNames(nd: number): string[] {
  return nd === 1 ? ['L'] : ['D', 'H', 'W'].slice(3 - nd);
}

/** One axis of a conv: the geometry `convOutSize` takes. */
export interface AxisGeometry {
  inSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  padBefore: number;
  padAfter: number;
}

/** `floor((64 + 4 + 4 − 4·(3−1) − 1) / 1) + 1 = floor(63 / 1) + 1 = 64` */
export function convFormula(g: AxisGeometry): string {
  const { inSize, kernel: k, stride: s, dilation: d, padBefore: pb, padAfter: pa } = g;
  const top = inSize + pb + pa - d * (k - 1) - 1;
  const out = convOutSize(inSize, k, s, d, pb, pa);
  return `floor((${inSize} + ${pb} + ${pa} − ${d}·(${k}−1) − 1) / ${s}) + 1 = floor(${num(top)} / ${s}) + 1 = ${num(out)}`;
}

/** `(32−1)·2 − 1 − 1 + 1·(3−1) + 1 + 1 = 64` */
export function convTransposeFormula(g: AxisGeometry & { outputPadding: number }): string {
  const { inSize, kernel: k, stride: s, dilation: d, padBefore: pb, padAfter: pa, outputPadding: op } = g;
  const out = convTransposeOutSize(inSize, k, s, d, pb, pa, op);
  return `(${inSize}−1)·${s} − ${pb} − ${pa} + ${d}·(${k}−1) + ${op} + 1 = ${num(out)}`;
}
