import type { Command } from 'commander';
import {
  AtrousError,
  type ConvPlan,
  type ConvTransposeOptions,
  effectiveKernelSize,
  type Padding,
  planConv,
  planConvTranspose,
} from '../index.js';
import { withHint } from './fail.js';
import { indent, jsonObject, perAxis, shapeStr, sizes } from './format.js';
import { axisNames, CONV_FORMULA, CONV_TRANSPOSE_FORMULA, convFormula, convTransposeFormula } from './formula.js';
import { formatPadding, parseInteger, parsePadding, parseSizes } from './parse.js';

/** What `atrous shape` takes; sizes are spatial only, e.g. `input: [64, 64]`. */
export interface ShapeOptions {
  /** 1 to 3 spatial axes. */
  input: number[];
  /** One size for every axis, or one per axis. */
  kernel: number[];
  stride?: number[];
  dilation?: number[];
  padding?: Padding;
  causalAxis?: number;
  groups?: number;
  transposed?: boolean;
  outputPadding?: number[];
}

/** The plan's geometry, per spatial axis, as `--json` prints it. */
export interface ShapeReport {
  op: string;
  transposed: boolean;
  input: number[];
  kernel: number[];
  stride: number[];
  dilation: number[];
  effectiveKernel: number[];
  /** `[before, after]` per axis, as resolved by the library. */
  padding: [number, number][];
  outputPadding: number[];
  groups: number;
  output: number[];
  /** The synthetic shapes handed to the planner: x `[1, groups, ...input]`, weight `[groups, 1, ...kernel]`. */
  xShape: number[];
  weightShape: number[];
  outShape: number[];
  /** One line per axis, `H: floor((64 + 4 + 4 − 4·(3−1) − 1) / 1) + 1 = floor(63 / 1) + 1 = 64`. */
  formulas: string[];
}

/**
 * Plans the conv with the library, so every check and error is the library's, and reports the
 * geometry. One channel per group is enough: channels never change the spatial arithmetic.
 * @example shapeReport({ input: [64, 64], kernel: [3], dilation: [4], padding: 'same' }).output // [64, 64]
 */
export function shapeReport(opts: ShapeOptions): ShapeReport {
  const nd = opts.input.length;
  if (nd < 1 || nd > 3) {
    throw new AtrousError(
      'bad_argument',
      `--input has ${nd} axes (${sizes(opts.input)}); give 1, 2 or 3 spatial sizes such as 64, 64x64 or 16x64x64`,
    );
  }
  if (opts.outputPadding !== undefined && !opts.transposed) {
    throw new AtrousError('bad_argument', '--output-padding only applies with --transposed');
  }
  const groups = opts.groups ?? 1;
  const kernel = opts.kernel.length === 1 ? new Array<number>(nd).fill(opts.kernel[0]) : opts.kernel;
  const xShape = [1, groups, ...opts.input];
  const weightShape = [groups, 1, ...kernel];
  const op = opts.transposed ? `convTranspose${nd}d` : `conv${nd}d`;
  let plan: ConvPlan;
  try {
    plan = opts.transposed
      ? planConvTranspose(op, nd, xShape, weightShape, null, {
          stride: opts.stride,
          dilation: opts.dilation,
          // The library rejects 'same'/'causal' here with its own message; let it.
          padding: opts.padding as ConvTransposeOptions['padding'],
          outputPadding: opts.outputPadding,
          groups,
        })
      : planConv(op, nd, xShape, weightShape, null, {
          stride: opts.stride,
          dilation: opts.dilation,
          padding: opts.padding,
          causalAxis: opts.causalAxis,
          groups,
        });
  } catch (err) {
    throw withHint(err, hintFor(err, opts, xShape, weightShape, op));
  }
  const names = axisNames(nd);
  const formulas = plan.inSize.map((n, i) => {
    const g = {
      inSize: n, kernel: plan.kernel[i], stride: plan.stride[i], dilation: plan.dilation[i],
      padBefore: plan.pads[i][0], padAfter: plan.pads[i][1],
    };
    return `${names[i]}: ${plan.transposed ? convTransposeFormula({ ...g, outputPadding: plan.outputPadding[i] }) : convFormula(g)}`;
  });
  return {
    op,
    transposed: plan.transposed,
    input: [...plan.inSize],
    kernel: [...plan.kernel],
    stride: [...plan.stride],
    dilation: [...plan.dilation],
    effectiveKernel: plan.kernel.map((k, i) => effectiveKernelSize(k, plan.dilation[i])),
    padding: plan.pads.map(([b, a]): [number, number] => [b, a]),
    outputPadding: [...plan.outputPadding],
    groups: plan.groups,
    output: [...plan.outSize],
    xShape,
    weightShape,
    outShape: [...plan.outShape],
    formulas,
  };
}

