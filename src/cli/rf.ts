import type { Command } from 'commander';
import {
  AtrousError,
  type GriddingReport,
  griddingCheck,
  receptiveField,
  receptiveFieldCoverage,
  type RfLayer,
  type RfRow,
} from '../index.js';
import { convPath, MODEL_FAMILIES } from '../models/families.js';
import { indent, jsonObject, num, plural, shortList, table, wrap } from './format.js';
import { atLeastOne, parseInteger, parseList } from './parse.js';

/**
 * `atrous rf`: receptive field of a stack of dilated convs, a map of which inputs one output
 * reads, and whether the schedule grids (leaves inputs unread).
 */

/** Per-layer values are lists with one entry per layer, or a single entry for all layers. */
export interface RfOptions {
  kernel: number[];
  dilations: number[];
  strides?: number[];
  /** Padding on the start side of each layer; it only moves `start`. */
  padBefore?: number[];
  /** Repeat the whole schedule this many times, as WaveNet repeats 1..512. Default 1. */
  cycles?: number;
}

/** Coverage is one array entry per input in the receptive field; past this, skip the map and verdict. */
const MAX_COVERAGE = 1_000_000;
/** The 2D map is drawn up to this many inputs a side. */
const MAX_MAP_2D = 41;
const MAP_COLUMNS = 64;
/** 1D map rows shown before the middle is elided. */
const MAX_MAP_ROWS = 8;

export interface RfReport {
  layers: RfRow[];
  receptiveField: number;
  /** Input coordinates output 0 reads span `start .. start + receptiveField − 1`. */
  start: number;
  /** Paths from one output to each input offset (0 = never read); null when too large to list. */
  coverage: number[] | null;
  /** Offsets never read, from the exact coverage. */
  holes: number[] | null;
  /** `griddingCheck`'s verdict with the HDC rule; only for stride-1 stacks with one kernel size. */
  gridding: GriddingReport | null;
}

function perLayer(v: number[] | undefined, n: number, flag: string, fallback: number): number[] {
  if (v === undefined) return new Array<number>(n).fill(fallback);
  if (v.length === 1) return new Array<number>(n).fill(v[0]);
  if (v.length !== n) {
    throw new AtrousError('wrong_length', `${flag} has ${v.length} values [${v.join(',')}] but --dilations gives ${n} layers`);
  }
  return v;
}

/** The stack, input side first, with the schedule repeated `cycles` times. */
export function rfLayers(opts: RfOptions): RfLayer[] {
  const n = opts.dilations.length;
  const kernel = perLayer(opts.kernel, n, '--kernel', 1);
  const strides = perLayer(opts.strides, n, '--strides', 1);
  const pads = perLayer(opts.padBefore, n, '--pad-before', 0);
  const one = opts.dilations.map((d, i) => ({ kernel: kernel[i], dilation: d, stride: strides[i], padBefore: pads[i] }));
  return Array.from({ length: atLeastOne(opts.cycles ?? 1, '--cycles') }, () => one).flat();
}

/** @example rfReport({ kernel: [3], dilations: [2, 4, 8] }).holes // [1, 3, 5, ..., 27] */
export function rfReport(opts: RfOptions): RfReport {
  const layers = rfLayers(opts);
  const rows = receptiveField(layers);
  const last = rows[rows.length - 1];
  const small = last.receptiveField <= MAX_COVERAGE;
  const coverage = small ? receptiveFieldCoverage(layers) : null;
  const holes = coverage === null ? null : coverage.flatMap((c, i) => (c === 0 ? [i] : []));
  const uniform = layers.every((l) => l.kernel === layers[0].kernel);
  const strided = layers.some((l) => l.stride !== 1);
  const gridding = small && uniform && !strided ? griddingCheck(layers[0].kernel, layers.map((l) => l.dilation ?? 1)) : null;
  return { layers: rows, receptiveField: last.receptiveField, start: last.start, coverage, holes, gridding };
}

function layerTable(rows: RfRow[]): string[] {
  return table(
    ['layer', 'kernel', 'dilation', 'stride', 'effective kernel', 'receptive field', 'jump', 'start'],
    rows.map((r) => [r.layer, r.kernel, r.dilation, r.stride, r.effectiveKernel, r.receptiveField, r.jump, r.start]),
  );
}

/** One row of `#` (read) and `.` (never read), wrapped, each line led by its first input coordinate. */
function map1d(coverage: number[], start: number): string[] {
  const marks = coverage.map((c) => (c > 0 ? '#' : '.')).join('');
  const lines: string[] = [];
  const labelWidth = Math.max(num(start).length, num(start + coverage.length - 1).length);
  for (let i = 0; i < marks.length; i += MAP_COLUMNS) {
    lines.push(`${num(start + i).padStart(labelWidth)}  ${marks.slice(i, i + MAP_COLUMNS)}`);
  }
  if (lines.length <= MAX_MAP_ROWS) return lines;
  const head = lines.slice(0, MAX_MAP_ROWS - 2);
  const tail = lines.slice(-1);
  return [...head, `${'⋮'.padStart(labelWidth)}  (${lines.length - head.length - tail.length} more rows)`, ...tail];
}

/** Square kernels with the same dilations: (i, j) is read iff offsets i and j both are. */
function map2d(coverage: number[]): string[] {
  const read = coverage.map((c) => c > 0);
  const sep = coverage.length <= 36 ? ' ' : '';
  return read.map((ri) => read.map((rj) => (ri && rj ? '#' : '.')).join(sep));
}

