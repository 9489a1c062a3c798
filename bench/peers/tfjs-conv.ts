/**
 * A case as a tfjs call, shared by the tfjs-backend-wasm and tfjs-backend-cpu peers.
 *
 * tfjs is channels-last: x NHWC, filters HWIO ([...k, Cin, Cout]), depthwise filters
 * [kH, kW, Cin, multiplier]. Inputs are transposed once here, outside the timed region; outputs
 * stay NHWC ('channels-last') and the harness converts them before comparing.
 * - 1D runs as conv2d with a unit height axis (tfjs's own conv1d does the same, minus the bias fusion).
 * - 2D: fused.conv2d / fused.depthwiseConv2d, bias fused into the kernel as in onnxruntime's Conv.
 * - 3D: conv3d takes only 'valid' or 'same', and has no fused bias, so the bias is a separate add.
 * - groups other than 1 or Cin: tfjs has no grouped conv.
 * tfjs checks some arguments only when the op runs (e.g. stride > 1 with dilation > 1), so
 * prepare runs the op once and turns its error into a refusal with tfjs's own text.
 */
import type * as Tfjs from '@tensorflow/tfjs-core';
import { samePadding } from '../../src/shape/padding.js';
import { permute } from '../../src/tensor/permute.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { type PlannedCase, type Prepared, Refused } from '../runner-types.js';

type Tf = typeof Tfjs;

function transpose(data: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  return permute(new Tensor(data, shape), axes).data as Float32Array;
}

/** [N, C, ...s] → [N, ...s, C] */
function channelsLast(data: Float32Array, shape: readonly number[]): Float32Array {
  const nd = shape.length - 2;
  return transpose(data, shape, [0, ...Array.from({ length: nd }, (_, i) => i + 2), 1]);
}

/** [Cout, Cin, ...k] → [...k, Cin, Cout] */
function filterHwio(w: Float32Array, shape: readonly number[]): Float32Array {
  const nd = shape.length - 2;
  return transpose(w, shape, [...Array.from({ length: nd }, (_, i) => i + 2), 1, 0]);
}

/** [Cin·m, 1, kH, kW] → [kH, kW, Cin, m]; output channel c·m + j is group c's j-th filter in both. */
function filterDepthwise(w: Float32Array, cin: number, m: number, k: readonly number[]): Float32Array {
  return transpose(w, [cin, m, ...k], [2, 3, 0, 1]);
}

type Op = () => Tfjs.Tensor;

/** Builds the tfjs call for a case; tensors live on whatever backend is active. */
function buildOp(tf: Tf, c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): { op: Op; tensors: Tfjs.Tensor[] } {
  const depthwise = c.groups === c.Cin && c.groups > 1 && c.Cout % c.Cin === 0;
  if (c.groups !== 1 && !depthwise) {
    throw new Refused(`tfjs has no grouped conv: groups=${c.groups} is neither 1 nor Cin=${c.Cin} (depthwise)`);
  }
  const bias = tf.tensor1d(b);
  if (c.nd === 3) {
    if (depthwise) throw new Refused('tfjs has no depthwise or grouped conv3d');
    const pad = conv3dPadding(c);
    const xt = tf.tensor5d(channelsLast(x, c.xShape), [c.N, ...c.spatial, c.Cin] as [number, number, number, number, number]);
    const wt = tf.tensor5d(filterHwio(w, c.wShape), [...c.kernel, c.Cin, c.Cout] as [number, number, number, number, number]);
    const [s, d] = [c.stride as [number, number, number], c.dilation as [number, number, number]];
    return { op: () => tf.add(tf.conv3d(xt, wt, s, pad, 'NDHWC', d), bias), tensors: [xt, wt, bias] };
  }
  // 1D as 2D with H = 1: [N, C, L] → [N, 1, L, C].
  const sp = c.nd === 1 ? [1, c.spatial[0]] : c.spatial;
  const k = c.nd === 1 ? [1, c.kernel[0]] : c.kernel;
  const strides = (c.nd === 1 ? [1, c.stride[0]] : c.stride) as [number, number];
  const dilations = (c.nd === 1 ? [1, c.dilation[0]] : c.dilation) as [number, number];
  const pads = c.nd === 1 ? [[0, 0], c.pads[0]] : c.pads;
  const xt = tf.tensor4d(channelsLast(x, c.xShape), [c.N, sp[0], sp[1], c.Cin]);
  if (depthwise) {
    const m = c.Cout / c.Cin;
    const wt = tf.tensor4d(filterDepthwise(w, c.Cin, m, k), [k[0], k[1], c.Cin, m]);
    // fused.depthwiseConv2d is typed for a single number of padding; explicit pairs only if asymmetric.
    const flat = pads.flat();
    const pad = flat.every((p) => p === flat[0]) ? flat[0] : ([[0, 0], ...pads, [0, 0]] as unknown as number);
    const op = () => tf.fused.depthwiseConv2d({ x: xt, filter: wt, strides, pad, dataFormat: 'NHWC', dilations, bias });
    return { op, tensors: [xt, wt, bias] };
  }
  const wt = tf.tensor4d(filterHwio(w, [c.Cout, c.Cin, ...k]), [k[0], k[1], c.Cin, c.Cout]);
  const pad = [[0, 0], pads[0], pads[1], [0, 0]] as Tfjs.backend_util.ExplicitPadding;
  const op = () => tf.fused.conv2d({ x: xt, filter: wt, strides, pad, dataFormat: 'NHWC', dilations, bias });
  return { op, tensors: [xt, wt, bias] };
}

/** conv3d's padding must be 'valid' or 'same': accept the case only if its pads are one of those. */
function conv3dPadding(c: PlannedCase): 'valid' | 'same' {
  if (c.pads.every(([b, a]) => b === 0 && a === 0)) return 'valid';
  const same = c.spatial.map((n, i) => samePadding(n, c.kernel[i], c.stride[i], c.dilation[i]));
  if (same.every(([b, a], i) => b === c.pads[i][0] && a === c.pads[i][1])) return 'same';
  throw new Refused(`tfjs conv3d takes only 'valid' or 'same' padding; this case needs pads ${JSON.stringify(c.pads)}`);
}

/** Prepares a case on the currently active tfjs backend. */
export async function prepareTfjs(tf: Tf, c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
  const { op, tensors } = buildOp(tf, c, x, w, b);
  const run = async (): Promise<Float32Array> => {
    const y = tf.tidy(op);
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return data;
  };
  try {
    await run();
  } catch (e) {
    tf.dispose(tensors);
    throw new Refused((e as Error).message);
  }
  return {
    run,
    outputLayout: 'channels-last',
    async dispose() {
      tf.dispose(tensors);
    },
  };
}
