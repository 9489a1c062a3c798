/**
 * Output sizes of one axis of a (transposed) dilated convolution. Pure arithmetic, no checks:
 * callers validate first (see plan-conv.ts). The seed text's formula forgot the dilation; the
 * dilation enters only through the effective kernel size d·(k−1)+1.
 */

/** The span of a kernel of `k` taps spaced `d` apart: `d·(k−1) + 1`. A 2-tap kernel at d=2 spans 3. */
export function effectiveKernelSize(k: number, d: number): number {
  return d * (k - 1) + 1;
}

/**
 * Conv output length: `floor((in + padBefore + padAfter − d·(k−1) − 1) / s) + 1`.
 * Can be ≤ 0 when the dilated kernel does not fit; plan-conv.ts turns that into an error.
 */
export function convOutSize(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  padBefore: number,
  padAfter: number,
): number {
  return Math.floor((inSize + padBefore + padAfter - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * Transposed conv output length (PyTorch's ConvTranspose): `(in−1)·s − padBefore − padAfter +
 * d·(k−1) + outputPadding + 1`. `outputPadding` picks among the input sizes that a strided conv
 * maps to the same output size; it is added at the end side.
 */
export function convTransposeOutSize(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  padBefore: number,
  padAfter: number,
  outputPadding: number,
): number {
  return (inSize - 1) * stride - padBefore - padAfter + dilation * (k - 1) + outputPadding + 1;
}
