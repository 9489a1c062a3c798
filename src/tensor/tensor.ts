import { runBackward } from '../autograd/backward.js';
import { type GradNode, record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { allocateUninitialized, allocateZeroed } from './buffer-pool.js';
import { Rng } from './random.js';

export type DType = 'float32' | 'float64';
export type TypedData = Float32Array | Float64Array;

/** A nested array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/**
 * A dense, contiguous, row-major tensor: a shape and a flat Float32Array (or Float64Array, used for
 * finite-difference gradient checks). Immutable in shape; ops return new tensors.
 *
 * Autograd as in PyTorch: mark leaves with `requiresGrad_()`, compute, call `loss.backward()`, read
 * `.grad`. Ops on tensors that require gradients record a `gradFn`; `noGrad(() => ...)` turns that off.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly data: TypedData;
  /** Whether ops record how to differentiate with respect to this tensor. */
  requiresGrad = false;
  /** dL/d(this) accumulated by `backward()` on leaves that require gradients; `null` until then. */
  grad: Tensor | null = null;
  /** The recorded op that produced this tensor (null for leaves and for tensors made under noGrad). */
  gradFn: GradNode | null = null;

  constructor(data: TypedData, shape: readonly number[]) {
    for (const n of shape) {
      if (!Number.isInteger(n) || n < 0) {
        throw new AtrousError('bad_tensor', `tensor: shape ${fmtShape(shape)} must hold non-negative integers`);
      }
    }
    const size = shapeSize(shape);
    if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
      throw new AtrousError('bad_tensor', 'tensor: data must be a Float32Array or Float64Array');
    }
    if (data.length !== size) {
      throw new AtrousError('bad_tensor', `tensor: data has ${data.length} values but shape ${fmtShape(shape)} holds ${size}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Row-major strides in elements. */
  get strides(): number[] {
    const s = new Array<number>(this.shape.length);
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= this.shape[i];
    }
    return s;
  }

  /** The element at a full index, e.g. `y.get(0, 1, 2, 3)`. */
  get(...index: number[]): number {
    if (index.length !== this.shape.length || index.some((v, i) => !Number.isInteger(v) || v < 0 || v >= this.shape[i])) {
      throw new AtrousError('bad_argument', `tensor.get: index [${index.join(',')}] is outside shape ${fmtShape(this.shape)}`);
    }
    const st = this.strides;
    return this.data[index.reduce((o, v, i) => o + v * st[i], 0)];
  }

  /** Same data, new shape with the same number of elements; one axis may be -1. Differentiable. */
  reshape(shape: readonly number[]): Tensor {
    if (!Array.isArray(shape) || shape.filter((n) => n === -1).length > 1) {
      throw new AtrousError('bad_argument', `reshape: shape ${JSON.stringify(shape)} must be an array of sizes with at most one -1`);
    }
    const known = shape.filter((n) => n !== -1).reduce((a, b) => a * b, 1);
    const full = shape.map((n) => (n === -1 ? this.size / known : n));
    if (full.reduce((a, b) => a * b, 1) !== this.size || full.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new AtrousError('bad_argument', `reshape: cannot view ${fmtShape(this.shape)} (${this.size} values) as ${fmtShape(shape)}`);
    }
    const from = this.shape;
    return record('reshape', new Tensor(this.data, full), [this], (g) => [new Tensor(g.data, from)]);
  }

  /** Marks a leaf as a parameter to differentiate with respect to (PyTorch's `requires_grad_()`). */
  requiresGrad_(on = true): this {
    if (this.gradFn !== null && !on) {
      throw new AtrousError('bad_argument', `requiresGrad_: ${this} was computed by ${this.gradFn.op}; use detach() to cut it from the graph`);
    }
    this.requiresGrad = on;
    return this;
  }

  /** True for tensors not produced by a recorded op (inputs, parameters, results under noGrad). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * Backpropagates from this tensor, accumulating into `.grad` of every leaf that requires gradients.
   * A one-element tensor (a loss) needs no argument; otherwise pass dL/d(this).
   * @example const w = randn([4]).requiresGrad_(); sum(mul(w, w)).backward(); w.grad // 2w
   */
  backward(gradient?: Tensor): void {
    runBackward(this, gradient);
  }

  /** The same values, cut from the graph (shares the data; no gradients flow through it). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** The value of a one-element tensor, as PyTorch's `item()`. */
  item(): number {
    if (this.size !== 1) throw new AtrousError('bad_argument', `item: ${this} has ${this.size} values, not one`);
    return this.data[0];
  }

  /** A copy with its own data (a leaf, not recording). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** A new tensor with the same values in another dtype. Differentiable (the gradient is cast back). */
  to(dtype: DType): Tensor {
    const out = new Tensor(dtype === 'float64' ? Float64Array.from(this.data) : Float32Array.from(this.data), this.shape);
    const from = this.dtype;
    return record('to', out, [this], (g) => [g.to(from)]);
  }

  /** Nested arrays, like PyTorch's `tolist()`. */
  toArray(): NestedArray {
    const build = (axis: number, offset: number, st: number[]): NestedArray =>
      axis === this.shape.length
        ? this.data[offset]
        : Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * st[axis], st));
    return build(0, 0, this.strides);
  }

  toString(): string {
    return `Tensor(${this.dtype} ${fmtShape(this.shape)})`;
  }
}

/** The number of elements a shape holds (a plain loop: runs for every tensor made). */
function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const n of shape) size *= n;
  return size;
}

/** Infers the shape of a nested array, checking it is rectangular. */
function nestedShape(v: NestedArray): number[] {
  if (typeof v === 'number') return [];
  if (v.length === 0) return [0];
  const inner = nestedShape(v[0]);
  for (const e of v) {
    if (JSON.stringify(nestedShape(e)) !== JSON.stringify(inner)) {
      throw new AtrousError('bad_tensor', 'tensor: nested array is ragged');
    }
  }
  return [v.length, ...inner];
}

/**
 * Builds a tensor from nested arrays or flat data plus a shape.
 * @example tensor([[1, 2], [3, 4]]).shape // [2, 2]
 * @example tensor([1, 2, 3, 4, 5, 6], [2, 3])
 */
export function tensor(values: NestedArray | TypedData | number[], shape?: readonly number[], dtype: DType = 'float32'): Tensor {
  if (values instanceof Float32Array || values instanceof Float64Array) return new Tensor(values, shape ?? [values.length]);
  const flat = typeof values === 'number' ? [values] : (values as NestedArray[]).flat(Infinity as 1) as number[];
  const inferred = shape ?? nestedShape(values);
  return new Tensor(dtype === 'float64' ? Float64Array.from(flat) : Float32Array.from(flat), inferred);
}

function checkedSize(shape: readonly number[]): number {
  const size = shapeSize(shape);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new AtrousError('bad_tensor', `tensor: shape ${fmtShape(shape)} is not a valid size`);
  }
  return size;
}

function allocate(shape: readonly number[], dtype: DType): TypedData {
  return allocateZeroed(checkedSize(shape), dtype === 'float64');
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(allocate(shape, dtype), shape);
}

/**
 * A tensor whose values are whatever its memory held (like `torch.empty`): for ops that write every
 * element of their output, so recycled gradient memory skips the zero fill. Internal: not exported
 * from the package.
 */
export function uninitialized(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const size = checkedSize(shape);
  return new Tensor(allocateUninitialized(size, dtype === 'float64'), shape);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const t = zeros(shape, dtype);
  t.data.fill(value);
  return t;
}

export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

/** 0, 1, 2, ... in the given shape (handy for examples: `arange([1, 1, 5, 5], 1)` is 1..25). */
export function arange(shape: readonly number[], start = 0, dtype: DType = 'float32'): Tensor {
  const t = zeros(shape, dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = start + i;
  return t;
}

export interface RandomOptions {
  /** Seed of a fresh generator; the same seed gives the same tensor everywhere. Default 0. */
  seed?: number;
  /** Draw from this generator instead (e.g. `globalRng()` after `manualSeed`); wins over `seed`. */
  generator?: Rng;
  dtype?: DType;
}

/** Standard normal values from a seeded generator. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const t = zeros(shape, opts.dtype);
  const rng = opts.generator ?? new Rng(opts.seed ?? 0);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

/** Uniform values in [low, high) from a seeded generator. */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const t = zeros(shape, opts.dtype);
  const rng = opts.generator ?? new Rng(opts.seed ?? 0);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(opts.low ?? 0, opts.high ?? 1);
  return t;
}
