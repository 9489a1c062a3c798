/**
 * The one error class atrous throws for bad input.
 *
 * Every kind of mistake has a stable `code` that programs can switch on, and a message
 * that names the op and the shapes involved, e.g.
 * `conv2d: dilated kernel 3x3 (kernel 2x2, dilation 2) is larger than the padded input 2x2`.
 * Messages may be reworded between versions; codes may not.
 */
export type AtrousErrorCode =
  /** A tensor has the wrong number of dimensions for the op. */
  | 'rank_mismatch'
  /** Input channels do not match the weight's channels times groups (or bias length ≠ Cout). */
  | 'channel_mismatch'
  /** Channels are not divisible by `groups`. */
  | 'groups_indivisible'
  /** stride, dilation or groups is zero or negative. */
  | 'non_positive'
  /** A padding amount is negative. */
  | 'negative_padding'
  /** A parameter is fractional, NaN or infinite where an integer is required. */
  | 'not_integer'
  /** A per-axis parameter has the wrong number of entries. */
  | 'wrong_length'
  /** The dilated kernel does not fit in the padded input. */
  | 'kernel_too_large'
  /** Transposed conv: output_padding is not smaller than stride or dilation. */
  | 'output_padding_too_large'
  /** The output would have a zero or negative size, or an input axis is empty. */
  | 'empty_output'
  /** A tensor's data length disagrees with its shape, or dtypes disagree. */
  | 'bad_tensor'
  /** Any other argument that is not one of the accepted values (unknown padding mode, ...). */
  | 'bad_argument'
  /** A file is not what it claims to be (a corrupt or hostile safetensors checkpoint, ...). */
  | 'bad_file';

export class AtrousError extends Error {
  readonly code: AtrousErrorCode;

  constructor(code: AtrousErrorCode, message: string) {
    super(message);
    this.name = 'AtrousError';
    this.code = code;
  }
}

/** Formats a shape the way PyTorch prints one in errors: `[1,16,64,64]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Formats per-axis sizes compactly, as people write kernel sizes: `3x3`, `5`, `3x3x3`. */
export function fmtSizes(sizes: readonly number[]): string {
  return sizes.join('x');
}
