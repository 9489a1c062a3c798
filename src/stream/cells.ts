import { GELU, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh } from '../nn/activation.js';
import { Conv1d, Conv2d, Conv3d } from '../nn/conv.js';
import { Dropout, Dropout1d, Dropout2d, Dropout3d } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm } from '../nn/norm.js';
import { Sequential } from '../nn/sequential.js';
import { erf, stableSigmoid } from '../ops/unary.js';
import { AtrousError } from '../errors.js';
import { type CellContext, registerStreamCell, type StreamCell } from './cell.js';
import { conv1dCell } from './conv-cell.js';
import type { DelayLine } from './delay-line.js';

/**
 * The streaming cells of the library's layers, registered in one table (module class → factory)
 * when this file loads. Layers that act on one time step at a time become pointwise or per-channel
 * cells; the ones whose output at t depends on later steps are registered too, with the reason
 * they cannot stream, so the error says why rather than "unknown".
 */

/** A cell applying `f` to every value of the frame (activations); any channel count. */
export function pointwiseCell(f: (v: number) => number): StreamCell {
  let size = 0;
  return {
    inChannels: null,
    outChannels: null,
    bind: (n, c) => {
      size = n * c;
      return c;
    },
    step: (x, y) => {
      for (let i = 0; i < size; i++) y[i] = f(x[i]);
    },
    lines: () => [],
  };
}

export const identityCell = (): StreamCell => pointwiseCell((v) => v);
export const reluCell = (): StreamCell => pointwiseCell((v) => v * +(v > 0) + 0);

/** `y = scale[c]·x + shift[c]` per channel (an eval-mode batch norm). */
function affineCell(scale: Float64Array, shift: Float64Array): StreamCell {
  const C = scale.length;
  let n = 0;
  return {
    inChannels: C,
    outChannels: C,
    bind: (batch, c) => {
      if (c !== C) throw new AtrousError('channel_mismatch', `stream: a batch norm over ${C} channels got ${c}`);
      n = batch;
      return C;
    },
    step: (x, y) => {
      for (let s = 0; s < n; s++) for (let c = 0; c < C; c++) y[s * C + c] = x[s * C + c] * scale[c] + shift[c];
    },
    lines: () => [],
  };
}

/** A named part of a chain, for error messages. */
export interface ChainItem {
  name: string;
  cell: StreamCell;
}

/**
 * Cells one after another (a Sequential, a block's main path). Channel counts are checked here, at
 * stream() time, where they are known.
 */
export function chainCell(items: readonly ChainItem[], ctx: CellContext): StreamCell {
  let c: number | null = null;
  let inChannels: number | null = null;
  let from = 'the input';
  for (const { name, cell } of items) {
    if (cell.inChannels !== null) {
      if (c === null) inChannels ??= cell.inChannels;
      else if (c !== cell.inChannels) ctx.fail(`${name} takes ${cell.inChannels} channels, but ${from} gives ${c}`);
    }
    c = cell.outChannels ?? c ?? cell.inChannels;
    if (cell.outChannels !== null || cell.inChannels !== null) from = name;
  }
  const cells = items.map((i) => i.cell);
  const bufs: Float64Array[] = [];
  return {
    inChannels,
    outChannels: c,
    bind: (n, ch) => {
      bufs.length = 0;
      let cur = ch;
      cells.forEach((cell, i) => {
        cur = cell.bind(n, cur);
        if (i < cells.length - 1) bufs.push(new Float64Array(n * cur));
      });
      return cur;
    },
    step: (x, y) => {
      let src = x;
      for (let i = 0; i < cells.length - 1; i++) {
        cells[i].step(src, bufs[i]);
        src = bufs[i];
      }
      if (cells.length === 0) y.set(src.subarray(0, y.length));
      else cells[cells.length - 1].step(src, y);
    },
    lines: () => cells.flatMap((cell): DelayLine[] => cell.lines()),
  };
}

/** The children of a module as chain items, each through the table. */
export const childItems = (m: Module, ctx: CellContext): ChainItem[] => [...m.namedChildren()].map(([name, child]) => ({ name, cell: ctx.child(child, name) }));

