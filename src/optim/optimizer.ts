import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, type TypedData } from '../tensor/tensor.js';

/** A hyper-parameter value: every optimizer's settings are flat numbers and booleans. */
export type HyperValue = number | boolean;

/** The JSON-able half of a state dict: what PyTorch keeps in `param_groups` plus the step counts. */
export interface OptimizerMeta {
  /** 'SGD', 'Adam', 'AdamW', 'RMSprop': a state dict loads only into an optimizer of its kind. */
  kind: string;
  lr: number;
  hyper: Record<string, HyperValue>;
  /** Per parameter, in order: how many updates it has had, or null if it has none yet (no state). */
  steps: (number | null)[];
}

/**
 * An optimizer's state as a checkpoint holds it: the buffers as tensors named `<param index>.<buffer>`
 * (PyTorch's buffer names, e.g. `0.exp_avg`, `3.momentum_buffer`) and the scalars as plain JSON.
 * Save `tensors` with `saveSafetensors` (prefixed as you like) and `JSON.stringify(meta)` as metadata.
 */
export interface OptimizerStateDict {
  tensors: Record<string, Tensor>;
  meta: OptimizerMeta;
}

/** What an optimizer keeps per parameter once that parameter has been updated. */
export interface ParamState {
  /** Updates so far, including the one in progress while `update` runs (1 on the first). */
  step: number;
  /** Buffers shaped and typed like the parameter, created as zeros before the first update. */
  buffers: Record<string, TypedData>;
}

/**
 * The base of every optimizer, as `torch.optim.Optimizer` with one parameter group: the parameters,
 * a learning rate that schedules may change between steps, frozen hyper-parameters, per-parameter
 * state, `zeroGrad()`, `step()` and a checkpointable state dict.
 *
 * Updates are plain loops on `param.data`, in place, so they are never recorded on the tape.
 * Parameters whose `.grad` is null are skipped (their state and step count stay as they were).
 */
export abstract class Optimizer<H extends Record<string, HyperValue> = Record<string, HyperValue>> {
  /** The parameters, in order: leaves that require gradients. */
  readonly params: readonly Tensor[];
  /** The learning rate of the next `step()`; learning-rate schedules set it. */
  lr: number;
  private hyperValues: Readonly<H>;
  private state: (ParamState | undefined)[];

  protected constructor(params: readonly Tensor[], lr: number, hyper: H) {
    this.params = checkParams(this.kind, params);
    checkLr(this.kind, lr);
    this.validateHyper(hyper);
    this.lr = lr;
    this.hyperValues = Object.freeze({ ...hyper });
    this.state = new Array<ParamState | undefined>(this.params.length).fill(undefined);
  }

  /** The optimizer's name in messages and state dicts (each subclass overrides this getter). */
  get kind(): string {
    return 'Optimizer';
  }

  /** Throws AtrousError('bad_argument') for a setting PyTorch's constructor rejects. */
  protected abstract validateHyper(hyper: H): void;

  /** The buffers each parameter's state holds under these settings (PyTorch's names). */
  protected abstract bufferNames(hyper: H): string[];

  /** Updates one parameter in place from its gradient; `st.step` already counts this update. */
  protected abstract update(p: TypedData, g: TypedData, st: ParamState): void;

  /** The hyper-parameters (all but the learning rate), frozen; `loadStateDict` replaces them. */
  get hyper(): Readonly<H> {
    return this.hyperValues;
  }

