import { AtrousError, fmtShape, fmtSizes } from '../errors.js';
import { convOutSize, convTransposeOutSize, effectiveKernelSize } from './conv-size.js';
import { type AxisPads, type Padding, resolvePadding } from './padding.js';
import { checkPositive, nonNegativePerAxis, type PerAxis, positivePerAxis } from './params.js';

/** Options of `conv1d/2d/3d`, named as in PyTorch's `torch.nn.functional.conv2d`. */
export interface ConvOptions {
  /** Step between output positions, per axis or for all. Default 1. */
  stride?: PerAxis;
  /** See `Padding`. Default 0 (PyTorch's default, same as 'valid'). */
  padding?: Padding;
  /** Spacing between kernel taps, per axis or for all. Default 1. */
  dilation?: PerAxis;
  /** Split channels into this many independent groups; `groups = C` is depthwise. Default 1. */
  groups?: number;
  /** With `padding: 'causal'` in 2D/3D: the spatial axis (0-based) that is time. */
  causalAxis?: number;
}

/** Options of `convTranspose1d/2d/3d`, named as in PyTorch's `conv_transpose2d`. */
export interface ConvTransposeOptions {
  stride?: PerAxis;
  /** Cropped from each side of the full output: a number, per axis, or `[before, after]` per axis. */
  padding?: number | readonly number[] | readonly (readonly [number, number])[] | 'valid';
  /** Extra output rows at the end side, each smaller than stride or dilation. Default 0. */
  outputPadding?: PerAxis;
  dilation?: PerAxis;
  groups?: number;
}

/** Everything a kernel needs to run one conv, validated. Shapes use the batched layout. */
export interface ConvPlan {
  readonly op: string;
  readonly transposed: boolean;
  readonly nd: number;
  readonly batch: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  readonly inSize: readonly number[];
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly pads: AxisPads;
  readonly outputPadding: readonly number[];
  readonly outSize: readonly number[];
  /** Input had no batch axis (`[C, ...]`), as PyTorch allows; the output drops it too. */
  readonly unbatched: boolean;
  readonly outShape: readonly number[];
}

const LAYOUT = ['[N, C, L]', '[N, C, H, W]', '[N, C, D, H, W]'];
const W_LAYOUT = ['[Cout, Cin/groups, kL]', '[Cout, Cin/groups, kH, kW]', '[Cout, Cin/groups, kD, kH, kW]'];
const WT_LAYOUT = ['[Cin, Cout/groups, kL]', '[Cin, Cout/groups, kH, kW]', '[Cin, Cout/groups, kD, kH, kW]'];

/** Validates a conv call and computes its geometry. Throws AtrousError naming the shapes. */
export function planConv(
  op: string,
  nd: number,
  xShape: readonly number[],
  wShape: readonly number[],
  biasShape: readonly number[] | null,
  opts: ConvOptions = {},
): ConvPlan {
  const { batch, unbatched, inChannels, inSize } = splitInput(op, nd, xShape);
  checkRank(op, 'weight', wShape, nd + 2, W_LAYOUT[nd - 1]);
  const groups = checkPositive(op, 'groups', opts.groups ?? 1);
  const stride = positivePerAxis(op, 'stride', opts.stride ?? 1, nd);
  const dilation = positivePerAxis(op, 'dilation', opts.dilation ?? 1, nd);
  const [outChannels, wInPerGroup, ...kernel] = wShape;
  checkNotEmpty(op, 'weight', wShape);
  if (outChannels % groups !== 0) {
    throw new AtrousError(
      'groups_indivisible',
      `${op}: weight ${fmtShape(wShape)} has ${outChannels} output channels, not divisible by groups=${groups}`,
    );
  }
  if (inChannels % groups !== 0) {
    throw new AtrousError(
      'groups_indivisible',
      `${op}: x ${fmtShape(xShape)} has ${inChannels} channels, not divisible by groups=${groups}`,
    );
  }
  if (inChannels !== wInPerGroup * groups) {
    throw new AtrousError(
      'channel_mismatch',
      `${op}: x ${fmtShape(xShape)} has ${inChannels} channels; weight ${fmtShape(wShape)} with groups=${groups} expects ${wInPerGroup * groups}`,
    );
  }
  checkBias(op, biasShape, outChannels, wShape);
  const pads = resolvePadding(op, opts.padding ?? 0, { inSize, kernel, stride, dilation, causalAxis: opts.causalAxis });
  const eff = kernel.map((k, i) => effectiveKernelSize(k, dilation[i]));
  const padded = inSize.map((n, i) => n + pads[i][0] + pads[i][1]);
  if (eff.some((e, i) => e > padded[i])) {
    throw new AtrousError(
      'kernel_too_large',
      `${op}: dilated kernel ${fmtSizes(eff)} (kernel ${fmtSizes(kernel)}, dilation ${fmtDilation(dilation)}) is larger than the padded input ${fmtSizes(padded)}`,
    );
  }
  const outSize = inSize.map((n, i) => convOutSize(n, kernel[i], stride[i], dilation[i], pads[i][0], pads[i][1]));
  return freezePlan({
    op, transposed: false, nd, batch, inChannels, outChannels, groups, inSize, kernel, stride, dilation, pads,
    outputPadding: new Array<number>(nd).fill(0), outSize, unbatched,
  });
}

