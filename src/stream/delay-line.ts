import { AtrousError, fmtShape } from '../errors.js';

/**
 * One saved history in a runner's exported state: the last `shape[2]` inputs a causal conv has
 * seen, `[N, C, L]` row-major and oldest first, i.e. exactly the input window `x[:, :, t−L : t]`.
 */
export interface StreamStateLine {
  /** The module path of the conv that owns it, e.g. `blocks.3.conv1`. */
  path: string;
  shape: [number, number, number];
  data: Float64Array;
}

/**
 * The queue of one causal conv (Fast WaveNet, Paine et al. 2016): its last `length` = d·(k−1)
 * input frames, in a ring of `length` slots of `[N, C]` each, so a step copies one frame in and
 * reads the taps in place. Slot `(head + j) mod length` holds the input of step t − length + j.
 */
export class DelayLine {
  data = new Float64Array(0);
  head = 0;
  n = 0;

  /**
   * @param empty what the history holds before the first step (0: the zeros of causal padding).
   * @param check validates imported values (e.g. class indices); returns an error text or null.
   */
  constructor(
    readonly path: string, readonly channels: number, readonly length: number,
    readonly empty = 0, readonly check: ((v: number) => string | null) | null = null,
  ) {}

  /** Allocates for batch n, empty history (zeros: what causal padding feeds the conv at t < 0). */
  bind(n: number): void {
    this.n = n;
    this.data = new Float64Array(this.length * n * this.channels);
    this.clear();
  }

  clear(): void {
    this.data.fill(this.empty);
    this.head = 0;
  }

  /** Offset of the frame of step t − length + j (j in 0..length−1) in `data`; the frame is `[N, C]`. */
  slot(j: number): number {
    let s = this.head + j;
    if (s >= this.length) s -= this.length;
    return s * this.n * this.channels;
  }

  /** Drops the oldest frame and appends `x[xo .. xo + N·C)` as the newest. */
  push(x: Float64Array, xo: number): void {
    const f = this.n * this.channels;
    this.data.set(x.subarray(xo, xo + f), this.head * f);
    this.head = this.head + 1 === this.length ? 0 : this.head + 1;
  }

  /** A copy in the exported layout `[N, C, L]`, oldest first. */
  export(): StreamStateLine {
    const { n, channels: C, length: L } = this;
    const out = new Float64Array(n * C * L);
    for (let j = 0; j < L; j++) {
      const s = this.slot(j);
      for (let i = 0; i < n * C; i++) out[i * L + j] = this.data[s + i];
    }
    return { path: this.path, shape: [n, C, L], data: out };
  }

  /** Throws unless `line` is this history's export at batch `n`. */
  validate(line: StreamStateLine, n: number): void {
    const want = [n, this.channels, this.length];
    if (line === null || typeof line !== 'object' || line.path !== this.path) {
      throw new AtrousError('bad_argument', `importState: expected the history of '${this.path}', got ${line?.path === undefined ? String(line) : `'${line.path}'`}`);
    }
    if (!Array.isArray(line.shape) || line.shape.join() !== want.join()) {
      throw new AtrousError('bad_argument', `importState: '${this.path}' has shape ${Array.isArray(line.shape) ? fmtShape(line.shape) : String(line.shape)}, this runner needs ${fmtShape(want)}`);
    }
    const d: unknown = line.data;
    if (!(d instanceof Float64Array || d instanceof Float32Array) || d.length !== n * this.channels * this.length) {
      throw new AtrousError('bad_tensor', `importState: '${this.path}' data must be a Float64Array of ${n * this.channels * this.length} values`);
    }
    if (this.check !== null) {
      for (let i = 0; i < d.length; i++) {
        const why = this.check(d[i]);
        if (why !== null) throw new AtrousError('bad_argument', `importState: '${this.path}' value ${d[i]} at ${i}: ${why}`);
      }
    }
  }

  /** Loads a line that passed `validate` (after `bind` to its batch). */
  import(line: StreamStateLine): void {
    const d = line.data;
    const f = this.n * this.channels;
    const L = this.length;
    this.head = 0;
    for (let j = 0; j < L; j++) for (let i = 0; i < f; i++) this.data[j * f + i] = d[i * L + j];
  }
}
