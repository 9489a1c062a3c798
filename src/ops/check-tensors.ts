import { AtrousError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** Checks that the op's tensor arguments are Tensors of one dtype, before any shape check. */
export function checkTensors(op: string, x: unknown, w: unknown, bias: unknown): void {
  if (!(x instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: x must be a Tensor, got ${describe(x)}`);
  if (!(w instanceof Tensor)) throw new AtrousError('bad_tensor', `${op}: weight must be a Tensor, got ${describe(w)}`);
  if (bias !== null && bias !== undefined && !(bias instanceof Tensor)) {
    throw new AtrousError('bad_tensor', `${op}: bias must be a Tensor or null, got ${describe(bias)}`);
  }
  const dtypes = [x, w, bias].filter((t): t is Tensor => t instanceof Tensor).map((t) => t.dtype);
  if (dtypes.some((d) => d !== dtypes[0])) {
    throw new AtrousError('bad_tensor', `${op}: x, weight and bias must share a dtype, got ${dtypes.join(', ')}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array (wrap it with tensor())';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}
