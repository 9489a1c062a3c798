import { AtrousError, fmtShape } from '../errors.js';
import { Conv1d } from '../nn/conv.js';
import { normal_ } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { add, mul } from '../ops/elementwise.js';
import { embedding } from '../ops/embedding.js';
import { split } from '../ops/shape-ops.js';
import { relu, sigmoid, tanh } from '../ops/unary.js';
import { checkPositive } from '../shape/params.js';
import { permute } from '../tensor/permute.js';
import type { Rng } from '../tensor/random.js';
import { type DType, Tensor, zeros } from '../tensor/tensor.js';

/** How a WaveNet reads its input. */
export type WaveNetInput =
  /** Class indices (μ-law codes), one-hot encoded to `classes` channels before the input conv. */
  | 'one-hot'
  /** Class indices looked up in a learned `[classes, embeddingDim]` table. */
  | 'embedding'
  /** Real values `[N, inputChannels, T]` (raw samples, features), no lookup. */
  | 'real';

/** Options of `WaveNet`. */
export interface WaveNetOptions {
  /** R: channels of the residual stream. Default 32. */
  residualChannels?: number;
  /** S: channels of the skip connections and of the head's hidden layer. Default 128. */
  skipChannels?: number;
  /** Output channels (logits per step); also the input alphabet for class input. Default 256 (8-bit μ-law). */
  classes?: number;
  /** Residual layers per cycle; dilations 1, 2, ..., 2^(layersPerCycle−1). Default 10 (1..512). */
  layersPerCycle?: number;
  /** How often the dilation cycle repeats. Default 3. */
  cycles?: number;
  /** Taps of each dilated conv. Default 2, as the paper. */
  kernelSize?: number;
  /** Default 'one-hot'. */
  input?: WaveNetInput;
  /** With input 'real': channels of the input. Default 1. */
  inputChannels?: number;
  /** With input 'embedding': width of the learned table. Default residualChannels. */
  embeddingDim?: number;
  generator?: Rng;
  dtype?: DType;
}

/** A learned lookup table `weight [classes, dim]` (state key `embedding.weight`, as `nn.Embedding`). */
export class ClassEmbedding extends Module {
  weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly dim: number, generator?: Rng, dtype?: DType) {
    super();
    this.weight = normal_(zeros([numEmbeddings, dim], dtype), 0, 1, { generator }).requiresGrad_(); // PyTorch's N(0, 1)
  }

  /** indices `[N, T]` → `[N, dim, T]` (channels first, for the convs). */
  forward(indices: Tensor): Tensor {
    return permute(embedding(indices, this.weight), [0, 2, 1]);
  }
}

/**
 * One gated residual layer: a dilated causal conv to 2R channels, split into filter and gate,
 * `z = tanh(filter)·σ(gate)`; a 1x1 conv of z is added to the input (residual) and another is the
 * layer's skip output.
 */
export class WaveNetLayer extends Module {
  dilated: Conv1d;
  residual: Conv1d;
  skip: Conv1d;

  constructor(readonly residualChannels: number, skipChannels: number, readonly dilation: number, kernelSize: number, generator?: Rng, dtype?: DType) {
    super();
    const R = residualChannels;
    this.dilated = new Conv1d(R, 2 * R, kernelSize, { dilation, padding: 'causal', generator, dtype });
    this.residual = new Conv1d(R, R, 1, { generator, dtype });
    this.skip = new Conv1d(R, skipChannels, 1, { generator, dtype });
  }

  /** `[N, R, T]` → the residual output `[N, R, T]` and the skip output `[N, S, T]`. */
  run(h: Tensor): { out: Tensor; skip: Tensor } {
    const [filter, gate] = split(this.dilated.forward(h), 2, 1);
    const z = mul(tanh(filter), sigmoid(gate));
    return { out: add(h, this.residual.forward(z)), skip: this.skip.forward(z) };
  }

  forward(h: Tensor): Tensor {
    return this.run(h).out;
  }
}

/**
 * A WaveNet-style stack (van den Oord et al. 2016, "WaveNet: a generative model for raw audio"):
 * a causal input conv (kernel 2) to R channels, then gated residual layers with dilations 1, 2, ...,
 * 2^(L−1) repeated `cycles` times, the layers' skip outputs summed, and the head
 * relu → 1x1 (S→S) → relu → 1x1 (S→classes). Output t sees inputs ≤ t only, so the logits at t
 * predict sample t+1. `[N, T]` (or `[N, 1, T]`) class indices, or `[N, inputChannels, T]` real
 * values → `[N, classes, T]` logits.
 *
 * Receptive field: `2 + cycles·(k−1)·(2^L − 1)` steps (3071 for the paper's 3 cycles of 1..512).
 * Parameters, with Cin = classes (one-hot), embeddingDim or inputChannels, E the embedding table:
 * `classes·E (embedding only) + 2·Cin·R + R + cycles·L·(2kR² + 2R + R² + R + RS + S) + S² + S + S·classes + classes`.
 * The last layer's residual conv feeds nothing (only its skip is used); it is kept, as in common
 * implementations, so checkpoints line up, and its gradient is zero.
 * Stream it one sample at a time with `stream(model)` (src/stream).
 * @example const net = new WaveNet({ residualChannels: 64, skipChannels: 64, cycles: 3 }); net.receptiveField // 3071
 */
