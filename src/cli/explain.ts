import type { Command } from 'commander';
import {
  arange,
  AtrousError,
  type AxisPads,
  conv2d,
  effectiveKernelSize,
  type Padding,
  planConv,
  resolvePadding,
  type Tensor,
} from '../index.js';
import { flow, grid, indent, num, numberGrid, perAxis, plural, shapeStr, sideBySide, sizes, wrap } from './format.js';
import { CONV_FORMULA, convFormula } from './formula.js';
import { formatPadding, parseInteger, parsePadding, parseSizes } from './parse.js';

/**
 * `atrous explain`: one 2D dilated convolution worked through by hand, every number computed by
 * the library. With no options it replays the seed text's TensorFlow example (which cannot run)
 * and then a variant that can.
 */

/** What `atrous explain` takes; anything left out is the seed's value. */
export interface ExplainOptions {
  /** `[H, W]`, or one size for a square input. */
  input?: number[];
  kernel?: number[];
  stride?: number[];
  dilation?: number[];
  padding?: Padding;
  causalAxis?: number;
}

/** The seed's example: tf.nn.conv2d on a 2x2 input and 2x2 kernel, dilation 2, stride 2, VALID. */
const SEED = { input: [2, 2], kernel: [2, 2], stride: [2], dilation: [2], padding: 'valid' as Padding };

/** Every tap is drawn, so keep the pictures (and the work) small. */
const MAX_INPUT = 64;
const MAX_KERNEL = 16;
/** Tap grids drawn per explanation; the rest are counted. */
const MAX_TAP_GRIDS = 4;
/** Inputs larger than this are cropped to where the drawn taps land. */
const MAX_TAP_GRID_SIDE = 12;
/** Input and output grids show at most this corner. */
const MAX_GRID_SIDE = 10;
/** Body text is indented 3 under its heading and stays inside 78 columns. */
const TEXT_WIDTH = 72;

/** One worked case, after the library has run (or refused) it. */
interface Run {
  x: Tensor;
  w: Tensor;
  opts: Required<Pick<ExplainOptions, 'stride' | 'dilation' | 'padding'>> & { causalAxis?: number };
  /** Per axis, validated by the library. */
  stride: number[];
  dilation: number[];
  pads: AxisPads;
  y: Tensor | null;
  error: AtrousError | null;
}

function square(v: number[], flag: string): [number, number] {
  if (v.length === 1) return [v[0], v[0]];
  if (v.length === 2) return [v[0], v[1]];
  throw new AtrousError('bad_argument', `${flag}: explain draws 2D grids; give HxW (e.g. 7x7), got ${sizes(v)}`);
}

/** Runs conv2d for real; a kernel that does not fit is part of the story, any other error is the user's. */
function run(opts: ExplainOptions): Run {
  const [H, W] = square(opts.input ?? SEED.input, '--input');
  const [kH, kW] = square(opts.kernel ?? SEED.kernel, '--kernel');
  if (H > MAX_INPUT || W > MAX_INPUT || kH > MAX_KERNEL || kW > MAX_KERNEL) {
    throw new AtrousError(
      'bad_argument',
      `explain draws every tap, so it takes inputs up to ${MAX_INPUT}x${MAX_INPUT} and kernels up to ${MAX_KERNEL}x${MAX_KERNEL} (got ${H}x${W}, ${kH}x${kW}); for larger shapes use atrous shape`,
    );
  }
  const x = arange([1, 1, H, W], 1);
  const w = arange([1, 1, kH, kW], 1);
  const args = {
    stride: opts.stride ?? SEED.stride,
    dilation: opts.dilation ?? SEED.dilation,
    padding: opts.padding ?? SEED.padding,
    causalAxis: opts.causalAxis,
  };
  try {
    const y = conv2d(x, w, args);
    const plan = planConv('conv2d', 2, x.shape, w.shape, null, args);
    return { x, w, opts: args, stride: [...plan.stride], dilation: [...plan.dilation], pads: plan.pads, y, error: null };
  } catch (err) {
    if (!(err instanceof AtrousError) || err.code !== 'kernel_too_large') throw err;
    // The library checked stride, dilation and padding before the size, so they are valid here.
    const stride = square(args.stride, '--stride');
    const dilation = square(args.dilation, '--dilation');
    const pads = resolvePadding('conv2d', args.padding, { inSize: [H, W], kernel: [kH, kW], stride, dilation, causalAxis: args.causalAxis });
    return { x, w, opts: args, stride, dilation, pads, y: null, error: err };
  }
}

