import { Conv1d, Conv2d, Conv3d } from '../nn/conv.js';
import type { Module } from '../nn/module.js';
import type { RfLayer } from '../shape/receptive-field.js';
import { ASPP } from './aspp.js';
import { ContextModule } from './context-module.js';
import { DilatedClassifier } from './dilated-classifier.js';
import { TCNRegressor } from './tcn.js';
import { WaveNet } from './wavenet.js';

/** A model family the CLI can describe (`atrous rf --model <name>`). */
export interface ModelFamily {
  /** One line: what it is, with its configuration. */
  title: string;
  /** The paper it follows. */
  source: string;
  build(): Module;
  /** The convs one output's receptive field grows through (default: `convPath`). */
  rfLayers?(model: Module): RfLayer[];
}

/**
 * The convs of a model in declaration order, as a stack for the receptive field: 1x1 convs with
 * stride 1 (projections, skips, gates' outputs) are left out, since they neither widen nor
 * subsample. Right for chains and residual stacks (the residual path is never wider than the conv
 * path); models with parallel branches give their own `rfLayers`. Uses each conv's first axis.
 */
export function convPath(model: Module): RfLayer[] {
  const out: RfLayer[] = [];
  for (const m of model.modules()) {
    if (!(m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d)) continue;
    const kernel = m.kernelSize[0];
    const stride = m.stride[0];
    if (kernel === 1 && stride === 1) continue;
    out.push({ kernel, dilation: m.dilation[0], stride });
  }
  return out;
}

/** The families with the configurations the docs and benchmarks use. */
export const MODEL_FAMILIES: Record<string, ModelFamily> = {
  tcn: {
    title: 'TCN for the adding problem: 8 levels, kernel 8, 24 channels, causal, weight norm (dilations 1..128, two convs each)',
    source: 'Bai, Kolter & Koltun 2018, "An empirical evaluation of generic convolutional and recurrent networks for sequence modeling"',
    build: () => new TCNRegressor(2, Array(8).fill(24), 1, { kernelSize: 8, dropout: 0 }),
  },
  context: {
    title: 'context module, basic, 21 classes (3x3 convs at dilations 1,1,2,4,8,16,1, then 1x1; identity init)',
    source: 'Yu & Koltun 2016, "Multi-scale context aggregation by dilated convolutions"',
    build: () => new ContextModule(21),
  },
  wavenet: {
    title: 'WaveNet-style stack: 30 gated layers (dilations 1..512, 3 cycles), 64 residual and 64 skip channels, 256 μ-law classes',
    source: 'van den Oord et al. 2016, "WaveNet: a generative model for raw audio"',
    build: () => new WaveNet({ residualChannels: 64, skipChannels: 64, classes: 256, layersPerCycle: 10, cycles: 3 }),
  },
  aspp: {
    title: 'ASPP head, 256 → 256 channels: a 1x1 branch, 3x3 branches at rates 6, 12 and 18, image pooling, 1x1 projection',
    source: 'Chen et al. 2017, "Rethinking atrous convolution for semantic image segmentation" (DeepLab v3)',
    build: () => new ASPP(256, 256),
    // Parallel branches: one output's field is the widest branch's (image pooling aside, which sees everything).
    rfLayers: () => [{ kernel: 3, dilation: 18 }],
  },
  digits: {
    title: 'the dilated digit classifier of `atrous demo` (3x3 stem, stride-2 conv, residual blocks at dilations 1 and 3)',
    source: 'Yu, Koltun & Funkhouser 2017, "Dilated residual networks" (a small variant)',
    build: () => new DilatedClassifier(10, { channels: 32, dilations: [1, 3] }),
  },
};
