import { needsGrad, record } from '../autograd/node.js';
import { AtrousError, fmtShape } from '../errors.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import { checkTensors } from './check-tensors.js';

/**
 * A fully connected layer, as `torch.nn.functional.linear`: `y = x·Wᵀ + b` over the last axis.
 * x: `[..., in]` (any number of leading axes, or just `[in]`), weight: `[out, in]`, bias: `[out]`
 * or null → y: `[..., out]`. Differentiable in all three: dx = g·W, dW = gᵀ·x summed over the
 * leading axes, db = Σ g. Sums accumulate in float64.
 * @example linear(x, w, b) // x [32, 128], w [10, 128], b [10] → [32, 10]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const op = 'linear';
  checkTensors(op, x, weight, bias);
  if (weight.rank !== 2) throw new AtrousError('rank_mismatch', `${op}: weight must be [out, in], got ${fmtShape(weight.shape)}`);
  const [O, I] = weight.shape;
  if (x.rank < 1 || x.shape[x.rank - 1] !== I) {
    throw new AtrousError('channel_mismatch', `${op}: x ${fmtShape(x.shape)} must end with in=${I} to match weight ${fmtShape(weight.shape)}`);
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== O)) {
    throw new AtrousError('channel_mismatch', `${op}: bias ${fmtShape(bias.shape)} must be [${O}] for weight ${fmtShape(weight.shape)}`);
  }
  const R = x.shape.slice(0, -1).reduce((a, b) => a * b, 1); // rows: the leading axes
  const xd = x.data;
  const wd = weight.data;
  const y = zeros([...x.shape.slice(0, -1), O], x.dtype);
  // Row of x times row of W: both contiguous, so the inner loop streams two arrays.
  for (let r = 0; r < R; r++) {
    const xo = r * I;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let s = bias === null ? 0 : bias.data[o];
      for (let i = 0; i < I; i++) s += xd[xo + i] * wd[wo + i];
      y.data[r * O + o] = s;
    }
  }
  return record(op, y, [x, weight, bias], (g) => linearBackward(g, x, weight, bias, R, O, I));
}

/** linear's gradients, module-level for the reason given at weightNormBackward (ops/norms.ts). */
function linearBackward(g: Tensor, x: Tensor, weight: Tensor, bias: Tensor | null, R: number, O: number, I: number): [Tensor | null, Tensor | null, Tensor | null] {
  const xd = x.data;
  const wd = weight.data;
  const gd = g.data;
  let dx: Tensor | null = null;
  if (needsGrad(x)) {
    // dx[r, :] = Σ_o g[r, o]·W[o, :], accumulated row by row in float64.
    dx = zeros(x.shape, x.dtype);
    const acc = new Float64Array(I);
    for (let r = 0; r < R; r++) {
      acc.fill(0);
      for (let o = 0; o < O; o++) {
        const gv = gd[r * O + o];
        if (gv === 0) continue;
        for (let i = 0, wo = o * I; i < I; i++) acc[i] += gv * wd[wo + i];
      }
      dx.data.set(acc, r * I);
    }
  }
  let dw: Tensor | null = null;
  if (needsGrad(weight)) {
    // dW[o, :] = Σ_r g[r, o]·x[r, :]: the same axpy over contiguous rows.
    const acc = new Float64Array(O * I);
    for (let r = 0; r < R; r++) {
      const xo = r * I;
      for (let o = 0; o < O; o++) {
        const gv = gd[r * O + o];
        if (gv === 0) continue;
        for (let i = 0, wo = o * I; i < I; i++) acc[wo + i] += gv * xd[xo + i];
      }
    }
    dw = new Tensor(weight.dtype === 'float64' ? acc : Float32Array.from(acc), weight.shape);
  }
  let db: Tensor | null = null;
  if (needsGrad(bias)) {
    const acc = new Float64Array(O);
    for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) acc[o] += gd[r * O + o];
    db = new Tensor(bias.dtype === 'float64' ? acc : Float32Array.from(acc), bias.shape);
  }
  return [dx, dw, db];
}
