import { AtrousError } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

/** Options of `gradcheck` and `gradcheckProjected`. */
export interface GradcheckOptions {
  /** Step of the central difference. Default 1e-6. */
  eps?: number;
  /** Pass when |analytic − numeric| ≤ atol + rtol·|numeric|. Defaults 1e-6 and 1e-4. */
  atol?: number;
  rtol?: number;
  /** Seed of the random output cotangent (and directions). Default 1. */
  seed?: number;
  /** Random directions per input for `gradcheckProjected`. Default 3. */
  directions?: number;
}

/** Where a check failed (the first bad coordinate), or `ok: true`. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| seen. */
  maxError: number;
  /** Description of the first failure, e.g. `input 1 [3]: analytic 0.5, numeric 0.25`. */
  failure?: string;
}

function checkInputs(op: string, inputs: readonly Tensor[]): void {
  for (const t of inputs) {
    if (!(t instanceof Tensor) || t.dtype !== 'float64') {
      throw new AtrousError('bad_tensor', `${op}: inputs must be float64 tensors (float32 is too coarse for finite differences)`);
    }
  }
}

/** Runs fn once with gradients on for the inputs that require them and returns v·J per input. */
function analytic(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], v: Tensor): (Tensor | null)[] {
  const leaves = inputs.map((t) => new Tensor(t.data.slice(), t.shape).requiresGrad_(t.requiresGrad));
  const out = fn(...leaves);
  if (out.requiresGrad) out.backward(v);
  return leaves.map((l) => (l.requiresGrad ? (l.grad ?? new Tensor(new Float64Array(l.size), l.shape)) : null));
}

function randomLike(t: { shape: readonly number[]; size: number }, rng: Rng): Tensor {
  const d = new Float64Array(t.size);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return new Tensor(d, t.shape);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * What both checks share: the forward without recording, a random output cotangent v (drawn first
 * from the seeded generator), the analytic v·J per input, and a tally of the comparisons.
 */
function setUp(op: string, fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions) {
  checkInputs(op, inputs);
  const { atol = 1e-6, rtol = 1e-4, seed = 1 } = opts;
  const rng = new Rng(seed);
  const f = (xs: Tensor[]) => noGrad(() => fn(...xs));
  const v = randomLike(f(inputs.map((t) => t.detach())), rng);
  const grads = analytic(fn, inputs, v);
  let maxError = 0;
  let failure: string | undefined;
  /** Records one analytic/numeric pair; the first failure's description is kept. */
  const compare = (analyticValue: number, numeric: number, where: string): void => {
    const err = Math.abs(analyticValue - numeric);
    maxError = Math.max(maxError, err);
    if (failure === undefined && !(err <= atol + rtol * Math.abs(numeric))) {
      failure = `${where}: analytic ${analyticValue}, numeric ${numeric}`;
    }
  };
  const result = (): GradcheckResult => (failure === undefined ? { ok: true, maxError } : { ok: false, maxError, failure });
  return { rng, f, v, grads, compare, result };
}

/**
 * Checks the backward rules under `fn` against central differences in float64, for every coordinate
 * of every input that has `requiresGrad`: with a random cotangent v on the output, the analytic
 * v·J (from `backward(v)`) must match (v·f(x+εe) − v·f(x−εe)) / 2ε. Keep inputs away from kinks
 * (ReLU at 0, max ties). Cost: two forward calls per input coordinate; use small shapes.
 * @example gradcheck((a, b) => mul(a, b), [randn([3], { dtype: 'float64' }).requiresGrad_(), b]).ok
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-6 } = opts;
  const { f, v, grads, compare, result } = setUp('gradcheck', fn, inputs, opts);
  inputs.forEach((t, k) => {
    const g = grads[k];
    if (g === null) return;
    const x = t.data.slice() as Float64Array;
    const xs = inputs.map((u, j) => (j === k ? new Tensor(x, u.shape) : u.detach()));
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      x[i] = x0 + eps;
      const plus = dot(v.data, f(xs).data);
      x[i] = x0 - eps;
      const minus = dot(v.data, f(xs).data);
      x[i] = x0;
      compare(g.data[i], (plus - minus) / (2 * eps), `input ${k} [${i}]`);
    }
  });
  return result();
}

/**
 * The same check for larger shapes along random directions u: v·J·u from backward against
 * (v·f(x+εu) − v·f(x−εu)) / 2ε, a few directions per input.
 */
export function gradcheckProjected(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-6, directions = 3 } = opts;
  const { rng, f, v, grads, compare, result } = setUp('gradcheckProjected', fn, inputs, opts);
  inputs.forEach((t, k) => {
    const g = grads[k];
    if (g === null) return;
    for (let r = 0; r < directions; r++) {
      const u = randomLike(t, rng);
      const shifted = (sign: number) => {
        const x = new Float64Array(t.size);
        for (let i = 0; i < x.length; i++) x[i] = t.data[i] + sign * eps * u.data[i];
        return dot(v.data, f(inputs.map((w, j) => (j === k ? new Tensor(x, w.shape) : w.detach()))).data);
      };
      compare(dot(g.data, u.data), (shifted(1) - shifted(-1)) / (2 * eps), `input ${k} direction ${r}`);
    }
  });
  return result();
}
