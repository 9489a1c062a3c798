import { AtrousError } from '../errors.js';

/** Samples in [−1, 1]: a Float32Array, a Float64Array or a number array. */
export type Samples = Float32Array | Float64Array | readonly number[];

function checkChannels(op: string, q: number): number {
  if (!Number.isInteger(q) || q < 2 || q > 65536) throw new AtrousError('bad_argument', `${op}: quantizationChannels must be an integer in 2..65536, got ${String(q)}`);
  return q - 1;
}

/**
 * μ-law companding then quantization to `quantizationChannels` classes (μ = channels − 1), as
 * `torchaudio.functional.mu_law_encoding`: `f = sign(x)·ln(1 + μ|x|)/ln(1 + μ)`, code
 * `⌊(f + 1)/2·μ + 0.5⌋`. Values outside [−1, 1] are clipped first (so every code is a valid
 * class); NaN is an error. WaveNet's 8-bit audio classes are `muLawEncode(x, 256)`.
 * @example muLawEncode(Float32Array.of(-1, 0, 1), 256) // Int32Array [0, 128, 255]
 */
export function muLawEncode(x: Samples, quantizationChannels = 256): Int32Array {
  const mu = checkChannels('muLawEncode', quantizationChannels);
  if (!(x instanceof Float32Array || x instanceof Float64Array || Array.isArray(x))) {
    throw new AtrousError('bad_argument', 'muLawEncode: x must be a Float32Array, a Float64Array or a number array');
  }
  const out = new Int32Array(x.length);
  const scale = 1 / Math.log1p(mu);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new AtrousError('bad_argument', `muLawEncode: sample ${i} is ${String(v)}, not a number`);
    const c = v > 1 ? 1 : v < -1 ? -1 : v;
    const f = Math.sign(c) * Math.log1p(mu * Math.abs(c)) * scale;
    out[i] = Math.floor(((f + 1) / 2) * mu + 0.5);
  }
  return out;
}

/**
 * The inverse of `muLawEncode`, as `torchaudio.functional.mu_law_decoding`: code q → f = 2q/μ − 1 →
 * `sign(f)·((1 + μ)^|f| − 1)/μ`, in [−1, 1]. Codes must be integers in 0..channels−1.
 * @example muLawDecode(Int32Array.of(0, 255), 256) // Float32Array [-1, 1]
 */
export function muLawDecode(codes: Int32Array | readonly number[] | Float32Array | Float64Array, quantizationChannels = 256): Float32Array {
  const mu = checkChannels('muLawDecode', quantizationChannels);
  if (!(codes instanceof Int32Array || codes instanceof Float32Array || codes instanceof Float64Array || Array.isArray(codes))) {
    throw new AtrousError('bad_argument', 'muLawDecode: codes must be an Int32Array or a number array');
  }
  const out = new Float32Array(codes.length);
  const l = Math.log1p(mu);
  for (let i = 0; i < codes.length; i++) {
    const q = codes[i];
    if (!Number.isInteger(q) || q < 0 || q > mu) throw new AtrousError('bad_argument', `muLawDecode: code ${String(q)} at ${i} is not an integer in 0..${mu}`);
    const f = (q / mu) * 2 - 1;
    out[i] = (Math.sign(f) * Math.expm1(Math.abs(f) * l)) / mu;
  }
  return out;
}
