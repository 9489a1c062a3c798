import { TCN, TCNRegressor, TemporalBlock } from '../models/tcn.js';
import { type CellContext, registerStreamCell, type StreamCell } from './cell.js';
import { chainCell } from './cells.js';
import { CausalConvCell } from './conv-cell.js';

/**
 * Streaming cells of the TCN family (src/models/tcn.ts). Each mirrors its module's forward, built
 * from the cells of the module's own children, so their checks (causal padding, eval mode) apply.
 */

/**
 * relu(conv2 ∘ relu ∘ conv1 (x) + shortcut(x)), dropouts the identity in eval mode; each conv's
 * ReLU is fused into it (its cell applies it).
 */
function temporalBlockCell(b: TemporalBlock, ctx: CellContext): StreamCell {
  const main = chainCell([
    { name: 'conv1', cell: ctx.child(b.conv1, 'conv1') },
    { name: 'drop1', cell: ctx.child(b.drop1, 'drop1') },
    { name: 'conv2', cell: ctx.child(b.conv2, 'conv2') },
    { name: 'drop2', cell: ctx.child(b.drop2, 'drop2') },
  ], ctx);
  const shortcut = b.downsample === null ? null : ctx.child(b.downsample, 'downsample');
  const inC = b.conv1.inChannels;
  const outC = b.conv2.outChannels;
  if (shortcut === null && inC !== outC) ctx.fail(`the residual adds ${inC} input channels to ${outC} output channels without a downsample conv`);
  let h = new Float64Array(0);
  let s = new Float64Array(0);
  let size = 0;
  return {
    inChannels: inC,
    outChannels: outC,
    bind: (n, c) => {
      const out = main.bind(n, c);
      shortcut?.bind(n, c);
      size = n * out;
      h = new Float64Array(size);
      s = new Float64Array(size);
      return out;
    },
    step: (x, y) => {
      main.step(x, h);
      let r = x;
      if (shortcut !== null) {
        shortcut.step(x, s);
        r = s;
      }
      for (let i = 0; i < size; i++) {
        const v = h[i] + r[i];
        y[i] = v * +(v > 0) + 0;
      }
    },
    lines: () => [...main.lines(), ...(shortcut?.lines() ?? [])],
  };
}

function tcnCell(t: TCN, ctx: CellContext): StreamCell {
  return chainCell(t.blocks.map((b, i) => ({ name: `blocks.${i}`, cell: ctx.child(b, `blocks.${i}`) })), ctx);
}

/**
 * The TCN, then the linear head on every step: output t is what `forward` returns for the input
 * cut after step t (the regressor reads the last step).
 */
function tcnRegressorCell(m: TCNRegressor, ctx: CellContext): StreamCell {
  const { linear } = m;
  const head = new CausalConvCell(ctx.path === '' ? 'linear' : `${ctx.path}.linear`, {
    inChannels: linear.inFeatures, outChannels: linear.outFeatures, kernel: 1, dilation: 1, groups: 1,
    weight: linear.weight.data, bias: linear.bias === null ? null : linear.bias.data, // [out, in] is [out, in, 1]
  }, ctx.backend);
  return chainCell([{ name: 'tcn', cell: ctx.child(m.tcn, 'tcn') }, { name: 'linear', cell: head }], ctx);
}

registerStreamCell(TemporalBlock, temporalBlockCell);
registerStreamCell(TCN, tcnCell);
registerStreamCell(TCNRegressor, tcnRegressorCell);
