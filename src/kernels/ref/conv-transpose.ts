import type { ConvPlan } from '../../shape/plan-conv.js';
import type { TypedData } from '../../tensor/tensor.js';
import { geometry3d } from './geometry3d.js';

/**
 * Reference transposed convolution (PyTorch's conv_transpose1d/2d/3d), written as the scatter that
 * defines it: every input value adds its weighted kernel into the output at
 *
 *   od = id·sD − padFront + kd·dD   (likewise oh, ow)
 *
 * and contributions that fall outside the output (cropped by padding) are dropped. Accumulates in
 * a float64 buffer. x: [N, Cin, D, H, W], w: [Cin, Cout/groups, kD, kH, kW], y: [N, Cout, oD, oH, oW].
 */
export function convTransposeRef(plan: ConvPlan, x: TypedData, w: TypedData, bias: TypedData | null, y: TypedData): void {
  const g3 = geometry3d(plan);
  const { inSize: [D, H, W], kernel: [KD, KH, KW], stride: [sD, sH, sW], dilation: [dD, dH, dW] } = g3;
  const { padBefore: [pD, pH, pW], outSize: [OD, OH, OW] } = g3;
  const { batch: N, inChannels: Cin, outChannels: Cout, groups } = plan;
  const cinG = Cin / groups;
  const coutG = Cout / groups;
  const outPlane = OD * OH * OW;
  const acc = new Float64Array(N * Cout * outPlane);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < Cin; c++) {
      const g = Math.floor(c / cinG);
      for (let id = 0; id < D; id++) {
        for (let ih = 0; ih < H; ih++) {
          for (let iw = 0; iw < W; iw++) {
            const v = x[(((n * Cin + c) * D + id) * H + ih) * W + iw];
            for (let j = 0; j < coutG; j++) {
              const yBase = (n * Cout + g * coutG + j) * outPlane;
              const wBase = (c * coutG + j) * KD;
              for (let kd = 0; kd < KD; kd++) {
                const od = id * sD - pD + kd * dD;
                if (od < 0 || od >= OD) continue;
                for (let kh = 0; kh < KH; kh++) {
                  const oh = ih * sH - pH + kh * dH;
                  if (oh < 0 || oh >= OH) continue;
                  for (let kw = 0; kw < KW; kw++) {
                    const ow = iw * sW - pW + kw * dW;
                    if (ow < 0 || ow >= OW) continue;
                    acc[yBase + (od * OH + oh) * OW + ow] += v * w[((wBase + kd) * KH + kh) * KW + kw];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < Cout; o++) {
      const base = (n * Cout + o) * outPlane;
      const b = bias === null ? 0 : bias[o];
      for (let i = 0; i < outPlane; i++) y[base + i] = acc[base + i] + b;
    }
  }
}
