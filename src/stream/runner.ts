import { AtrousError, fmtShape } from '../errors.js';
import { Module } from '../nn/module.js';
import { type DType, Tensor, type TypedData } from '../tensor/tensor.js';
import { cellFor, type StreamCell } from './cell.js';
import type { DelayLine, StreamStateLine } from './delay-line.js';
import { type DenseBackend, jsBackend } from './kernels.js';
import { wasmBackend } from './wasm-dense.js';
// The cell tables register themselves on load.
import './cells.js';
import './model-cells.js';
import './wavenet-cell.js';

/**
 * A runner's whole memory as plain data (numbers, strings, Float64Arrays), so it survives
 * `structuredClone` and `postMessage`: a worker or an AudioWorklet can own it, save it, hand it on.
 */
export interface StreamState {
  format: 'atrous-stream-state';
  version: 1;
  /** Batch size the histories hold (0 before the first step). */
  batch: number;
  /** Channels of the input frames. */
  channels: number;
  /** Steps taken since the start (or the last reset). */
  steps: number;
  /** One per causal conv with history, in model order. */
  lines: StreamStateLine[];
}

/**
 * Runs a causal network one time step at a time, each step exactly what `model.forward` (in eval
 * mode) gives at that position of the whole sequence, at the cost of one step instead of a pass over
 * the receptive field. Build it with `stream(model)`.
 */
export class StreamRunner {
  readonly #root: StreamCell;
  readonly #dtype: DType;
  #lines: DelayLine[] = [];
  #n = 0;
  #c = 0;
  #outC = 0;
  #steps = 0;
  #x = new Float64Array(0);
  #y = new Float64Array(0);

  /** Which kernel runs the matrix-vector products: 'wasm' (SIMD, float32) or 'js' (plain loops). */
  readonly kernel: 'js' | 'wasm';

  /** Use `stream(model)`. */
  constructor(root: StreamCell, dtype: DType, kernel: 'js' | 'wasm') {
    this.#root = root;
    this.#dtype = dtype;
    this.kernel = kernel;
  }

  /** Channels a frame must have (null: any, for a model of pointwise layers only). */
  get inChannels(): number | null {
    return this.#root.inChannels;
  }

  /** Channels of each output frame (null: same as the input). */
  get outChannels(): number | null {
    return this.#root.outChannels;
  }

  /** Time steps taken since the start or the last `reset()`. */
  get steps(): number {
    return this.#steps;
  }

  /** The batch size the runner holds history for (0 before the first step). */
  get batch(): number {
    return this.#n;
  }

  /** Binds to a batch size and channel count, or checks a frame against the bound ones. */
  #prepare(op: string, n: number, c: number, shape: readonly number[]): void {
    if (n === this.#n && c === this.#c) return;
    if (this.#steps > 0) {
      throw new AtrousError('bad_argument', `${op}: the runner holds history for batch ${this.#n} with ${this.#c} channels; got ${fmtShape(shape)} (call reset() to start a new stream)`);
    }
    if (n < 1) throw new AtrousError('empty_output', `${op}: the batch axis of ${fmtShape(shape)} is empty`);
    if (this.#root.inChannels !== null && c !== this.#root.inChannels) {
      throw new AtrousError('channel_mismatch', `${op}: ${fmtShape(shape)} has ${c} channels; the model takes ${this.#root.inChannels}`);
    }
    this.#outC = this.#root.bind(n, c);
    this.#n = n;
    this.#c = c;
    this.#lines = this.#root.lines();
    this.#x = new Float64Array(n * c);
    this.#y = new Float64Array(n * this.#outC);
  }