/** Validates a transposed conv call (PyTorch's conv_transposeNd) and computes its geometry. */
export function planConvTranspose(
  op: string,
  nd: number,
  xShape: readonly number[],
  wShape: readonly number[],
  biasShape: readonly number[] | null,
  opts: ConvTransposeOptions = {},
): ConvPlan {
  const { batch, unbatched, inChannels, inSize } = splitInput(op, nd, xShape);
  checkRank(op, 'weight', wShape, nd + 2, WT_LAYOUT[nd - 1]);
  const groups = checkPositive(op, 'groups', opts.groups ?? 1);
  const stride = positivePerAxis(op, 'stride', opts.stride ?? 1, nd);
  const dilation = positivePerAxis(op, 'dilation', opts.dilation ?? 1, nd);
  const [wIn, outPerGroup, ...kernel] = wShape;
  checkNotEmpty(op, 'weight', wShape);
  if (inChannels !== wIn) {
    throw new AtrousError(
      'channel_mismatch',
      `${op}: x ${fmtShape(xShape)} has ${inChannels} channels; weight ${fmtShape(wShape)} expects ${wIn} (transposed weights are ${WT_LAYOUT[nd - 1]})`,
    );
  }
  if (inChannels % groups !== 0) {
    throw new AtrousError(
      'groups_indivisible',
      `${op}: x ${fmtShape(xShape)} has ${inChannels} channels, not divisible by groups=${groups}`,
    );
  }
  const outChannels = outPerGroup * groups;
  checkBias(op, biasShape, outChannels, wShape);
  // Typed without 'same'/'causal', but JavaScript callers can still pass them: say why they don't apply.
  const padding = opts.padding ?? 0;
  if (typeof padding === 'string' && padding !== 'valid') {
    throw new AtrousError(
      'bad_argument',
      `${op}: padding '${String(padding)}' is not defined for a transposed conv; give the amount cropped from each side (a number, per axis, or [before, after] pairs)`,
    );
  }
  const pads = resolvePadding(op, padding, { inSize, kernel, stride, dilation });
  const outputPadding = nonNegativePerAxis(op, 'outputPadding', opts.outputPadding ?? 0, nd);
  outputPadding.forEach((p, i) => {
    if (p >= stride[i] && p >= dilation[i]) {
      throw new AtrousError(
        'output_padding_too_large',
        `${op}: outputPadding ${fmtSizes(outputPadding)} must be smaller than either stride ${fmtSizes(stride)} or dilation ${fmtSizes(dilation)} on every axis (axis ${i}: ${p})`,
      );
    }
  });
  const outSize = inSize.map((n, i) =>
    convTransposeOutSize(n, kernel[i], stride[i], dilation[i], pads[i][0], pads[i][1], outputPadding[i]),
  );
  if (outSize.some((o) => o < 1)) {
    throw new AtrousError(
      'empty_output',
      `${op}: output size would be ${fmtSizes(outSize)} for input ${fmtShape(xShape)}, weight ${fmtShape(wShape)}, padding ${JSON.stringify(pads)}: the padding crops away everything`,
    );
  }
  return freezePlan({
    op, transposed: true, nd, batch, inChannels, outChannels, groups, inSize, kernel, stride, dilation, pads,
    outputPadding, outSize, unbatched,
  });
}

function splitInput(op: string, nd: number, xShape: readonly number[]) {
  if (nd !== 1 && nd !== 2 && nd !== 3) {
    throw new AtrousError('bad_argument', `${op}: convolutions have 1, 2 or 3 spatial axes, got ${nd}`);
  }
  if (xShape.length !== nd + 2 && xShape.length !== nd + 1) {
    throw new AtrousError(
      'rank_mismatch',
      `${op}: expected x of rank ${nd + 2} ${LAYOUT[nd - 1]} (or ${nd + 1} without the batch axis), got rank ${xShape.length} ${fmtShape(xShape)}`,
    );
  }
  const unbatched = xShape.length === nd + 1;
  const full = unbatched ? [1, ...xShape] : [...xShape];
  const [batch, inChannels, ...inSize] = full;
  if (inChannels < 1 || inSize.some((n) => n < 1)) {
    throw new AtrousError('empty_output', `${op}: x ${fmtShape(xShape)} has an empty channel or spatial axis`);
  }
  return { batch, unbatched, inChannels, inSize };
}

function checkRank(op: string, name: string, shape: readonly number[], rank: number, layout: string): void {
  if (shape.length !== rank) {
    throw new AtrousError(
      'rank_mismatch',
      `${op}: expected ${name} of rank ${rank} ${layout}, got rank ${shape.length} ${fmtShape(shape)}`,
    );
  }
}

function checkNotEmpty(op: string, name: string, shape: readonly number[]): void {
  if (shape.slice(2).some((n) => n < 1)) {
    throw new AtrousError('non_positive', `${op}: kernel size ${fmtSizes(shape.slice(2))} of ${name} ${fmtShape(shape)} must be positive`);
  }
  if (shape.some((n) => n < 1)) {
    throw new AtrousError('empty_output', `${op}: ${name} ${fmtShape(shape)} has an empty axis`);
  }
}

function checkBias(op: string, biasShape: readonly number[] | null, outChannels: number, wShape: readonly number[]) {
  if (biasShape === null) return;
  if (biasShape.length !== 1 || biasShape[0] !== outChannels) {
    throw new AtrousError(
      'channel_mismatch',
      `${op}: bias ${fmtShape(biasShape)} must be [${outChannels}], one value per output channel of weight ${fmtShape(wShape)}`,
    );
  }
}

function fmtDilation(d: readonly number[]): string {
  return d.every((x) => x === d[0]) ? String(d[0]) : fmtSizes(d);
}

function freezePlan(p: Omit<ConvPlan, 'outShape'>): ConvPlan {
  const outShape = p.unbatched ? [p.outChannels, ...p.outSize] : [p.batch, p.outChannels, ...p.outSize];
  return Object.freeze({ ...p, outShape });
}
