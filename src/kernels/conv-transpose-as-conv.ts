import { planConv, type ConvPlan } from '../shape/plan-conv.js';
import { geometry3d } from './ref/geometry3d.js';

/**
 * A transposed conv rewritten as a forward conv, so every fast forward kernel also serves
 * transposed convs (and input gradients) where no stride-phase kernel does (registry.ts: a backend
 * without one, or strides past its phase limit):
 *
 *   convT(x, w; s, d, pads pb/pa, outputPadding op)
 *     = conv(upsample_s(x), flip(wᵀ); stride 1, dilation d, pads d·(k−1) − pb, d·(k−1) − pa + op)
 *
 * upsample_s puts s−1 zeros between samples; wᵀ swaps the in/out channel axes within each group and
 * flip reverses every spatial axis. A negative pad crops the upsampled input instead. The zeros
 * cost s^nd in multiplies on strided convs; the upsampled input is O(input · s^nd) extra memory.
 * Returns null when no input sample lands inside the cropped output on some axis: the output is
 * then all output padding, i.e. just the bias.
 */
export function transposeAsConv(plan: ConvPlan, x: Float32Array, w: Float32Array): { plan: ConvPlan; x: Float32Array; w: Float32Array } | null {
  const g = geometry3d(plan);
  const padAfter = [0, 0, 0];
  plan.pads.forEach((p, i) => (padAfter[3 - plan.nd + i] = p[1]));
  const outPad = [0, 0, 0];
  plan.outputPadding.forEach((p, i) => (outPad[3 - plan.nd + i] = p));
  const crop0 = [0, 0, 0];
  const size = [0, 0, 0];
  const pads: [number, number][] = [];
  for (let a = 0; a < 3; a++) {
    const reach = g.dilation[a] * (g.kernel[a] - 1);
    const before = reach - g.padBefore[a];
    const after = reach - padAfter[a] + outPad[a];
    crop0[a] = Math.max(0, -before);
    size[a] = (g.inSize[a] - 1) * g.stride[a] + 1 - crop0[a] - Math.max(0, -after);
    if (size[a] < 1) return null;
    pads.push([Math.max(0, before), Math.max(0, after)]);
  }
  const { batch: N, inChannels: Cin, outChannels: Cout, groups } = plan;
  // Stride 1 with nothing cropped: the "upsampled" input is x itself.
  const same = g.stride.every((st) => st === 1) && size.every((n, a) => n === g.inSize[a]);
  const xUp = same ? x : upsample(x, N * Cin, g.inSize, g.stride, crop0, size);
  const wFlip = flipTransposeWeights(w, Cin, Cout, groups, g.kernel);
  const cinG = Cin / groups;
  const unlift = <T>(v: readonly T[]): T[] => v.slice(3 - plan.nd);
  const fwd = planConv(plan.op, plan.nd, [N, Cin, ...unlift(size)], [Cout, cinG, ...plan.kernel], null, {
    stride: 1,
    dilation: [...plan.dilation],
    groups,
    padding: unlift(pads),
  });
  return { plan: fwd, x: xUp, w: wFlip };
}

/** [planes, D, H, W] → [planes, size]: sample i lands at i·s − crop0 when inside, zeros elsewhere. */
function upsample(x: Float32Array, planes: number, inSize: number[], s: number[], crop0: number[], size: number[]): Float32Array {
  const [D, H, W] = inSize;
  const [OD, OH, OW] = size;
  const out = new Float32Array(planes * OD * OH * OW);
  let src = 0;
  for (let p = 0; p < planes; p++) {
    for (let id = 0; id < D; id++) {
      const od = id * s[0] - crop0[0];
      for (let ih = 0; ih < H; ih++) {
        const oh = ih * s[1] - crop0[1];
        const inside = od >= 0 && od < OD && oh >= 0 && oh < OH;
        const rowBase = ((p * OD + od) * OH + oh) * OW;
        for (let iw = 0; iw < W; iw++, src++) {
          const ow = iw * s[2] - crop0[2];
          if (inside && ow >= 0 && ow < OW) out[rowBase + ow] = x[src];
        }
      }
    }
  }
  return out;
}

/** [Cin, Cout/groups, k…] → [Cout, Cin/groups, k… reversed on every spatial axis]. */
function flipTransposeWeights(w: Float32Array, Cin: number, Cout: number, groups: number, kernel: number[]): Float32Array {
  const cinG = Cin / groups;
  const coutG = Cout / groups;
  const K = kernel[0] * kernel[1] * kernel[2];
  const out = new Float32Array(w.length);
  for (let ci = 0; ci < Cin; ci++) {
    const grp = Math.floor(ci / cinG);
    for (let j = 0; j < coutG; j++) {
      const src = (ci * coutG + j) * K;
      const dst = ((grp * coutG + j) * cinG + (ci - grp * cinG)) * K;
      // Reversing the flat index over (kd, kh, kw) reverses all three axes at once.
      for (let t = 0; t < K; t++) out[dst + K - 1 - t] = w[src + t];
    }
  }
  return out;
}
