import { AtrousError, fmtShape } from '../errors.js';
import type { Padding } from '../shape/padding.js';
import { permute } from '../tensor/permute.js';
import type { Tensor } from '../tensor/tensor.js';
import { conv2dAs } from './conv.js';

const OP = 'tf.nn.conv2d';

/** TensorFlow's padding argument: a mode, or explicit `[before, after]` for all four axes in data-format order. */
export type TfPadding = 'SAME' | 'VALID' | 'same' | 'valid' | readonly (readonly [number, number])[];
export type TfDataFormat = 'NHWC' | 'NCHW';

/**
 * 2D convolution with TensorFlow's conventions, mirroring `tf.nn.conv2d(input, filters, strides,
 * padding, data_format, dilations)`: input `[N, H, W, C]` (NHWC, default) or `[N, C, H, W]`, filter
 * `[kH, kW, Cin/groups, Cout]` (HWIO). `strides` and `dilations` are a number, `[h, w]`, or the
 * 4-element form with 1 on the batch and channel axes. Groups are inferred from the channels, as
 * in TensorFlow.
 *
 * Unlike TensorFlow, stride > 1 together with dilation > 1 is allowed; 'SAME' is TensorFlow's
 * rule (odd extra padding at the end).
 *
 * @example tfConv2d(x, filter, 2, 'VALID', 'NHWC', 2) // x [1,5,5,1], filter [2,2,1,1] → [1,2,2,1]
 */
export function tfConv2d(
  input: Tensor,
  filter: Tensor,
  strides: number | readonly number[] = 1,
  padding: TfPadding = 'VALID',
  dataFormat: TfDataFormat = 'NHWC',
  dilations: number | readonly number[] = 1,
): Tensor {
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    throw new AtrousError('bad_argument', `${OP}: data format must be 'NHWC' or 'NCHW', got '${String(dataFormat)}'`);
  }
  const nhwc = dataFormat === 'NHWC';
  if (input?.rank !== 4) {
    throw new AtrousError('rank_mismatch', `${OP}: expected input of rank 4 ${nhwc ? '[N, H, W, C]' : '[N, C, H, W]'}, got ${input?.shape ? fmtShape(input.shape) : String(input)}`);
  }
  if (filter?.rank !== 4) {
    throw new AtrousError('rank_mismatch', `${OP}: expected filter of rank 4 [kH, kW, Cin, Cout], got ${filter?.shape ? fmtShape(filter.shape) : String(filter)}`);
  }
  const channels = nhwc ? input.shape[3] : input.shape[1];
  const fIn = filter.shape[2];
  if (fIn < 1 || channels % fIn !== 0) {
    throw new AtrousError(
      'channel_mismatch',
      `${OP}: input ${fmtShape(input.shape)} (${dataFormat}) has ${channels} channels; filter ${fmtShape(filter.shape)} takes ${fIn} per group, which does not divide it`,
    );
  }
  const groups = channels / fIn;
  const x = nhwc ? permute(input, [0, 3, 1, 2]) : input;
  const w = permute(filter, [3, 2, 0, 1]); // HWIO → OIHW
  const y = conv2dAs(OP, x, w, {
    stride: spatial('strides', strides, nhwc),
    dilation: spatial('dilations', dilations, nhwc),
    padding: tfPadding(padding, nhwc),
    groups, // conv2d checks that Cout divides by it
  });
  return nhwc ? permute(y, [0, 2, 3, 1]) : y;
}

/** Takes the H and W entries of a TF-style strides/dilations argument, checking the others are 1. */
function spatial(what: string, v: number | readonly number[], nhwc: boolean): number[] {
  if (typeof v === 'number') return [v, v];
  if (!Array.isArray(v)) throw new AtrousError('bad_argument', `${OP}: ${what} must be a number or an array`);
  if (v.length === 1) return [v[0], v[0]];
  if (v.length === 2) return [v[0], v[1]];
  if (v.length === 4) {
    const [h, w] = nhwc ? [1, 2] : [2, 3];
    const others = nhwc ? [v[0], v[3]] : [v[0], v[1]];
    if (others.some((o) => o !== 1)) {
      throw new AtrousError('bad_argument', `${OP}: ${what} [${v.join(',')}] must be 1 on the batch and channel axes`);
    }
    return [v[h], v[w]];
  }
  throw new AtrousError('wrong_length', `${OP}: ${what} must have 1, 2 or 4 values, got [${v.join(',')}]`);
}

function tfPadding(p: TfPadding, nhwc: boolean): Padding {
  if (p === 'SAME' || p === 'same') return 'same';
  if (p === 'VALID' || p === 'valid') return 'valid';
  if (!Array.isArray(p) || p.length !== 4) {
    throw new AtrousError('bad_argument', `${OP}: padding must be 'SAME', 'VALID' or four [before, after] pairs, got ${JSON.stringify(p)}`);
  }
  const [b, h, w, c] = nhwc ? [p[0], p[1], p[2], p[3]] : [p[0], p[2], p[3], p[1]];
  if ([...b, ...c].some((x) => x !== 0)) {
    throw new AtrousError('bad_argument', `${OP}: explicit padding of the batch and channel axes must be 0, got ${JSON.stringify(p)}`);
  }
  return [h, w];
}
