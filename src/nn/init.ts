import { AtrousError, fmtShape } from '../errors.js';
import { globalRng, type Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Weight initialisers, as `torch.nn.init`: each fills a tensor in place (its data; no graph is
 * recorded) and returns it. Random ones draw from `generator ?? globalRng()`, so `manualSeed`
 * fixes every initial weight.
 */

/** Where random values come from. */
export interface InitOptions {
  generator?: Rng;
}

/** Nonlinearities `calculateGain` knows (PyTorch's names). */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

function checkTensor(op: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: expected a Tensor`);
}

function fill(t: Tensor, draw: () => number): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = draw();
  return t;
}

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`: 1 for linear, conv and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leaky_relu (slope `param`, default
 * 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new AtrousError('bad_argument', `calculateGain: negative slope ${String(param)} is not a number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new AtrousError('bad_argument', `calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * fan_in and fan_out of a weight, as PyTorch computes them: axis 1 × the kernel for fan_in,
 * axis 0 × the kernel for fan_out. A conv weight `[Cout, Cin/groups, k...]` has fan_in
 * `Cin/groups · Πk`; a transposed conv's `[Cin, Cout/groups, k...]` has `Cout/groups · Πk`.
 */
export function fanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  checkTensor('fanInAndFanOut', t);
  if (t.rank < 2) {
    throw new AtrousError('rank_mismatch', `fanInAndFanOut: fan in and fan out need a tensor of rank ≥ 2, got ${fmtShape(t.shape)}`);
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** Options of the Kaiming (He et al. 2015) initialisers, as in `torch.nn.init.kaiming_*_`. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU after this layer. Default 0. */
  a?: number;
  /** Keep the variance of activations ('fanIn', default) or of gradients ('fanOut'). */
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  checkTensor(op, t);
  const { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' } = opts;
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new AtrousError('bad_argument', `${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const { fanIn, fanOut } = fanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new AtrousError('bad_argument', `${op}: tensor ${fmtShape(t.shape)} has a zero fan`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He uniform initialisation, as `torch.nn.init.kaiming_uniform_`: U(−b, b) with
 * b = gain·√(3 / fan). PyTorch's default conv and linear weights are `{ a: √5 }`, i.e. b = 1/√fan_in.
 * @example kaimingUniform_(w, { nonlinearity: 'relu' })
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  const rng = opts.generator ?? globalRng();
  return fill(t, () => rng.uniform(-bound, bound));
}

/** He normal initialisation, as `torch.nn.init.kaiming_normal_`: N(0, std²), std = gain/√fan. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const std = kaimingStd('kaimingNormal_', t, opts);
  const rng = opts.generator ?? globalRng();
  return fill(t, () => std * rng.normal());
}

function xavierStd(op: string, t: Tensor, gain: number): number {
  checkTensor(op, t);
  if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new AtrousError('bad_argument', `${op}: gain must be a finite number, got ${String(gain)}`);
  const { fanIn, fanOut } = fanInAndFanOut(t);
  if (fanIn + fanOut === 0) throw new AtrousError('bad_argument', `${op}: tensor ${fmtShape(t.shape)} has zero fans`);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** Glorot uniform initialisation, as `torch.nn.init.xavier_uniform_`: U(−a, a), a = gain·√(6/(fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const bound = Math.sqrt(3) * xavierStd('xavierUniform_', t, gain);
  const rng = opts.generator ?? globalRng();
  return fill(t, () => rng.uniform(-bound, bound));
}

/** Glorot normal initialisation, as `torch.nn.init.xavier_normal_`: std = gain·√(2/(fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const std = xavierStd('xavierNormal_', t, gain);
  const rng = opts.generator ?? globalRng();
  return fill(t, () => std * rng.normal());
}

/** N(mean, std²) in place, as `torch.nn.init.normal_`. */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  checkTensor('normal_', t);
  if (!Number.isFinite(mean) || !(std >= 0) || !Number.isFinite(std)) throw new AtrousError('bad_argument', `normal_: need a finite mean and std ≥ 0, got ${mean}, ${std}`);
  const rng = opts.generator ?? globalRng();
  return fill(t, () => mean + std * rng.normal());
}

/** U(low, high) in place, as `torch.nn.init.uniform_`. */
export function uniform_(t: Tensor, low = 0, high = 1, opts: InitOptions = {}): Tensor {
  checkTensor('uniform_', t);
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) throw new AtrousError('bad_argument', `uniform_: need finite low ≤ high, got ${low}, ${high}`);
  const rng = opts.generator ?? globalRng();
  return fill(t, () => rng.uniform(low, high));
}

/** Fills with `value`, as `torch.nn.init.constant_`. */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensor('constant_', t);
  if (typeof value !== 'number') throw new AtrousError('bad_argument', `constant_: value must be a number, got ${typeof value}`);
  t.data.fill(value);
  return t;
}

/** Fills with 0, as `torch.nn.init.zeros_`. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills with 1, as `torch.nn.init.ones_`. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Options of `identityInit_`. */
export interface IdentityInitOptions extends InitOptions {
  /**
   * Std of the Gaussian noise ε the paper puts in every entry that is not part of the identity
   * (σ ≪ C/c_out). Default 0: an exact identity.
   */
  noiseStd?: number;
  /**
   * C, the number of feature maps the module carries (classes, in the paper) when Cout ≠ Cin.
   * Default min(Cin, Cout): in the paper's Large module every layer is a multiple of C and the
   * narrowest is C itself.
   */
  classes?: number;
  /**
   * Which tap is the identity: 'centre' (for 'same' padding; default), 'last' on every axis (for a
   * 1D 'causal' conv), or explicit indices per kernel axis (e.g. `[k − 1, (k − 1)/2]` for a 2D conv
   * causal along its first axis).
   */
  tap?: 'centre' | 'last' | readonly number[];
}

/**
 * Identity initialisation of a conv weight `[Cout, Cin, k...]` (groups = 1), from Yu & Koltun 2016
 * ("Multi-scale context aggregation by dilated convolutions", ICLR), for the dilated context module,
 * where random init did not train. Only one tap t (the centre by default) is non-zero:
 * - Cout = Cin: w[o, c, t] = 1 if o = c: each layer passes its input through unchanged.
 * - Cout ≠ Cin, the paper's rule for the Large module, k^b(t, a) = C/c_{i+1} if
 *   ⌊a·C/c_i⌋ = ⌊b·C/c_{i+1}⌋ (a an input map of the c_i, b an output map of the c_{i+1}). In our
 *   layout, with o = output (axis 0) and c = input (axis 1):
 *   w[o, c, t] = C/Cout if ⌊o·C/Cout⌋ = ⌊c·C/Cin⌋, else 0. Read as: channel o belongs to map
 *   ⌊o·C/Cout⌋ of the C maps, and takes the inputs of the same map. Widening C → 2C copies each
 *   map into two channels at 1/2; narrowing 2C → C sums those two back at weight 1, so a stack
 *   C → 2C → … → C starts as the identity (the ReLUs in between pass the non-negative part).
 * With `noiseStd`, the entries not set by the rule get N(0, noiseStd²) (the paper's ε). With
 * Cout = Cin, a 'same' padded conv of any dilation (and zero bias) is then x ↦ x at init.
 * @example identityInit_(conv.weight, { noiseStd: 1e-3 }); zeros_(conv.bias!)
 */
export function identityInit_(weight: Tensor, opts: IdentityInitOptions = {}): Tensor {
  const op = 'identityInit_';
  checkTensor(op, weight);
  if (weight.rank < 3) throw new AtrousError('rank_mismatch', `${op}: expected a conv weight [Cout, Cin, k...], got ${fmtShape(weight.shape)}`);
  const [cOut, cIn, ...kernel] = weight.shape;
  const { noiseStd = 0, tap = 'centre' } = opts;
  let taps: number[];
  if (tap === 'centre') {
    if (kernel.some((k) => k % 2 === 0)) {
      throw new AtrousError('bad_argument', `${op}: kernel ${kernel.join('x')} of weight ${fmtShape(weight.shape)} has an even axis, so no centre tap; use odd kernels or give tap`);
    }
    taps = kernel.map((k) => (k - 1) / 2);
  } else if (tap === 'last') {
    taps = kernel.map((k) => k - 1);
  } else if (Array.isArray(tap) && tap.length === kernel.length && tap.every((v, i) => Number.isInteger(v) && v >= 0 && v < kernel[i])) {
    taps = [...tap];
  } else {
    throw new AtrousError('bad_argument', `${op}: tap must be 'centre', 'last' or ${kernel.length} indices inside kernel ${kernel.join('x')}, got ${JSON.stringify(tap)}`);
  }
  if (!(noiseStd >= 0) || !Number.isFinite(noiseStd)) throw new AtrousError('bad_argument', `${op}: noiseStd must be a finite number ≥ 0, got ${String(noiseStd)}`);
  const C = opts.classes ?? Math.min(cIn, cOut);
  if (!Number.isInteger(C) || C < 1) throw new AtrousError('bad_argument', `${op}: classes must be a positive integer, got ${String(opts.classes)}`);
  // Offset of the chosen tap inside one [k...] kernel (row-major).
  const t = taps.reduce((off, v, i) => off * kernel[i] + v, 0);
  const K = kernel.reduce((a, b) => a * b, 1);
  const rng = opts.generator ?? globalRng();
  for (let o = 0; o < cOut; o++) {
    for (let c = 0; c < cIn; c++) {
      const base = (o * cIn + c) * K;
      const hit = Math.floor((o * C) / cOut) === Math.floor((c * C) / cIn);
      for (let j = 0; j < K; j++) {
        if (j === t && hit) weight.data[base + j] = C / cOut;
        else weight.data[base + j] = noiseStd > 0 ? noiseStd * rng.normal() : 0;
      }
    }
  }
  return weight;
}
