/**
 * The seeded corpus of conv configurations the reference kernels are checked on against
 * onnxruntime. Deterministic: the same seed gives the same cases on every machine, so a failure
 * names a case that can be rerun. Later fast kernels reuse this corpus.
 */
import type { Padding } from '../../src/shape/padding.js';
import { Rng } from '../../src/tensor/random.js';

export interface ConvCase {
  name: string;
  transposed: boolean;
  nd: number;
  xShape: number[];
  wShape: number[];
  bias: boolean;
  stride: number[];
  dilation: number[];
  groups: number;
  /** Forward conv: any Padding. Transposed: explicit pairs only. */
  padding: Padding;
  causalAxis?: number;
  outputPadding?: number[];
}

const eff = (k: number, d: number) => d * (k - 1) + 1;

/** Channel counts and groups: plain, grouped, or depthwise (with a channel multiplier). */
function channels(rng: Rng): { cin: number; cout: number; groups: number } {
  switch (rng.int(0, 3)) {
    case 0:
      return { cin: rng.int(1, 4), cout: rng.int(1, 4), groups: 1 };
    case 1: {
      const groups = rng.int(2, 3);
      return { cin: groups * rng.int(1, 2), cout: groups * rng.int(1, 2), groups };
    }
    case 2: {
      const c = rng.int(2, 5);
      return { cin: c, cout: c * rng.int(1, 2), groups: c }; // depthwise
    }
    default:
      return { cin: rng.int(1, 3), cout: rng.int(1, 3), groups: 1 };
  }
}

/** Random forward conv cases over padding modes, with sizes chosen so the dilated kernel fits. */
export function forwardCases(count: number, seed: number): ConvCase[] {
  const rng = new Rng(seed);
  const modes = ['valid', 'number', 'perAxis', 'pairs', 'same', 'causal', 'exactFit', 'outputOne'] as const;
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const nd = [1, 1, 2, 2, 2, 3][i % 6];
    const mode = modes[Math.floor(i / 6) % modes.length];
    const { cin, cout, groups } = channels(rng);
    // 3D stays small so the whole corpus runs in seconds.
    const kernel = Array.from({ length: nd }, () => rng.int(1, nd === 3 ? 2 : 3));
    const dilation = kernel.map(() => rng.int(1, nd === 3 ? 4 : 8));
    const stride = kernel.map(() => rng.int(1, 3));
    let padding: Padding = 'valid';
    let pairs = kernel.map((): [number, number] => [0, 0]);
    let causalAxis: number | undefined;
    if (mode === 'number') {
      const p = rng.int(0, 4);
      padding = p;
      pairs = pairs.map(() => [p, p]);
    } else if (mode === 'perAxis') {
      const ps = kernel.map(() => rng.int(0, 5));
      padding = ps;
      pairs = ps.map((p) => [p, p]);
    } else if (mode === 'pairs' || mode === 'exactFit') {
      pairs = kernel.map(() => [rng.int(0, 6), rng.int(0, 6)]);
      padding = pairs;
    } else if (mode === 'same') {
      padding = 'same';
    } else if (mode === 'causal') {
      padding = 'causal';
      if (nd > 1) causalAxis = rng.int(0, nd - 1);
    }
    const inSize = kernel.map((k, a) => {
      const e = eff(k, dilation[a]);
      const padTotal = pairs[a][0] + pairs[a][1];
      // exactFit: the dilated kernel is exactly as large as the padded input (one output).
      if (mode === 'exactFit') return Math.max(1, e - padTotal);
      // outputOne: padded input just under e + stride, so the output axis has length 1.
      if (mode === 'outputOne') return e + rng.int(0, stride[a] - 1);
      const lo = Math.max(1, e - padTotal);
      return rng.int(lo, lo + (nd === 3 ? 5 : 12));
    });
    if (mode === 'exactFit') {
      // Where the padding alone exceeds the kernel, shrink it so the fit stays exact.
      pairs = pairs.map((p, a) => (p[0] + p[1] + 1 > eff(kernel[a], dilation[a]) ? [0, 0] : p));
      const fixed = kernel.map((k, a) => eff(k, dilation[a]) - pairs[a][0] - pairs[a][1]);
      inSize.splice(0, nd, ...fixed);
      padding = pairs;
    }
    cases.push({
      name: `fwd#${i} ${nd}D ${mode}`,
      transposed: false,
      nd,
      xShape: [rng.int(1, 2), cin, ...inSize],
      wShape: [cout, cin / groups, ...kernel],
      bias: rng.next() < 0.5,
      stride,
      dilation,
      groups,
      padding,
      causalAxis,
    });
  }
  return cases;
}

/**
 * Random transposed conv cases with output_padding < stride (onnxruntime's limit; PyTorch also
 * allows stride ≤ output_padding < dilation, which unit tests cover by hand).
 */
export function transposedCases(count: number, seed: number): ConvCase[] {
  const rng = new Rng(seed);
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const nd = [1, 2, 2, 3][i % 4];
    const { cin, cout, groups } = channels(rng);
    const kernel = Array.from({ length: nd }, () => rng.int(1, nd === 3 ? 2 : 3));
    const dilation = kernel.map(() => rng.int(1, nd === 3 ? 3 : 8));
    const stride = kernel.map(() => rng.int(1, 3));
    const inSize = kernel.map(() => rng.int(1, nd === 3 ? 4 : 9));
    const outputPadding = stride.map((s) => rng.int(0, s - 1));
    // Crop at most what the full output has, keeping at least one output per axis.
    const pairs = kernel.map((k, a): [number, number] => {
      const full = (inSize[a] - 1) * stride[a] + eff(k, dilation[a]) + outputPadding[a];
      const before = rng.int(0, Math.min(4, full - 1));
      const after = rng.int(0, Math.min(4, full - 1 - before));
      return [before, after];
    });
    cases.push({
      name: `tr#${i} ${nd}D`,
      transposed: true,
      nd,
      xShape: [rng.int(1, 2), cin, ...inSize],
      wShape: [cin, cout / groups, ...kernel],
      bias: rng.next() < 0.5,
      stride,
      dilation,
      groups,
      padding: pairs,
      outputPadding,
    });
  }
  return cases;
}
