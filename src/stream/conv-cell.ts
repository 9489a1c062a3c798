import { noGrad } from '../autograd/grad-mode.js';
import { AtrousError } from '../errors.js';
import type { Conv1d } from '../nn/conv.js';
import { resolvePadding } from '../shape/padding.js';
import type { TypedData } from '../tensor/tensor.js';
import type { CellContext, StreamCell } from './cell.js';
import { DelayLine } from './delay-line.js';
import type { Dense, DenseBackend } from './kernels.js';

/** A conv's geometry as the streaming cell needs it. */
export interface CausalConvSpec {
  inChannels: number;
  outChannels: number;
  kernel: number;
  dilation: number;
  groups: number;
  /** PyTorch's layout `[Cout, Cin/groups, k]`. */
  weight: TypedData;
  bias: TypedData | null;
}

/**
 * A causal conv, one step at a time: output t = bias + Σ_j W[:, :, j]·x(t − (k−1−j)·d). The last
 * d·(k−1) inputs wait in a `DelayLine`; each group's weights become one `Dense` of
 * `[Cout/groups, k·Cin/groups]` (tap-major columns), so a step gathers the k input frames into the
 * Dense's input and runs one matrix-vector product per group.
 */
export class CausalConvCell implements StreamCell {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly dilation: number;
  readonly groups: number;
  readonly line: DelayLine | null;
  readonly path: string;
  readonly #dense: Dense[];
  #n = 0;

  constructor(path: string, spec: CausalConvSpec, backend: DenseBackend) {
    const { inChannels: C, outChannels: O, kernel: k, dilation: d, groups: g } = spec;
    this.path = path;
    this.inChannels = C;
    this.outChannels = O;
    this.kernel = k;
    this.dilation = d;
    this.groups = g;
    const ig = C / g;
    const og = O / g;
    const src = spec.weight;
    this.#dense = Array.from({ length: g }, (_, grp) => {
      const w = new Float64Array(og * k * ig); // [og, k, ig] from PyTorch's [O, ig, k]
      for (let o = 0; o < og; o++) for (let i = 0; i < ig; i++) for (let j = 0; j < k; j++) w[(o * k + j) * ig + i] = src[((grp * og + o) * ig + i) * k + j];
      return backend.dense(w, spec.bias === null ? null : spec.bias.subarray(grp * og, (grp + 1) * og), og, k * ig);
    });
    this.line = d * (k - 1) > 0 ? new DelayLine(path, C, d * (k - 1)) : null;
  }

  bind(n: number, c: number): number {
    if (c !== this.inChannels) {
      throw new AtrousError('channel_mismatch', `stream: ${this.path || 'the model'}: input has ${c} channels, the conv expects ${this.inChannels}`);
    }
    this.#n = n;
    this.line?.bind(n);
    return this.outChannels;
  }

  step(x: Float64Array, y: Float64Array): void {
    const { inChannels: C, outChannels: O, kernel: k, dilation: d, groups: g, line } = this;
    const ig = (C / g) | 0;
    const og = (O / g) | 0;
    const ring = line === null ? x : line.data;
    for (let s = 0; s < this.#n; s++) {
      for (let grp = 0; grp < g; grp++) {
        const dense = this.#dense[grp];
        const input = dense.input;
        // Plain copies rather than set(subarray()): no view objects per step.
        for (let j = 0; j < k; j++) {
          const src = j === k - 1 ? x : ring;
          const from = (j === k - 1 ? 0 : line!.slot(j * d)) + s * C + grp * ig;
          const to = j * ig;
          for (let i = 0; i < ig; i++) input[to + i] = src[from + i];
        }
        dense.run();
        const output = dense.output;
        const to = s * O + grp * og;
        for (let o = 0; o < og; o++) y[to + o] = output[o];
      }
    }
    line?.push(x, 0);
  }

  lines(): DelayLine[] {
    return this.line === null ? [] : [this.line];
  }
}

/** Throws, naming the path, unless the Conv1d can stream: 1D, stride 1, padding all d·(k−1) on the left. */
export function checkCausalConv(conv: Conv1d, ctx: CellContext): void {
  if (conv.nd !== 1) ctx.fail(`Conv${conv.nd}d is not a 1D conv; streaming runs along one time axis`);
  const k = conv.kernelSize[0];
  const d = conv.dilation[0];
  if (conv.stride[0] !== 1) ctx.fail(`stride ${conv.stride[0]} changes the frame rate; a streamed conv needs stride 1`);
  const need = d * (k - 1);
  const show = typeof conv.padding === 'string' ? `'${conv.padding}'` : JSON.stringify(conv.padding);
  let pads: [number, number];
  try {
    // At stride 1 'same' pads d·(k−1) in total whatever the length, so any length shows the split.
    pads = resolvePadding('Conv1d', conv.padding, { inSize: [need + 1], kernel: [k], stride: [1], dilation: [d] })[0];
  } catch (e) {
    ctx.fail(`padding ${show} is invalid (${(e as Error).message})`);
  }
  if (pads[0] !== need || pads[1] !== 0) {
    ctx.fail(`padding ${show} is not causal (it pads ${pads[0]} before and ${pads[1]} after; a streamed conv with kernel ${k} and dilation ${d} needs ${need} before and 0 after: padding 'causal')`);
  }
}

/** The weight a Conv1d uses now (weight norm applied), unrecorded. */
export const convWeight = (conv: Conv1d): TypedData => noGrad(() => conv.computeWeight()).data;

/**
 * The cell of a `Conv1d`, after checking it is causal: 1D, stride 1, and padding that puts all
 * d·(k−1) on the left ('causal', or numbers that amount to it; a 1x1 conv with no padding).
 */
export function conv1dCell(conv: Conv1d, ctx: CellContext): CausalConvCell {
  checkCausalConv(conv, ctx);
  return new CausalConvCell(ctx.path, {
    inChannels: conv.inChannels, outChannels: conv.outChannels, kernel: conv.kernelSize[0], dilation: conv.dilation[0], groups: conv.groups,
    weight: convWeight(conv), bias: conv.bias === null ? null : conv.bias.data,
  }, ctx.backend);
}