function dropoutCell(m: Dropout | Dropout1d, ctx: CellContext): StreamCell {
  if (m.training && m.p > 0) ctx.fail(`${m.constructor.name} is in training mode; call model.eval() before stream() (streaming runs the eval-mode network, where dropout is the identity)`);
  return identityCell();
}

function batchNormCell(m: BatchNorm1d, ctx: CellContext): StreamCell {
  if (m.training) ctx.fail('BatchNorm1d is in training mode (statistics of the whole batch and sequence); call model.eval() before stream()');
  const rm = m.runningMean;
  const rv = m.runningVar;
  if (rm === null || rv === null) ctx.fail('BatchNorm1d has no running statistics (trackRunningStats: false), so even in eval mode it normalises over the whole sequence, which is not causal');
  const C = m.numFeatures;
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = (m.weight === null ? 1 : m.weight.data[c]) / Math.sqrt(rv.data[c] + m.eps);
    shift[c] = (m.bias === null ? 0 : m.bias.data[c]) - rm.data[c] * scale[c];
  }
  return affineCell(scale, shift);
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluCell(m: GELU): StreamCell {
  if (m.opts.approximate === 'tanh') return pointwiseCell((v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
  return pointwiseCell((v) => 0.5 * v * (1 + erf(v * SQRT1_2)));
}

function softplusCell(m: Softplus): StreamCell {
  const { beta: b, threshold: t } = m;
  return pointwiseCell((v) => (v * b > t ? v : Math.log1p(Math.exp(v * b)) / b));
}

const refuse = (reason: string) => (_m: Module, ctx: CellContext): StreamCell => ctx.fail(reason);

// A Conv1d with a fused ReLU streams as its conv, then ReLU.
registerStreamCell(Conv1d, (m, ctx) =>
  m.activation === 'relu' ? chainCell([{ name: 'conv', cell: conv1dCell(m, ctx) }, { name: 'relu', cell: reluCell() }], ctx) : conv1dCell(m, ctx));
registerStreamCell(Sequential, (m, ctx) => chainCell(childItems(m, ctx), ctx));
registerStreamCell(ReLU, () => reluCell());
registerStreamCell(LeakyReLU, (m) => {
  const s = m.slope;
  return pointwiseCell((v) => (v > 0 ? v : s * v));
});
registerStreamCell(Tanh, () => pointwiseCell(Math.tanh));
registerStreamCell(Sigmoid, () => pointwiseCell(stableSigmoid));
registerStreamCell(GELU, geluCell);
registerStreamCell(Softplus, softplusCell);
registerStreamCell(Identity, () => identityCell());
registerStreamCell(Dropout, dropoutCell);
registerStreamCell(Dropout1d, dropoutCell);
registerStreamCell(BatchNorm1d, batchNormCell);

registerStreamCell(Conv2d, refuse('Conv2d is not a 1D conv; streaming runs along one time axis'));
registerStreamCell(Conv3d, refuse('Conv3d is not a 1D conv; streaming runs along one time axis'));
registerStreamCell(Linear, refuse('Linear acts on the last axis, which is time in [N, C, T]; for a per-step linear map use a 1x1 Conv1d'));
registerStreamCell(LayerNorm, refuse('LayerNorm normalises over the trailing axes, which include time in [N, C, T], so it is not causal'));
registerStreamCell(GroupNorm, refuse('GroupNorm normalises each group over the whole sequence, so it is not causal'));
registerStreamCell(BatchNorm2d, refuse('BatchNorm2d expects images [N, C, H, W]; a sequence [N, C, T] takes BatchNorm1d'));
registerStreamCell(BatchNorm3d, refuse('BatchNorm3d expects volumes [N, C, D, H, W]; a sequence [N, C, T] takes BatchNorm1d'));
registerStreamCell(Dropout2d, refuse('Dropout2d expects images [N, C, H, W]; a sequence [N, C, T] takes Dropout1d'));
registerStreamCell(Dropout3d, refuse('Dropout3d expects volumes; a sequence [N, C, T] takes Dropout1d'));
