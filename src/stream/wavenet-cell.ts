import { AtrousError } from '../errors.js';
import { WaveNet } from '../models/wavenet.js';
import type { Conv1d } from '../nn/conv.js';
import { stableSigmoid } from '../ops/unary.js';
import { type CellContext, registerStreamCell, type StreamCell } from './cell.js';
import { CausalConvCell, checkCausalConv, convWeight } from './conv-cell.js';
import { DelayLine } from './delay-line.js';

/**
 * WaveNet, one sample at a time (Fast WaveNet, Paine et al. 2016): each dilated conv keeps a queue
 * of its last d·(k−1) inputs, so a step costs one gated matrix-vector product per layer instead of
 * a pass over the whole receptive field. Per layer the residual and skip 1x1 convs are fused into
 * one `[R + S, R]` product; the gate and both sums are done in place.
 */

/** The conv cell of `conv` at `name`, through the table (so its causality is checked). */
function convCell(conv: Conv1d, name: string, ctx: CellContext): CausalConvCell {
  const cell = ctx.child(conv, name);
  if (!(cell instanceof CausalConvCell)) return ctx.at(name).fail("the WaveNet cell needs the library's own Conv1d cell");
  return cell;
}

/**
 * The input conv on one-hot class indices: out = b + Σ_j W[:, c(t − (k−1−j)·d), j], a lookup of
 * weight columns instead of a product with a mostly-zero vector. Its history holds the last
 * d·(k−1) class indices, −1 for "before the start" (the zero padding).
 */
class OneHotConvCell {
  readonly line: DelayLine | null;
  /** `[k, classes, R]`: the column of class c at tap j is contiguous. */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
  readonly R: number;
  readonly k: number;
  readonly d: number;
  n = 0;

  constructor(path: string, conv: Conv1d, readonly classes: number) {
    const k = conv.kernelSize[0];
    const d = conv.dilation[0];
    const R = conv.outChannels;
    const src = convWeight(conv); // [R, classes, k]
    this.w = new Float64Array(k * classes * R);
    for (let o = 0; o < R; o++) for (let c = 0; c < classes; c++) for (let j = 0; j < k; j++) this.w[(j * classes + c) * R + o] = src[(o * classes + c) * k + j];
    this.b = conv.bias === null ? null : Float64Array.from(conv.bias.data);
    this.R = R;
    const check = (v: number) => (Number.isInteger(v) && v >= -1 && v < classes ? null : `not a class index in 0..${classes - 1} (or −1 for before the start)`);
    this.line = d * (k - 1) > 0 ? new DelayLine(path, 1, d * (k - 1), -1, check) : null;
    this.k = k;
    this.d = d;
  }

  bind(n: number): void {
    this.n = n;
    this.line?.bind(n);
  }

  step(x: Float64Array, y: Float64Array): void {
    const { R, w, b, k, d, line, classes } = this;
    for (let s = 0; s < this.n; s++) {
      for (let o = 0; o < R; o++) y[s * R + o] = b === null ? 0 : b[o];
      for (let j = 0; j < k; j++) {
        const c = j === k - 1 ? x[s] : line!.data[line!.slot(j * d) + s];
        if (c < 0) continue;
        const off = (j * classes + c) * R;
        for (let o = 0; o < R; o++) y[s * R + o] += w[off + o];
      }
    }
    line?.push(x, 0);
  }
}