const spatial = (t: Tensor): [number, number] => [t.shape[2], t.shape[3]];

function plane(t: Tensor): number[][] {
  const [h, w] = spatial(t);
  return Array.from({ length: h }, (_, i) => Array.from(t.data.subarray(i * w, (i + 1) * w)));
}

function effective(r: Run): [number, number] {
  const [kH, kW] = spatial(r.w);
  return [effectiveKernelSize(kH, r.dilation[0]), effectiveKernelSize(kW, r.dilation[1])];
}

/** The call as a reader would type it. */
function callText(r: Run): string {
  const js = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) && v.length === 1 ? js(v[0]) : JSON.stringify(v));
  const o = r.opts;
  const parts = [`stride: ${js(o.stride)}`, `dilation: ${js(o.dilation)}`, `padding: ${js(o.padding)}`];
  if (o.causalAxis !== undefined) parts.push(`causalAxis: ${o.causalAxis}`);
  return `conv2d(x ${shapeStr(r.x.shape)}, w ${shapeStr(r.w.shape)}, { ${parts.join(', ')} })`;
}

function dilateSection(r: Run): string[] {
  const [kH, kW] = spatial(r.w);
  const [eH, eW] = effective(r);
  const [dH, dW] = r.dilation;
  const dilated = Array.from({ length: eH }, (_, i) =>
    Array.from({ length: eW }, (_, j) =>
      i % dH === 0 && j % dW === 0 ? r.w.data[(i / dH) * kW + j / dW] : 0));
  const gaps = dH === dW
    ? `Dilation ${dH} puts ${plural(dH - 1, 'zero')} between neighbouring taps`
    : `Dilation ${dH}x${dW} puts ${plural(dH - 1, 'zero')} between taps down a column and ${dW - 1} along a row`;
  return [
    ...wrap(`${gaps}, so the ${kH}x${kW} kernel spans ${eH}x${eW} (d·(k−1) + 1 per axis).`, TEXT_WIDTH),
    '',
    ...indent(sideBySide([
      [`kernel ${kH}x${kW}`, ...numberGrid(plane(r.w))],
      [`dilated ${eH}x${eW}`, ...numberGrid(dilated, { maxRows: 17, maxCols: 17 })],
    ])),
  ];
}

function sizeSection(r: Run): string[] {
  const [H, W] = spatial(r.x);
  const [kH, kW] = spatial(r.w);
  const ins = [H, W];
  const ks = [kH, kW];
  const lines = [0, 1].map((i) => convFormula({
    inSize: ins[i], kernel: ks[i], stride: r.stride[i], dilation: r.dilation[i],
    padBefore: r.pads[i][0], padAfter: r.pads[i][1],
  }));
  const out = [`per axis: ${CONV_FORMULA}`];
  if (r.pads.some(([b, a]) => b + a > 0)) {
    out.push(`padding ${formatPadding(r.opts.padding)} → H [${r.pads[0].join(',')}], W [${r.pads[1].join(',')}] (before, after)`);
  }
  out.push(...(lines[0] === lines[1] ? [`H, W: ${lines[0]}`] : [`H: ${lines[0]}`, `W: ${lines[1]}`]));
  if (r.y !== null) {
    out.push(`→ output ${sizes(spatial(r.y))}`);
  } else {
    const padded = [H + r.pads[0][0] + r.pads[0][1], W + r.pads[1][0] + r.pads[1][1]];
    const what = padded[0] === H && padded[1] === W ? 'input' : 'padded input';
    out.push(`→ invalid: the ${sizes(effective(r))} dilated kernel does not fit in the ${sizes(padded)} ${what}.`);
  }
  return out;
}

