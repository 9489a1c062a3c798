import { AtrousError } from '../errors.js';
import { Module } from '../nn/module.js';
import type { DelayLine } from './delay-line.js';
import type { DenseBackend } from './kernels.js';

/**
 * The streaming form of one module: it maps one time step `[N, inChannels]` to `[N, outChannels]`
 * and keeps whatever history it needs in `DelayLine`s. Cells are built once by `stream()` (weights
 * packed then), bound to a batch size, then stepped; a step allocates nothing.
 */
export interface StreamCell {
  /** Channels a frame must have, or null for a pointwise cell that takes any count. */
  readonly inChannels: number | null;
  /** Channels of the output, or null when equal to the input's. */
  readonly outChannels: number | null;
  /**
   * Allocates scratch and history for batch `n` and input channel count `c` (history zeroed) and
   * returns the output channel count. Called before the first step and when the batch changes.
   */
  bind(n: number, c: number): number;
  /** One time step: `x[0 .. n·c)` is `[N, C]`, writes `y` `[N, Cout]`; y never aliases x. */
  step(x: Float64Array, y: Float64Array): void;
  /** This cell's histories and its children's, in a fixed order (for reset and state export). */
  lines(): DelayLine[];
}

/** What a cell factory gets besides its module. */
export interface CellContext {
  /** The module's path in the model (`blocks.3.conv1`; '' for the model itself). */
  readonly path: string;
  /** The cell of a submodule, through the table; `name` is its attribute path (`conv1`, `blocks.3`). */
  child(module: Module, name: string): StreamCell;
  /** The context of a submodule at `name` (for checks on a child the cell handles itself). */
  at(name: string): CellContext;
  /** Throws the AtrousError that says why this module cannot stream, naming its path. */
  fail(reason: string): never;
  /** Makes the packed matrix-vector products of this runner (plain loops or WebAssembly SIMD). */
  readonly backend: DenseBackend;
}

/** Builds the streaming cell of one module type. */
export type CellFactory<M extends Module> = (module: M, ctx: CellContext) => StreamCell;

/** A module class (any constructor signature). */
export type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const TABLE = new Map<ModuleClass<Module>, CellFactory<Module>>();

/**
 * Teaches `stream()` a module type: `factory` builds the cell for an instance. The match is on the
 * exact class (a subclass may override `forward`, so it needs its own entry). The library's own
 * layers are registered in src/stream/cells.ts and src/stream/model-cells.ts.
 * @example registerStreamCell(MyGate, (m, ctx) => myGateCell(m.channels))
 */
export function registerStreamCell<M extends Module>(cls: ModuleClass<M>, factory: CellFactory<M>): void {
  if (typeof cls !== 'function' || !(cls.prototype instanceof Module)) {
    throw new AtrousError('bad_argument', 'registerStreamCell: cls must be a Module subclass');
  }
  if (typeof factory !== 'function') throw new AtrousError('bad_argument', `registerStreamCell: factory for ${cls.name} must be a function`);
  TABLE.set(cls, factory as CellFactory<Module>);
}

/** Whether `stream()` knows this exact module class. */
export function hasStreamCell(cls: ModuleClass<Module>): boolean {
  return TABLE.has(cls);
}

const joinPath = (a: string, b: string) => (a === '' ? b : `${a}.${b}`);

function context(module: Module | null, path: string, backend: DenseBackend): CellContext {
  return {
    path,
    backend,
    child: (m, name) => cellFor(m, joinPath(path, name), backend),
    at: (name) => context(null, joinPath(path, name), backend),
    fail: (reason) => {
      throw new AtrousError('bad_argument', `stream: ${path === '' ? `the model${module === null ? '' : ` (${module.constructor.name})`}` : path}: ${reason}`);
    },
  };
}

/** The cell for `module` at `path`, from the table; an unknown module type is an error naming the path. */
export function cellFor(module: Module, path: string, backend: DenseBackend): StreamCell {
  if (!(module instanceof Module)) throw new AtrousError('bad_argument', `stream: ${path || 'model'} is not a Module`);
  const ctx: CellContext = context(module, path, backend);
  const factory = TABLE.get(module.constructor as ModuleClass<Module>);
  if (factory === undefined) {
    ctx.fail(`${module.constructor.name} has no streaming cell, so stream() cannot tell whether it is causal (teach it with registerStreamCell)`);
  }
  return factory(module, ctx);
}
