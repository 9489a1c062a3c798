import type { ConvPlan } from '../../shape/plan-conv.js';
import type { TypedData } from '../../tensor/tensor.js';
import { geometry3d } from './geometry3d.js';

/**
 * Reference convolution (PyTorch's conv1d/2d/3d, cross-correlation): the direct nested loops,
 * with the dilation written into the index, accumulated in float64. Plain on purpose: it is the
 * oracle every fast kernel is tested against, and is itself tested against onnxruntime.
 *
 *   y[n, o, od, oh, ow] = b[o] + Σ_{c, kd, kh, kw} x[n, g·Cin_g + c, id, ih, iw] · w[o, c, kd, kh, kw]
 *   id = od·sD − padFront + kd·dD   (likewise ih, iw); taps that land in the padding read 0.
 *
 * x: [N, Cin, D, H, W], w: [Cout, Cin/groups, kD, kH, kW], y: [N, Cout, oD, oH, oW] (1D/2D lifted).
 */
export function convRef(plan: ConvPlan, x: TypedData, w: TypedData, bias: TypedData | null, y: TypedData): void {
  const g3 = geometry3d(plan);
  const { inSize: [D, H, W], kernel: [KD, KH, KW], stride: [sD, sH, sW], dilation: [dD, dH, dW] } = g3;
  const { padBefore: [pD, pH, pW], outSize: [OD, OH, OW] } = g3;
  const { batch: N, inChannels: Cin, outChannels: Cout, groups } = plan;
  const cinG = Cin / groups;
  const coutG = Cout / groups;
  let yi = 0;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < Cout; o++) {
      const g = Math.floor(o / coutG);
      for (let od = 0; od < OD; od++) {
        for (let oh = 0; oh < OH; oh++) {
          for (let ow = 0; ow < OW; ow++) {
            let acc = bias === null ? 0 : bias[o];
            for (let c = 0; c < cinG; c++) {
              const xBase = (n * Cin + g * cinG + c) * D;
              const wBase = (o * cinG + c) * KD;
              for (let kd = 0; kd < KD; kd++) {
                const id = od * sD - pD + kd * dD;
                if (id < 0 || id >= D) continue;
                for (let kh = 0; kh < KH; kh++) {
                  const ih = oh * sH - pH + kh * dH;
                  if (ih < 0 || ih >= H) continue;
                  for (let kw = 0; kw < KW; kw++) {
                    const iw = ow * sW - pW + kw * dW;
                    if (iw < 0 || iw >= W) continue;
                    acc += x[((xBase + id) * H + ih) * W + iw] * w[((wBase + kd) * KH + kh) * KW + kw];
                  }
                }
              }
            }
            y[yi++] = acc;
          }
        }
      }
    }
  }
}