function errorSection(r: Run): string[] {
  const e = r.error as AtrousError;
  return [callText(r), `throws AtrousError [${e.code}]:`, `  ${e.message}`];
}

function resultSection(r: Run): string[] {
  const [H, W] = spatial(r.x);
  const [kH, kW] = spatial(r.w);
  const y = r.y as Tensor;
  const corner = { maxRows: MAX_GRID_SIDE, maxCols: MAX_GRID_SIDE };
  return [
    callText(r),
    '',
    ...indent(flow([
      [`input ${H}x${W} (1..${H * W})`, ...numberGrid(plane(r.x), corner)],
      [`kernel (1..${kH * kW})`, ...numberGrid(plane(r.w), corner)],
      [`output ${sizes(spatial(y))}`, ...numberGrid(plane(y), corner)],
    ], TEXT_WIDTH)),
  ];
}

interface Tap { weight: number; ih: number; iw: number; inside: boolean }

function taps(r: Run, oh: number, ow: number): Tap[] {
  const [H, W] = spatial(r.x);
  const [kH, kW] = spatial(r.w);
  const out: Tap[] = [];
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      // The reference kernel's index rule: ih = oh·s − pad_top + i·d.
      const ih = oh * r.stride[0] - r.pads[0][0] + i * r.dilation[0];
      const iw = ow * r.stride[1] - r.pads[1][0] + j * r.dilation[1];
      out.push({ weight: r.w.data[i * kW + j], ih, iw, inside: ih >= 0 && ih < H && iw >= 0 && iw < W });
    }
  }
  return out;
}

interface TapGrids {
  blocks: string[][];
  drawn: { oh: number; ow: number; taps: Tap[] }[];
  crop: { rows: [number, number]; cols: [number, number] } | null;
}

/** One grid per output for the first `n` outputs, cropped on large inputs to where their taps land. */
function tapGrids(r: Run, n: number): TapGrids {
  const [H, W] = spatial(r.x);
  const [OH, OW] = spatial(r.y as Tensor);
  const drawn = Array.from({ length: Math.min(n, OH * OW) }, (_, i) => {
    const [oh, ow] = [Math.floor(i / OW), i % OW];
    return { oh, ow, taps: taps(r, oh, ow) };
  });
  const inside = drawn.flatMap((d) => d.taps.filter((t) => t.inside));
  const crop = H > MAX_TAP_GRID_SIDE || W > MAX_TAP_GRID_SIDE
    ? { rows: bounds(inside.map((t) => t.ih), H), cols: bounds(inside.map((t) => t.iw), W) }
    : null;
  const [r0, r1] = crop?.rows ?? [0, H - 1];
  const [c0, c1] = crop?.cols ?? [0, W - 1];
  const blocks = drawn.map(({ oh, ow, taps: ts }) => {
    const cells = Array.from({ length: r1 - r0 + 1 }, () => new Array<string>(c1 - c0 + 1).fill('·'));
    for (const t of ts) if (t.inside) cells[t.ih - r0][t.iw - c0] = num(t.weight);
    return [`out[${oh},${ow}] = ${num((r.y as Tensor).data[oh * OW + ow])}`, ...grid(cells, { maxRows: 24, maxCols: 24 })];
  });
  return { blocks, drawn, crop };
}