function wavenetCell(m: WaveNet, ctx: CellContext): StreamCell {
  const R = m.residualChannels;
  const S = m.skipChannels;
  const classes = m.classes;
  const R2 = 2 * R;
  const mode = m.inputMode;
  if (mode === 'one-hot') checkCausalConv(m.input, ctx.at('input'));
  const oneHot = mode === 'one-hot' ? new OneHotConvCell(ctx.at('input').path, m.input, classes) : null;
  const inputConv = oneHot === null ? convCell(m.input, 'input', ctx) : null;
  const table = m.embedding === null ? null : m.embedding.weight.data.slice(); // a snapshot, as the packed weights
  const E = m.embedding === null ? 0 : m.embedding.dim;
  const layers = m.layers.map((layer, i) => {
    const dilated = convCell(layer.dilated, `layers.${i}.dilated`, ctx);
    for (const part of ['residual', 'skip'] as const) {
      const conv = layer[part];
      const at = ctx.at(`layers.${i}.${part}`);
      checkCausalConv(conv, at);
      if (conv.kernelSize[0] !== 1 || conv.groups !== 1 || conv.inChannels !== R) at.fail(`must be a 1x1 conv from ${R} channels`);
    }
    // 1x1 weights [Cout, R, 1] are row-major [Cout, R]: stacking the rows fuses the two products.
    const w = new Float64Array((R + S) * R);
    w.set(convWeight(layer.residual), 0);
    w.set(convWeight(layer.skip), R * R);
    const b = new Float64Array(R + S);
    if (layer.residual.bias !== null) b.set(layer.residual.bias.data, 0);
    if (layer.skip.bias !== null) b.set(layer.skip.bias.data, R);
    return { dilated, rs: ctx.backend.dense(w, b, R + S, R) };
  });
  const head1 = convCell(m.head1, 'head1', ctx);
  const head2 = convCell(m.head2, 'head2', ctx);
  const inC = mode === 'real' ? m.inputChannels : 1;
  let n = 0;
  let h = new Float64Array(0);
  let a = new Float64Array(0);
  let skips = new Float64Array(0);
  let hid = new Float64Array(0);
  let emb = new Float64Array(0);

  const checkClasses = (x: Float64Array) => {
    for (let s = 0; s < n; s++) {
      const v = x[s];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new AtrousError('bad_argument', `stream: ${ctx.path || 'the model (WaveNet)'}: input ${v} of sample ${s} is not a class index in 0..${classes - 1}`);
      }
    }
  };

  return {
    inChannels: inC,
    outChannels: classes,
    bind: (batch, c) => {
      if (c !== inC) throw new AtrousError('channel_mismatch', `stream: WaveNet with input '${mode}' takes frames [N, ${inC}], got ${c} channels`);
      n = batch;
      oneHot?.bind(n);
      if (inputConv !== null) inputConv.bind(n, mode === 'embedding' ? E : inC);
      for (const l of layers) l.dilated.bind(n, R);
      head1.bind(n, S);
      head2.bind(n, S);
      h = new Float64Array(n * R);
      a = new Float64Array(n * R2);
      skips = new Float64Array(n * S);
      hid = new Float64Array(n * S);
      emb = new Float64Array(n * E);
      return classes;
    },
    step: (x, y) => {
      if (mode !== 'real') checkClasses(x);
      if (oneHot !== null) oneHot.step(x, h);
      else if (table !== null) {
        for (let s = 0; s < n; s++) for (let e = 0; e < E; e++) emb[s * E + e] = table[x[s] * E + e];
        inputConv!.step(emb, h);
      } else inputConv!.step(x, h);
      skips.fill(0);
      for (const { dilated, rs } of layers) {
        dilated.step(h, a); // queues this layer's input h before h is updated below
        for (let s = 0; s < n; s++) {
          const ao = s * R2;
          const z = rs.input;
          for (let i = 0; i < R; i++) z[i] = Math.tanh(a[ao + i]) * stableSigmoid(a[ao + R + i]);
          rs.run();
          const rsOut = rs.output;
          const ho = s * R;
          for (let i = 0; i < R; i++) h[ho + i] += rsOut[i];
          const so = s * S;
          for (let i = 0; i < S; i++) skips[so + i] += rsOut[R + i];
        }
      }
      for (let i = 0; i < skips.length; i++) skips[i] = skips[i] * +(skips[i] > 0) + 0;
      head1.step(skips, hid);
      for (let i = 0; i < hid.length; i++) hid[i] = hid[i] * +(hid[i] > 0) + 0;
      head2.step(hid, y);
    },
    lines: () => [
      ...(oneHot?.line ? [oneHot.line] : []),
      ...(inputConv?.lines() ?? []),
      ...layers.flatMap((l) => l.dilated.lines()),
    ],
  };
}

registerStreamCell(WaveNet, wavenetCell);
