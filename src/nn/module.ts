import { AtrousError, fmtShape } from '../errors.js';
import { type DType, Tensor } from '../tensor/tensor.js';

/** What `loadStateDict` and `load` did not match (empty lists when everything matched). */
export interface LoadResult {
  /** Keys the module has that the dict lacked (left unchanged). */
  missingKeys: string[];
  /** Keys in the dict the module does not have (ignored). */
  unexpectedKeys: string[];
}

/** What `load` read besides the weights. */
export interface LoadedCheckpoint extends LoadResult {
  /** The file's string metadata. */
  metadata: Record<string, string>;
  /** `JSON.parse(metadata.config)` when `save` was given a config, else undefined. */
  config: unknown;
}

type Members = Record<string, unknown>;

const isTensorArray = (v: unknown): v is Tensor[] => Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof Tensor);
const isModuleArray = (v: unknown): v is Module[] => Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof Module);

/**
 * The base of every layer and model, as PyTorch's `torch.nn.Module`. A subclass declares its
 * parameters (Tensors) and submodules (Modules, or arrays of them) as properties; the module
 * finds them by walking its own properties in declaration order, so names come out as PyTorch's
 * state_dict keys would: `weight`, `0.bias`, `blocks.1.conv1.weight_v`. State that is not
 * trained (running statistics) is registered with `registerBuffer`. Keep anything else that is a
 * Tensor (caches) in `#private` fields, which are not walked.
 *
 * @example
 * class Net extends Module {
 *   conv = new Conv1d(1, 8, 3, { dilation: 2, padding: 'causal' });
 *   head = new Linear(8, 2);
 *   forward(x: Tensor) { return this.head.forward(permute(this.conv.forward(x), [0, 2, 1])); }
 * }
 * const net = new Net(); [...net.namedParameters()].map(([k]) => k) // conv.weight, conv.bias, head.weight, head.bias
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm on batch statistics); see `train()` / `eval()`. */
  training = true;
  readonly #buffers = new Map<string, Tensor>();

  /** The computation. Call it directly: `model.forward(x)`. */
  abstract forward(x: Tensor): Tensor;

  /** Same as `forward(x)`. */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  /**
   * Registers state that belongs in `stateDict` but is not a parameter (PyTorch's
   * `register_buffer`), e.g. batch norm's `running_mean`. Returns the tensor.
   */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new AtrousError('bad_argument', `registerBuffer: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    }
    if (!(t instanceof Tensor)) throw new AtrousError('bad_tensor', `registerBuffer: '${name}' must be a Tensor`);
    if (name in this) throw new AtrousError('bad_argument', `registerBuffer: '${name}' is already a property of ${this.constructor.name}`);
    this.#buffers.set(name, t);
    return t;
  }

  /** A buffer registered under `name`. */
  buffer(name: string): Tensor {
    const t = this.#buffers.get(name);
    if (t === undefined) throw new AtrousError('bad_argument', `${this.constructor.name}: no buffer '${name}'`);
    return t;
  }

  /** This module's own parameters (not its children's), in declaration order. */
  #ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, v] of Object.entries(this as unknown as Members)) {
      if (v instanceof Tensor) out.push([key, v]);
      else if (isTensorArray(v)) v.forEach((t, i) => out.push([`${key}.${i}`, t]));
    }
    return out;
  }

  /** Direct submodules with their names: properties holding a Module, or arrays of them (`blocks.0`). */
  *namedChildren(): Generator<[string, Module]> {
    for (const [key, v] of Object.entries(this as unknown as Members)) {
      if (v instanceof Module) yield [key, v];
      else if (isModuleArray(v)) for (let i = 0; i < v.length; i++) yield [`${key}.${i}`, v[i]];
    }
  }

  /** Pre-order walk: this module first (name ''), then each child's subtree. A module reached twice is listed once. */
  namedModules(): Generator<[string, Module]> {
    return this.#walk('', new Set());
  }

  *#walk(prefix: string, seen: Set<Module>): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.#walk(prefix === '' ? name : `${prefix}.${name}`, seen);
  }

  /** Every module in the tree, this one first. */
  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  /** Parameters with dotted names, in PyTorch's order; a shared tensor appears once. */
  *namedParameters(): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.#ownParameters()) {
        if (seen.has(t)) continue;
        seen.add(t);
        yield [prefix === '' ? name : `${prefix}.${name}`, t];
      }
    }
  }

  /** The parameters, for an optimizer. */
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, t]) => t);
  }

  /** Buffers (running statistics) with dotted names. */
  *namedBuffers(): Generator<[string, Tensor]> {
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.#buffers) yield [prefix === '' ? name : `${prefix}.${name}`, t];
    }
  }

  /** Live parameter and buffer tensors by key: each module's parameters, then its buffers, then its children. */
  #entries(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string) => (prefix === '' ? name : `${prefix}.${name}`);
      for (const [name, t] of m.#ownParameters()) out.set(key(name), t);
      for (const [name, t] of m.#buffers) out.set(key(name), t);
    }
    return out;
  }

  /**
   * Parameters and buffers by key, as `state_dict()`. The tensors are detached but share their
   * data with the module (as in PyTorch), so copy them to keep a snapshot.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, t] of this.#entries()) out[k] = t.detach();
    return out;
  }

  /**
   * Copies values into the module's parameters and buffers in place (so an optimizer holding them
   * keeps working), as `load_state_dict`. Every present key must match in shape and dtype; with
   * `strict` (default) the key sets must be equal too. Nothing is copied unless all checks pass.
   * @example model.loadStateDict(other.stateDict())
   */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const { strict = true } = opts;
    if (typeof dict !== 'object' || dict === null) throw new AtrousError('bad_argument', 'loadStateDict: expected a record of Tensors');
    const own = this.#entries();
    const missingKeys = [...own.keys()].filter((k) => !Object.hasOwn(dict, k));
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    const problems: string[] = [];
    let badTensor = false; // a value that is no Tensor or has the wrong dtype, rather than a wrong key or shape
    for (const [k, t] of own) {
      if (!Object.hasOwn(dict, k)) continue;
      const src = dict[k];
      if (!(src instanceof Tensor) || src.dtype !== t.dtype) {
        badTensor = true;
        problems.push(src instanceof Tensor ? `'${k}' is ${src.dtype} in the dict but ${t.dtype} in the module` : `'${k}' is not a Tensor`);
      } else if (src.shape.join() !== t.shape.join()) {
        problems.push(`'${k}' is ${fmtShape(src.shape)} in the dict but ${fmtShape(t.shape)} in the module`);
      }
    }
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (problems.length > 0) {
      throw new AtrousError(badTensor ? 'bad_tensor' : 'bad_argument', `loadStateDict (${this.constructor.name}): ${problems.join('; ')}`);
    }
    for (const [k, t] of own) if (Object.hasOwn(dict, k)) t.data.set(dict[k].data);
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode on the whole tree (`on = false` is `eval()`). Returns this. */
  train(on = true): this {
    for (const m of this.modules()) m.training = on;
    return this;
  }

  /** Evaluation mode: dropout off, batch norm on running statistics. Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's `.grad` (to null, as PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Number of scalar parameters (each shared tensor counted once). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Calls `fn` on every module of the tree, children before parents (as PyTorch's `apply`). Returns this. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.modules().reverse()) fn(m);
    return this;
  }

  /**
   * Converts every parameter and buffer to `dtype` (e.g. float64 for a gradient check), keeping
   * `requiresGrad` and dropping `.grad`. Replaces the tensors: build the optimizer afterwards.
   */
  to(dtype: DType): this {
    if (dtype !== 'float32' && dtype !== 'float64') throw new AtrousError('bad_argument', `Module.to: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    const cast = (t: Tensor): Tensor => (t.dtype === dtype ? t : new Tensor(dtype === 'float64' ? Float64Array.from(t.data) : Float32Array.from(t.data), t.shape).requiresGrad_(t.requiresGrad));
    for (const m of this.modules()) {
      const props = m as unknown as Members;
      for (const [key, v] of Object.entries(props)) {
        if (v instanceof Tensor) props[key] = cast(v);
        else if (isTensorArray(v)) props[key] = v.map(cast);
      }
      for (const [name, t] of m.#buffers) m.#buffers.set(name, cast(t));
    }
    return this;
  }

  /** Extra text inside the parentheses of this module's line in `toString()`, e.g. `1, 8, kernel_size=3`. */
  extraRepr(): string {
    return '';
  }

  /** The module tree, one submodule per line, as PyTorch prints a model. */
  toString(): string {
    const lines: string[] = [];
    const indent = (s: string) => s.replace(/\n/g, '\n  ');
    for (const [key, v] of Object.entries(this as unknown as Members)) {
      if (v instanceof Module) lines.push(`(${key}): ${v.toString()}`);
      else if (isModuleArray(v)) lines.push(`(${key}): [\n${v.map((m, i) => `  (${i}): ${indent(m.toString())}`).join('\n')}\n]`);
    }
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    return lines.length === 0 ? `${head})` : `${head}\n  ${lines.map(indent).join('\n  ')}\n)`;
  }

  /**
   * Writes `stateDict()` to a safetensors file, atomically, as float32. `config` (any JSON value,
   * e.g. the constructor arguments) is stored as the `config` metadata string.
   * @example await model.save('run/model.safetensors', { config: { channels: 64, levels: 8 } })
   */
  async save(path: string, opts: { config?: unknown; metadata?: Record<string, string> } = {}): Promise<void> {
    const { saveSafetensors } = await import('../io/checkpoint-file.js');
    const tensors: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(this.stateDict())) tensors[k] = t.dtype === 'float32' ? t : t.to('float32');
    const metadata = { ...(opts.metadata ?? {}) };
    if (opts.config !== undefined) metadata.config = JSON.stringify(opts.config);
    await saveSafetensors(path, tensors, metadata);
  }

  /**
   * Loads a safetensors file written by `save` into this module, through `loadStateDict` (strict
   * by default); values are converted to the module's dtype. A file written from PyTorch loads too
   * if its tensors are floating point (save `num_batches_tracked` as float: the reader has no int64).
   * @example const { config } = await model.load('run/model.safetensors')
   */
  async load(path: string, opts: { strict?: boolean } = {}): Promise<LoadedCheckpoint> {
    const { loadSafetensors } = await import('../io/checkpoint-file.js');
    const { tensors, metadata } = await loadSafetensors(path);
    const own = this.#entries();
    const dict: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) {
      const target = own.get(k);
      dict[k] = target !== undefined && target.dtype !== t.dtype ? t.to(target.dtype) : t;
    }
    const result = this.loadStateDict(dict, opts);
    let config: unknown;
    if (metadata.config !== undefined) {
      try {
        config = JSON.parse(metadata.config);
      } catch (e) {
        throw new AtrousError('bad_file', `Module.load: ${path}: metadata 'config' is not JSON (${(e as Error).message})`);
      }
    }
    return { ...result, metadata, config };
  }
}