  /**
   * Clears every parameter's gradient (`.grad = null`), as PyTorch's `zero_grad()` (set_to_none=True).
   * @example opt.zeroGrad(); loss(model).backward(); opt.step();
   */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * One update of every parameter that has a gradient, as `optimizer.step()`. All gradients are
   * checked first, so a bad one leaves every parameter and all state untouched.
   */
  step(): void {
    for (const p of this.params) {
      const g = p.grad;
      if (g === null) continue;
      if (!(g instanceof Tensor) || g.dtype !== p.dtype || !sameShape(g.shape, p.shape)) {
        const what = g instanceof Tensor ? `${g.dtype} ${fmtShape(g.shape)}` : String(g);
        throw new AtrousError('bad_tensor', `${this.kind}.step: gradient ${what} does not match the parameter ${p.dtype} ${fmtShape(p.shape)}`);
      }
    }
    const names = this.bufferNames(this.hyperValues);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      if (p.grad === null) continue;
      let st = this.state[i];
      if (st === undefined) {
        st = { step: 0, buffers: {} };
        for (const n of names) st.buffers[n] = p.data instanceof Float64Array ? new Float64Array(p.size) : new Float32Array(p.size);
        this.state[i] = st;
      }
      st.step++;
      this.update(p.data, p.grad.data, st);
    }
  }

  /** The state of parameter `index` (step count and buffers), or undefined before its first update. */
  paramState(index: number): Readonly<ParamState> | undefined {
    return this.state[index];
  }

  /**
   * A snapshot of the optimizer (copies: later steps do not change it), for checkpoints.
   * @example const { tensors, meta } = opt.stateDict();
   * await saveSafetensors('opt.safetensors', tensors, { optim: JSON.stringify(meta) });
   */
  stateDict(): OptimizerStateDict {
    const tensors: Record<string, Tensor> = {};
    const steps: (number | null)[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const st = this.state[i];
      steps.push(st === undefined ? null : st.step);
      if (st === undefined) continue;
      for (const [name, buf] of Object.entries(st.buffers)) tensors[`${i}.${name}`] = new Tensor(buf.slice(), this.params[i].shape);
    }
    return { tensors, meta: { kind: this.kind, lr: this.lr, hyper: { ...this.hyperValues }, steps } };
  }

  /**
   * Restores a state dict from `stateDict()` (or a checkpoint of it): learning rate, hyper-parameters,
   * step counts and buffers, as PyTorch's `load_state_dict`. The optimizer must have the same kind and
   * parameter shapes. Everything is checked before anything changes; buffers are copied (and cast to
   * the parameter's dtype), so the dict is not aliased.
   * @example const { tensors, metadata } = await loadSafetensors('opt.safetensors');
   * opt.loadStateDict({ tensors, meta: JSON.parse(metadata.optim) });
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const who = `${this.kind}.loadStateDict`;
    const bad: (msg: string) => never = (msg) => {
      throw new AtrousError('bad_argument', `${who}: ${msg}`);
    };
    if (typeof sd !== 'object' || sd === null || typeof sd.meta !== 'object' || sd.meta === null || typeof sd.tensors !== 'object' || sd.tensors === null) {
      bad('expected { tensors, meta } as stateDict() returns');
    }
    const { meta, tensors } = sd;
    if (meta.kind !== this.kind) bad(`the state is from ${String(meta.kind)}, not ${this.kind}`);
    checkLr(who, meta.lr);
    const hyper: Record<string, HyperValue> = {};
    const given = meta.hyper ?? {};
    for (const [k, v] of Object.entries(this.hyperValues)) {
      if (typeof given[k] !== typeof v) bad(`hyper-parameter '${k}' must be a ${typeof v}, got ${JSON.stringify(given[k])}`);
      hyper[k] = given[k];
    }
    for (const k of Object.keys(given)) if (!(k in this.hyperValues)) bad(`unknown hyper-parameter '${k}'`);
    this.validateHyper(hyper as H);
    if (!Array.isArray(meta.steps) || meta.steps.length !== this.params.length) {
      bad(`steps must list ${this.params.length} entries (one per parameter), got ${JSON.stringify(meta.steps)}`);
    }
    const names = this.bufferNames(hyper as H);
    const expected = new Set<string>();
    const state: (ParamState | undefined)[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const s = meta.steps[i];
      if (s === null) {
        state.push(undefined);
        continue;
      }
      if (!Number.isSafeInteger(s) || s < 1) bad(`steps[${i}] = ${JSON.stringify(s)} must be null or a positive integer`);
      const p = this.params[i];
      const buffers: Record<string, TypedData> = {};
      for (const n of names) {
        const key = `${i}.${n}`;
        expected.add(key);
        const t = tensors[key];
        if (!(t instanceof Tensor)) bad(`missing buffer '${key}'`);
        if (!sameShape(t.shape, p.shape)) bad(`buffer '${key}' ${fmtShape(t.shape)} does not match parameter ${i} ${fmtShape(p.shape)}`);
        buffers[n] = p.data instanceof Float64Array ? Float64Array.from(t.data) : Float32Array.from(t.data);
      }
      state.push({ step: s, buffers });
    }
    for (const k of Object.keys(tensors)) if (!expected.has(k)) bad(`unexpected tensor '${k}'`);
    this.lr = meta.lr;
    this.hyperValues = Object.freeze(hyper as H);
    this.state = state;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function checkParams(kind: string, params: readonly Tensor[]): readonly Tensor[] {
  if (!Array.isArray(params) || params.length === 0) {
    throw new AtrousError('bad_argument', `${kind}: expected a non-empty array of parameters`);
  }
  const seen = new Set<Tensor>();
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new AtrousError('bad_argument', `${kind}: params[${i}] is not a Tensor`);
    if (!p.isLeaf) throw new AtrousError('bad_argument', `${kind}: params[${i}] ${fmtShape(p.shape)} was computed by ${p.gradFn?.op}; optimizers update leaves only`);
    if (!p.requiresGrad) throw new AtrousError('bad_argument', `${kind}: params[${i}] ${fmtShape(p.shape)} does not require gradients; call requiresGrad_() on it`);
    if (seen.has(p)) throw new AtrousError('bad_argument', `${kind}: params[${i}] ${fmtShape(p.shape)} appears more than once`);
    seen.add(p);
  });
  return Object.freeze([...params]);
}

function checkLr(who: string, lr: unknown): void {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new AtrousError('bad_argument', `${who}: learning rate ${String(lr)} must be a finite number >= 0`);
  }
}

/** For subclasses: throws unless `v` is a finite number within [lo, hi] (hi exclusive when `open`). */
export function checkRange(kind: string, name: string, v: unknown, lo: number, hi = Infinity, open = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= lo && (open ? v < hi : v <= hi);
  if (!ok) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}${open ? ')' : ']'}`;
    throw new AtrousError('bad_argument', `${kind}: ${name} = ${String(v)} must be a finite number ${range}`);
  }
}

/** torch.lerp's scalar formula (CPU): exact at both ends, and the branch PyTorch takes. */
export function lerp(a: number, b: number, w: number): number {
  return Math.abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}
