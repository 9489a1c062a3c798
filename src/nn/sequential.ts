import { AtrousError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Submodules held under the keys '0', '1', ... (own integer-like properties, which JavaScript
 * always enumerates first and in order), so the walk in Module names them as PyTorch does.
 */
abstract class IndexedModules extends Module {
  #length = 0;

  constructor(modules: readonly Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end. Returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new AtrousError('bad_argument', `${this.constructor.name}: item ${this.#length} is not a Module`);
    (this as unknown as Record<string, Module>)[String(this.#length++)] = m;
    return this;
  }

  get length(): number {
    return this.#length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const j = i < 0 ? this.#length + i : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.#length) {
      throw new AtrousError('bad_argument', `${this.constructor.name}: index ${i} is outside 0..${this.#length - 1}`);
    }
    return (this as unknown as Record<string, Module>)[String(j)];
  }

  *[Symbol.iterator](): Iterator<Module> {
    for (let i = 0; i < this.#length; i++) yield this.at(i);
  }
}

/**
 * Modules applied one after another, as `torch.nn.Sequential`; parameter names start with the
 * index ('0.weight', '2.bias').
 * @example const net = new Sequential(new Conv1d(1, 8, 3, { padding: 'causal' }), new Dropout1d(0.1), new Conv1d(8, 1, 1))
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[]) {
    super(modules);
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this) h = m.forward(h);
    return h;
  }
}

/**
 * A list of submodules, as `torch.nn.ModuleList`: registers them (names '0', '1', ...) without
 * deciding how they are called. A plain `Module[]` property works the same way.
 * @example this.blocks = new ModuleList(dilations.map((d) => new Block(64, d)))
 */
export class ModuleList extends IndexedModules {
  constructor(modules: readonly Module[] = []) {
    super(modules);
  }

  forward(): Tensor {
    throw new AtrousError('bad_argument', 'ModuleList: has no forward; iterate over it and call its modules');
  }
}