export class WaveNet extends Module {
  embedding: ClassEmbedding | null;
  input: Conv1d;
  layers: WaveNetLayer[];
  head1: Conv1d;
  head2: Conv1d;
  readonly residualChannels: number;
  readonly skipChannels: number;
  readonly classes: number;
  readonly layersPerCycle: number;
  readonly cycles: number;
  readonly kernelSize: number;
  readonly inputMode: WaveNetInput;
  /** Channels the input conv reads: classes (one-hot), embeddingDim or inputChannels. */
  readonly inputChannels: number;

  constructor(opts: WaveNetOptions = {}) {
    super();
    const op = 'WaveNet';
    const R = checkPositive(op, 'residualChannels', opts.residualChannels ?? 32);
    const S = checkPositive(op, 'skipChannels', opts.skipChannels ?? 128);
    const classes = checkPositive(op, 'classes', opts.classes ?? 256);
    const L = checkPositive(op, 'layersPerCycle', opts.layersPerCycle ?? 10);
    const cycles = checkPositive(op, 'cycles', opts.cycles ?? 3);
    const k = checkPositive(op, 'kernelSize', opts.kernelSize ?? 2);
    if (L > 30) throw new AtrousError('bad_argument', `${op}: layersPerCycle ${L} would need dilation 2^${L - 1}; use at most 30`);
    const mode = opts.input ?? 'one-hot';
    if (mode !== 'one-hot' && mode !== 'embedding' && mode !== 'real') {
      throw new AtrousError('bad_argument', `${op}: input must be 'one-hot', 'embedding' or 'real', got ${JSON.stringify(mode)}`);
    }
    const { generator: g, dtype } = opts;
    this.embedding = mode === 'embedding' ? new ClassEmbedding(classes, checkPositive(op, 'embeddingDim', opts.embeddingDim ?? R), g, dtype) : null;
    const cin = mode === 'one-hot' ? classes : mode === 'embedding' ? this.embedding!.dim : checkPositive(op, 'inputChannels', opts.inputChannels ?? 1);
    this.input = new Conv1d(cin, R, 2, { padding: 'causal', generator: g, dtype });
    this.layers = [];
    for (let c = 0; c < cycles; c++) for (let i = 0; i < L; i++) this.layers.push(new WaveNetLayer(R, S, 2 ** i, k, g, dtype));
    this.head1 = new Conv1d(S, S, 1, { generator: g, dtype });
    this.head2 = new Conv1d(S, classes, 1, { generator: g, dtype });
    this.residualChannels = R;
    this.skipChannels = S;
    this.classes = classes;
    this.layersPerCycle = L;
    this.cycles = cycles;
    this.kernelSize = k;
    this.inputMode = mode;
    this.inputChannels = cin;
  }

  /** Steps of input each output sees: 1 + 1 (input conv) + Σ over layers of d·(k−1). */
  get receptiveField(): number {
    return 2 + this.layers.reduce((s, l) => s + l.dilation * (this.kernelSize - 1), 0);
  }

  /** The dilation of each residual layer, in order. */
  get dilations(): number[] {
    return this.layers.map((l) => l.dilation);
  }

  /** The input conv's input `[N, Cin, T]`: one-hot or embedded class indices, or x itself. */
  embed(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new AtrousError('bad_tensor', `WaveNet: x must be a Tensor, got ${x === null ? 'null' : typeof x}`);
    if (this.inputMode === 'real') {
      if (x.rank !== 3 || x.shape[1] !== this.inputChannels) {
        throw new AtrousError(x.rank === 3 ? 'channel_mismatch' : 'rank_mismatch', `WaveNet: expected x [N, ${this.inputChannels}, T], got ${fmtShape(x.shape)}`);
      }
      return x;
    }
    const idx = classIndices(x, this.classes);
    return this.embedding !== null ? this.embedding.forward(idx) : oneHot(idx, this.classes, this.input.parameters()[0].dtype);
  }

  /** The logits `[N, classes, T]`. */
  forward(x: Tensor): Tensor {
    let h = this.input.forward(this.embed(x));
    let skips: Tensor | null = null;
    for (const layer of this.layers) {
      const r = layer.run(h);
      h = r.out;
      skips = skips === null ? r.skip : add(skips, r.skip);
    }
    return this.head2.forward(relu(this.head1.forward(relu(skips!))));
  }

  override extraRepr(): string {
    return `residual=${this.residualChannels}, skip=${this.skipChannels}, classes=${this.classes}, layers=${this.layersPerCycle}x${this.cycles}, input='${this.inputMode}'`;
  }
}

/** `[N, T]` or `[N, 1, T]` integer class indices → `[N, T]`, each checked to lie in 0..classes−1. */
function classIndices(x: Tensor, classes: number): Tensor {
  if (x.rank !== 2 && !(x.rank === 3 && x.shape[1] === 1)) {
    throw new AtrousError('rank_mismatch', `WaveNet: class input must be indices [N, T] or [N, 1, T], got ${fmtShape(x.shape)}`);
  }
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isInteger(d[i]) || d[i] < 0 || d[i] >= classes) {
      throw new AtrousError('bad_argument', `WaveNet: input value ${d[i]} at flat position ${i} of ${fmtShape(x.shape)} is not a class index in 0..${classes - 1}`);
    }
  }
  return x.rank === 2 ? x : new Tensor(d, [x.shape[0], x.shape[2]]);
}

/** indices `[N, T]` → one-hot `[N, classes, T]` (a constant: indices carry no gradient). */
function oneHot(idx: Tensor, classes: number, dtype: DType): Tensor {
  const [N, T] = idx.shape;
  const out = zeros([N, classes, T], dtype);
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) out.data[(n * classes + idx.data[n * T + t]) * T + t] = 1;
  return out;
}