function tapsSection(r: Run): string[] {
  const [H, W] = spatial(r.x);
  const y = r.y as Tensor;
  const [OH, OW] = spatial(y);
  const outputs = Array.from({ length: OH * OW }, (_, n) => [Math.floor(n / OW), n % OW]);
  let g = tapGrids(r, MAX_TAP_GRIDS);
  // Draw only as many as fit on one row (at least two), so big grids do not fill the screen.
  const width = Math.max(...g.blocks[0].map((l) => l.length)) + 4;
  const fit = Math.max(2, Math.floor((TEXT_WIDTH + 4) / width));
  if (fit < g.drawn.length) g = tapGrids(r, fit);
  const { blocks, drawn, crop } = g;
  const lines = [...indent(flow(blocks, TEXT_WIDTH))];
  if (crop) lines.push('', `(input rows ${crop.rows[0]}–${crop.rows[1]}, columns ${crop.cols[0]}–${crop.cols[1]} of ${H}x${W})`);
  if (outputs.length > drawn.length) lines.push(`(${plural(outputs.length - drawn.length, 'more output')} not drawn)`);
  if (drawn.some((d) => d.taps.some((t) => !t.inside))) lines.push('Taps that land in the padding read 0 and are not drawn.');
  if (OH * OW > 1 && (r.stride[0] > 1 || r.stride[1] > 1)) {
    lines.push('', `Each step to the next output moves every tap by the stride: ${r.stride[1]} across, ${r.stride[0]} down.`);
  }
  // Write out the sum for the first output whose taps all land in the input, if there is one.
  const all = outputs.map(([oh, ow]) => ({ oh, ow, taps: taps(r, oh, ow) }));
  const pick = all.find((o) => o.taps.every((t) => t.inside)) ?? all[0];
  const terms = pick.taps.filter((t) => t.inside).map((t) => `${num(t.weight)}·${num(r.x.data[t.ih * W + t.iw])}`);
  const padded = pick.taps.length - terms.length;
  lines.push('', ...sumLines(`out[${pick.oh},${pick.ow}] = `, terms, num(y.data[pick.oh * OW + pick.ow])));
  if (padded > 0) lines.push(`(${plural(padded, 'tap')} of out[${pick.oh},${pick.ow}] land in the padding and read 0)`);
  return lines;
}

/** `out[0,0] = 1·1 + 2·3 + ... = 92`, broken before a `+` when long, the total kept with the last term. */
function sumLines(lead: string, terms: string[], total: string): string[] {
  const parts = terms.length === 0 ? ['0'] : terms;
  const lines: string[] = [];
  let line = lead;
  parts.forEach((t, i) => {
    const piece = `${i === 0 ? '' : '+ '}${t}${i === parts.length - 1 ? ` = ${total}` : ''}`;
    if (i > 0 && line.length + 1 + piece.length > TEXT_WIDTH) {
      lines.push(line);
      line = ' '.repeat(lead.length - 2) + piece;
    } else {
      line = i === 0 ? line + piece : `${line} ${piece}`;
    }
  });
  lines.push(line);
  return lines;
}

function bounds(v: number[], n: number): [number, number] {
  // No tap inside (all in the padding): show the corner.
  return v.length === 0 ? [0, Math.min(n, MAX_TAP_GRID_SIDE) - 1] : [Math.min(...v), Math.max(...v)];
}

function section(n: number, title: string, body: string[]): string[] {
  return [`${n}. ${title}`, ...indent(body, 3), ''];
}

const SEED_NOTES = [
  "The seed's formula leaves out the dilation:",
  '  (in − k + 2·padding) / stride + 1 = (2 − 2 + 0) / 2 + 1 = 1',
  'so it promises a 1x1 output that cannot exist. Its "math model",',
  '  y(i,j) = Σ x(i − m·Stride, j − n·Stride) · K(m,n),',
  'uses the stride where the dilation belongs. With each in its place:',
  '  y[i,j] = Σ_m Σ_n K[m,n] · x[i·s + m·d − pad_top, j·s + n·d − pad_left]',
];
const SEED_TF = [
  'TensorFlow would stop even earlier: tf.nn.conv2d wants a 4D input [N,H,W,C]',
  'and a 4D filter [kH,kW,Cin,Cout], not 2x2 matrices, and its argument is',
  '`dilations`, not `dilation_rate`.',
];