  /**
   * One time step: `frame` `[N, C]` → `[N, Cout]`, the model's output at this position.
   * @example const y = runner.step(tensor([[0.5]])) // a 1-channel model, batch 1
   */
  step(frame: Tensor): Tensor {
    if (!(frame instanceof Tensor) || frame.rank !== 2) {
      throw new AtrousError(frame instanceof Tensor ? 'rank_mismatch' : 'bad_tensor', `step: expected a frame [N, C], got ${frame instanceof Tensor ? fmtShape(frame.shape) : String(frame)}`);
    }
    const [n, c] = frame.shape;
    this.#prepare('step', n, c, frame.shape);
    this.#x.set(frame.data);
    this.#root.step(this.#x, this.#y);
    this.#steps++;
    const y = new Tensor(this.#out(this.#y.length), [n, this.#outC]);
    y.data.set(this.#y);
    return y;
  }

  /**
   * One time step on raw arrays, allocating nothing when `out` is given: `x` is `[N, C]` row-major
   * (N fixed by the first step, or by `inChannels` then), `out` receives `[N, Cout]`. For audio
   * callbacks and workers.
   * @example const y = new Float32Array(256); runner.stepInto(Float32Array.of(code), y)
   */
  stepInto(x: TypedData | readonly number[], out?: TypedData): TypedData {
    if (!(x instanceof Float32Array || x instanceof Float64Array || Array.isArray(x))) {
      throw new AtrousError('bad_tensor', 'stepInto: x must be a Float32Array, a Float64Array or a number array');
    }
    let n = this.#n;
    let c = this.#c;
    if (n === 0 || this.#steps === 0) {
      c = this.#root.inChannels ?? this.#c;
      if (c === 0) throw new AtrousError('bad_argument', 'stepInto: this model takes any channel count; take the first step with step() so the runner knows the frame shape');
      n = x.length / c;
      if (!Number.isInteger(n)) throw new AtrousError('bad_argument', `stepInto: ${x.length} values are not whole frames of ${c} channels`);
    }
    if (x.length !== n * c) throw new AtrousError('bad_argument', `stepInto: expected ${n * c} values ([${n}, ${c}]), got ${x.length}`);
    this.#prepare('stepInto', n, c, [n, c]);
    const y = out ?? this.#out(n * this.#outC);
    if (!(y instanceof Float32Array || y instanceof Float64Array) || y.length !== n * this.#outC) {
      throw new AtrousError('bad_tensor', `stepInto: out must be a Float32Array or Float64Array of ${n * this.#outC} values`);
    }
    for (let i = 0; i < x.length; i++) this.#x[i] = x[i];
    this.#root.step(this.#x, this.#y);
    this.#steps++;
    y.set(this.#y);
    return y;
  }

  /**
   * T time steps at once: `chunk` `[N, C, T]` → `[N, Cout, T]`, the same as T calls of `step`.
   * Chunks of any length, one after another, give what `forward` gives on their concatenation.
   * @example runner.push(x1); runner.push(x2) // together: model.forward(concat([x1, x2], 2))
   */
  push(chunk: Tensor): Tensor {
    if (!(chunk instanceof Tensor) || chunk.rank !== 3) {
      throw new AtrousError(chunk instanceof Tensor ? 'rank_mismatch' : 'bad_tensor', `push: expected a chunk [N, C, T], got ${chunk instanceof Tensor ? fmtShape(chunk.shape) : String(chunk)}`);
    }
    const [n, c, T] = chunk.shape;
    if (T < 1) throw new AtrousError('empty_output', `push: chunk ${fmtShape(chunk.shape)} has no time steps`);
    this.#prepare('push', n, c, chunk.shape);
    const O = this.#outC;
    const out = new Tensor(this.#out(n * O * T), [n, O, T]);
    const xs = chunk.data;
    const ys = out.data;
    const x = this.#x;
    const y = this.#y;
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < n * c; i++) x[i] = xs[i * T + t];
      this.#root.step(x, y);
      this.#steps++;
      for (let i = 0; i < n * O; i++) ys[i * T + t] = y[i];
    }
    return out;
  }

  /** Forgets the history: the next step is step 0 of a new sequence (and may change the batch). */
  reset(): void {
    for (const line of this.#lines) line.clear();
    this.#steps = 0;
  }

  /** A copy of the runner's memory, as plain data (see `StreamState`). */
  exportState(): StreamState {
    return {
      format: 'atrous-stream-state', version: 1, batch: this.#n, channels: this.#c, steps: this.#steps,
      lines: this.#lines.map((l) => l.export()),
    };
  }

  /**
   * Continues from an exported state (from this runner or another over the same model structure):
   * the next step is exactly what the exporting runner's next step would have been.
   */
  importState(state: StreamState): void {
    if (state === null || typeof state !== 'object' || state.format !== 'atrous-stream-state' || state.version !== 1) {
      throw new AtrousError('bad_argument', "importState: expected a state from exportState() (format 'atrous-stream-state', version 1)");
    }
    const { batch, channels, steps, lines } = state;
    for (const [k, v] of [['batch', batch], ['channels', channels], ['steps', steps]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new AtrousError('bad_argument', `importState: ${k} must be a non-negative integer, got ${String(v)}`);
    }
    if (!Array.isArray(lines)) throw new AtrousError('bad_argument', 'importState: lines must be an array');
    if (batch === 0) {
      this.reset();
      return;
    }
    // Check everything before changing anything, so a bad state leaves the runner as it was.
    const own = this.#root.lines();
    if (lines.length !== own.length) {
      throw new AtrousError('bad_argument', `importState: the state has ${lines.length} histories, this runner's model ${own.length}; it comes from another model`);
    }
    own.forEach((l, i) => l.validate(lines[i], batch));
    const before = this.#steps;
    this.#steps = 0; // lets #prepare rebind to the state's batch
    try {
      this.#prepare('importState', batch, channels, [batch, channels]);
    } catch (e) {
      this.#steps = before;
      throw e;
    }
    this.#lines.forEach((l, i) => l.import(lines[i]));
    this.#steps = steps;
  }

  #out(size: number): TypedData {
    return this.#dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  }
}

/** Options of `stream`. */
export interface StreamOptions {
  /**
   * 'auto' (default): WebAssembly SIMD for a float32 model where it runs, else plain loops;
   * 'wasm': SIMD or an error; 'js': plain typed-array loops (float64 sums, the float64 path).
   */
  kernel?: 'auto' | 'wasm' | 'js';
}

/**
 * Turns a causal network into a step-by-step runner (Fast WaveNet's queues, Paine et al. 2016):
 * every causal conv keeps its last d·(k−1) inputs, so a step costs one matrix-vector product per
 * conv. Supported: `Conv1d` with causal padding (any kernel, dilation, groups; weight norm),
 * activations, eval-mode `BatchNorm1d` and dropout, `Sequential`, `TemporalBlock`, `TCN`,
 * `TCNRegressor` (its head on every step) and `WaveNet`; more with `registerStreamCell`. Anything
 * whose output at t depends on later steps ('same' padding, a Linear over time, a norm over the
 * sequence, a module it does not know) is an AtrousError naming the layer's path. Weights are
 * copied now: after training further, call `stream` again.
 * @example
 * const net = new WaveNet({ residualChannels: 64, skipChannels: 64 }).eval();
 * const run = stream(net);
 * const logits = run.step(tensor([[128]])); // [1, 256]: scores of the next μ-law code
 * run.push(x); // x [1, 1, T] codes: the same as T steps
 */
export function stream(model: Module, opts: StreamOptions = {}): StreamRunner {
  if (!(model instanceof Module)) throw new AtrousError('bad_argument', `stream: expected a Module, got ${model === null ? 'null' : typeof model}`);
  const kernel = opts.kernel ?? 'auto';
  if (kernel !== 'auto' && kernel !== 'wasm' && kernel !== 'js') throw new AtrousError('bad_argument', `stream: kernel must be 'auto', 'wasm' or 'js', got ${JSON.stringify(kernel)}`);
  const dtype = model.parameters()[0]?.dtype ?? 'float32';
  let backend: DenseBackend | null = null;
  if (kernel === 'wasm' || (kernel === 'auto' && dtype === 'float32')) backend = wasmBackend();
  if (backend === null && kernel === 'wasm') throw new AtrousError('bad_argument', 'stream: the wasm kernel needs WebAssembly with SIMD, which this runtime lacks');
  backend ??= jsBackend(dtype);
  return new StreamRunner(cellFor(model, '', backend), dtype, backend.name);
}