function hintFor(err: unknown, opts: ShapeOptions, x: number[], w: number[], op: string): string {
  const small = opts.input.length === 2 && opts.input.every((n) => n <= 64);
  if (err instanceof AtrousError && err.code === 'kernel_too_large' && small) {
    const flags = [`--input ${sizes(opts.input)}`, `--kernel ${sizes(opts.kernel)}`];
    if (opts.dilation) flags.push(`--dilation ${sizes(opts.dilation)}`);
    if (opts.stride) flags.push(`--stride ${sizes(opts.stride)}`);
    if (opts.padding !== undefined) flags.push(`--padding ${formatPadding(opts.padding)}`);
    return `step by step: atrous explain ${flags.join(' ')}`;
  }
  return `(atrous shape hands ${op} x ${shapeStr(x)} and weight ${shapeStr(w)})`;
}

/**
 * The report as text: the result first, then the arithmetic per axis.
 * @example shapeText({ input: [2, 2], kernel: [2], dilation: [2], stride: [2] }) // throws kernel_too_large
 */
export function shapeText(opts: ShapeOptions): string {
  const r = shapeReport(opts);
  const names = axisNames(r.input.length);
  const given = [
    `input ${sizes(r.input)}`,
    `kernel ${sizes(r.kernel)}`,
    `stride ${perAxis(r.stride)}`,
    `dilation ${perAxis(r.dilation)}`,
    `padding ${formatPadding(opts.padding ?? 0)}`,
  ];
  if (r.transposed) given.push(`output padding ${perAxis(r.outputPadding)}`);
  if (r.groups > 1) given.push(`groups ${r.groups}`);
  const rows: string[][] = [
    ['output', sizes(r.output)],
    ['effective kernel', `${sizes(r.effectiveKernel)}  (d·(k−1) + 1)`],
    [r.transposed ? 'cropped' : 'padding', `${r.padding.map(([b, a], i) => `${names[i]} [${b},${a}]`).join('  ')}  (before, after)`],
    ['shapes', `x ${shapeStr(r.xShape)}, weight ${shapeStr(r.weightShape)} → y ${shapeStr(r.outShape)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `${r.op}: ${given.join(', ')}`,
    '',
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    '',
    `per axis: ${r.transposed ? CONV_TRANSPOSE_FORMULA : CONV_FORMULA}`,
    ...indent(r.formulas),
  ];
  return `${lines.join('\n')}\n`;
}

/** The report as one JSON object. */
export function shapeJson(opts: ShapeOptions): string {
  return jsonObject(shapeReport(opts));
}

export function registerShape(program: Command): void {
  program
    .command('shape')
    .description('output size, padding and effective kernel of a dilated (or transposed) conv, with the arithmetic')
    .requiredOption('--input <sizes>', 'spatial input size: 64, 64x64 or 16x64x64', (v) => parseSizes(v, '--input'))
    .requiredOption('--kernel <sizes>', 'kernel size: 3 (every axis) or 3x3', (v) => parseSizes(v, '--kernel'))
    .option('--stride <sizes>', 'stride: 2 or 2x1 (default 1)', (v) => parseSizes(v, '--stride'))
    .option('--dilation <sizes>', 'dilation: 4 or 4x1 (default 1)', (v) => parseSizes(v, '--dilation'))
    .option('--padding <padding>', "same, valid, causal, 2, 1,2 or before:after pairs '1:2,0:3' (default 0)", (v) =>
      parsePadding(v))
    .option('--causal-axis <axis>', "with --padding causal in 2D/3D: the spatial axis that is time", (v) =>
      parseInteger(v, '--causal-axis'))
    .option('--groups <n>', 'channel groups (default 1)', (v) => parseInteger(v, '--groups'))
    .option('--transposed', 'transposed conv (PyTorch conv_transpose): padding is cropped from the output')
    .option('--output-padding <sizes>', 'with --transposed: extra output at the end side', (v) =>
      parseSizes(v, '--output-padding'))
    .option('--json', 'print one JSON object')
    .addHelpText('after', [
      '',
      'Examples:',
      '  atrous shape --input 64x64 --kernel 3x3 --dilation 4 --padding same',
      '  atrous shape --input 32x32 --kernel 3 --stride 2 --padding 1 --transposed --output-padding 1',
    ].join('\n'))
    .action((o: ShapeOptions & { json?: boolean }) => {
      process.stdout.write(o.json ? shapeJson(o) : shapeText(o));
    });
}