function seedText(): string {
  const bad = run({});
  const good = run({ input: [5, 5] });
  const lines = [
    "atrous explain: the seed's dilated convolution, step by step",
    '',
    'The seed (a blog post on dilated convolution) runs this TensorFlow example:',
    '  input [[1,2],[3,4]], kernel [[1,2],[3,4]], dilation 2, stride 2, padding VALID',
    '',
    ...section(1, 'Dilate the kernel', dilateSection(bad)),
    ...section(2, 'Output size', [
      ...sizeSection(bad),
      '',
      ...SEED_NOTES,
    ]),
    ...section(3, 'What atrous says', [...errorSection(bad), '', ...SEED_TF]),
    ...section(4, 'A valid variant: a 5x5 input, same kernel, dilation 2, stride 2', [
      ...sizeSection(good).slice(1),
      '',
      ...resultSection(good),
    ]),
    ...section(5, 'Which inputs each output reads (the weight at each tap, · elsewhere)', tapsSection(good)),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

function caseText(opts: ExplainOptions): string {
  const r = run(opts);
  const [kH, kW] = spatial(r.w);
  const head = [
    `atrous explain: conv2d, input ${sizes(spatial(r.x))}, kernel ${kH}x${kW}, dilation ${perAxis(r.dilation)}, stride ${perAxis(r.stride)}, padding ${formatPadding(r.opts.padding)}`,
    '',
  ];
  const body = [
    ...section(1, 'Dilate the kernel', dilateSection(r)),
    ...section(2, 'Output size', sizeSection(r)),
  ];
  if (r.y === null) {
    const [eH, eW] = effective(r);
    const need = [Math.max(1, eH - r.pads[0][0] - r.pads[0][1]), Math.max(1, eW - r.pads[1][0] - r.pads[1][1])];
    body.push(...section(3, 'What atrous says', [
      ...errorSection(r),
      '',
      `It runs with an input of at least ${sizes(need)} here, or with --padding same.`,
    ]));
  } else {
    body.push(
      ...section(3, 'Run it', resultSection(r)),
      ...section(4, 'Which inputs each output reads (the weight at each tap, · elsewhere)', tapsSection(r)),
    );
  }
  return `${[...head, ...body].join('\n').trimEnd()}\n`;
}

/**
 * The walk-through as text. No options: the seed's example and a valid variant.
 * @example explainText({ input: [7, 7], kernel: [3, 3], dilation: [2], stride: [1] })
 */
export function explainText(opts: ExplainOptions = {}): string {
  const given = Object.values(opts).some((v) => v !== undefined);
  return given ? caseText(opts) : seedText();
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("walk through one dilated conv2d by hand (no options: the seed's broken TensorFlow example)")
    .option('--input <HxW>', 'input size; values are 1..H·W (default 2x2)', (v) => parseSizes(v, '--input'))
    .option('--kernel <HxW>', 'kernel size; values are 1..kH·kW (default 2x2)', (v) => parseSizes(v, '--kernel'))
    .option('--dilation <d>', 'dilation: 2 or 2x1 (default 2)', (v) => parseSizes(v, '--dilation'))
    .option('--stride <s>', 'stride: 2 or 2x1 (default 2)', (v) => parseSizes(v, '--stride'))
    .option('--padding <padding>', 'valid, same, a number, 1,2 or before:after pairs (default valid)', (v) => parsePadding(v))
    .option('--causal-axis <axis>', 'with --padding causal: the axis that is time (0 or 1)', (v) => parseInteger(v, '--causal-axis'))
    .addHelpText('after', '\nExamples:\n  atrous explain\n  atrous explain --input 7x7 --kernel 3x3 --dilation 2 --stride 1 --padding same')
    .action((o: ExplainOptions) => {
      process.stdout.write(explainText(o));
    });
}