function verdict(r: RfReport): string[] {
  if (r.holes === null) {
    return [`Receptive field ${r.receptiveField} is too large to map (limit ${MAX_COVERAGE}); no gridding check.`];
  }
  const n = r.receptiveField;
  if (r.holes.length === 0) return [`Gridding: none. One output reads all ${n} inputs of its receptive field.`, ...why(r)];
  return [
    `Gridding: yes. ${r.holes.length} of the ${n} inputs in the receptive field are never read,`,
    `  at offsets ${shortList(r.holes)}`,
    ...why(r),
  ];
}

function why(r: RfReport): string[] {
  if (r.gridding === null) {
    return indent(wrap('HDC assumes stride 1 and one kernel size, so it is left out; the verdict comes from the exact coverage.', 74));
  }
  // The library words the explanation from the exact verdict, HDC only where it applies.
  return indent(wrap(r.gridding.hdc.explanation, 74));
}

/**
 * The report as text: layer table, coverage maps, gridding verdict.
 * @example rfText({ kernel: [3], dilations: [1, 2, 5] }) // "... Gridding: none ..."
 */
export function rfText(opts: RfOptions): string {
  const r = rfReport(opts);
  const layers = r.layers;
  const uniform = layers.every((l) => l.kernel === layers[0].kernel);
  const kernels = uniform ? String(layers[0].kernel) : opts.kernel.join(',');
  const cycles = (opts.cycles ?? 1) > 1 ? `, ${opts.cycles} cycles` : '';
  const lines = [
    `Receptive field of ${plural(layers.length, 'layer')} (kernel ${kernels}, dilations ${opts.dilations.join(',')}${cycles}): ${r.receptiveField} inputs`,
    '',
    ...layerTable(layers),
    '',
  ];
  if (r.coverage !== null) {
    const end = r.start + r.receptiveField - 1;
    lines.push(`Inputs ${num(r.start)}..${num(end)} seen by output 0 (# read, . never read)`, ...indent(map1d(r.coverage, r.start)), '');
    if (r.receptiveField <= MAX_MAP_2D) {
      const k = uniform ? `a ${kernels}x${kernels} kernel` : 'square kernels';
      lines.push(`In 2D, ${k} with the same dilations (${r.receptiveField}x${r.receptiveField})`, ...indent(map2d(r.coverage)), '');
    }
  }
  lines.push(...verdict(r));
  return `${lines.join('\n')}\n`;
}

/** The report as one JSON object (coverage counts included). */
export function rfJson(opts: RfOptions): string {
  return jsonObject(rfReport(opts));
}

/** The stack of a model family, for `--model`: its conv path as per-layer lists. */
export function modelRf(name: string): { header: string[]; opts: RfOptions } {
  const family = MODEL_FAMILIES[name];
  if (!family) throw new AtrousError('bad_argument', `rf: unknown model '${name}'; available: ${Object.keys(MODEL_FAMILIES).join(', ')}`);
  const model = family.build();
  const layers = family.rfLayers ? family.rfLayers(model) : convPath(model);
  const header = [
    `Model ${name}: ${family.title}`,
    `  after ${family.source}`,
    `  ${num(model.numParameters())} parameters; ${plural(layers.length, 'conv')} on the path below (1x1 convs neither widen nor subsample, so they are left out)`,
    '',
  ];
  return {
    header,
    opts: { kernel: layers.map((l) => l.kernel), dilations: layers.map((l) => l.dilation ?? 1), strides: layers.map((l) => l.stride ?? 1) },
  };
}

export function registerRf(program: Command): void {
  program
    .command('rf')
    .description('receptive field, coverage map and gridding check of a stack of dilated convs, or of a model family')
    .option('--model <name>', `a model family instead of --kernel/--dilations: ${Object.keys(MODEL_FAMILIES).join(', ')}`)
    .option('--kernel <k>', 'kernel size of every layer, or one per layer: 3 or 3,3,5', (v) => parseList(v, '--kernel'))
    .option('--dilations <list>', 'one dilation per layer: 1,2,4,8', (v) => parseList(v, '--dilations'))
    .option('--strides <list>', 'one stride per layer (default all 1)', (v) => parseList(v, '--strides'))
    .option('--pad-before <list>', 'start-side padding per layer; shifts the start column', (v) => parseList(v, '--pad-before'))
    .option('--cycles <n>', 'repeat the schedule n times, as WaveNet does', (v) => parseInteger(v, '--cycles'))
    .option('--json', 'print one JSON object')
    .addHelpText('after', [
      '',
      'Examples:',
      '  atrous rf --kernel 3 --dilations 1,2,5      covers every input (HDC)',
      '  atrous rf --kernel 3 --dilations 2,4,8      grids: odd offsets are never read',
      '  atrous rf --kernel 2 --dilations 1,2,4,8,16,32,64,128,256,512 --cycles 3',
      '  atrous rf --model tcn                        a model family: parameters and receptive field',
    ].join('\n'))
    .action((o: Partial<RfOptions> & { json?: boolean; model?: string }) => {
      if (o.model !== undefined) {
        if (o.kernel !== undefined || o.dilations !== undefined) throw new AtrousError('bad_argument', 'rf: give either --model or --kernel/--dilations, not both');
        const { header, opts } = modelRf(o.model);
        process.stdout.write(o.json ? rfJson(opts) : `${header.join('\n')}\n${rfText(opts)}`);
        return;
      }
      if (o.kernel === undefined || o.dilations === undefined) {
        throw new AtrousError('bad_argument', 'rf: needs --kernel and --dilations (or --model <name>)');
      }
      const opts = o as RfOptions;
      process.stdout.write(o.json ? rfJson(opts) : rfText(opts));
    });
}
