import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ASPP, AtrousError, ConvBnReLU, gradcheck, gradcheckProjected, manualSeed, noGrad, randn, relu, SEGMENTATION_HEADS, SegmentationNet, Tensor,
} from '../../src/index.js';

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });
const maxDiff = (a: Tensor, b: Tensor) => {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
};

describe('ASPP', () => {
  it('maps [N, Cin, H, W] to [N, Cout, H, W] through 1x1, one 3x3 per rate and image pooling, projected from (rates + 2)·Cout channels', () => {
    const aspp = new ASPP(4, 3, { rates: [1, 2, 3] });
    const y = aspp.forward(randn([2, 4, 7, 9], { seed: 1 }));
    assert.deepEqual(y.shape, [2, 3, 7, 9]);
    assert.equal(aspp.branches.length, 4);
    assert.deepEqual(aspp.branches.map((b) => b.conv.dilation[0]), [1, 1, 2, 3]);
    assert.deepEqual(aspp.branches.map((b) => b.conv.kernelSize[0]), [1, 3, 3, 3]);
    assert.deepEqual(aspp.project.conv.weight!.shape, [3, 15, 1, 1]);
    assert.ok(aspp.branches.every((b) => b.conv.bias === null), 'the convs have no bias (batch norm follows)');
    const names = [...aspp.namedParameters()].map(([k]) => k);
    assert.deepEqual(names.slice(0, 3), ['branches.0.conv.weight', 'branches.0.bn.weight', 'branches.0.bn.bias']);
    assert.ok(names.includes('pool.conv.weight') && names.includes('project.bn.bias'));
    assert.deepEqual([...new ASPP(8).rates], [6, 12, 18], "DeepLab v3's default rates");
    assert.equal(new ASPP(8).drop.p, 0.1);
  });

  it('a rate at least the map size leaves only the centre tap inside: that branch equals a 1x1 conv with the centre weights', () => {
    const aspp = new ASPP(3, 2, { rates: [5] }).eval();
    const branch = aspp.branches[1];
    const one = new ConvBnReLU(3, 2, 1).eval();
    const w = branch.conv.weight!;
    for (let o = 0; o < 2; o++) for (let c = 0; c < 3; c++) one.conv.weight!.data[o * 3 + c] = w.data[(o * 3 + c) * 9 + 4];
    const x = randn([1, 3, 5, 5], { seed: 2 });
    assert.ok(maxDiff(branch.forward(x), one.forward(x)) < 1e-6);
  });

  it('the image-pooling branch adds the same vector at every position, so a spatially constant input gives a constant output', () => {
    const aspp = new ASPP(2, 3, { rates: [1, 2] }).eval();
    const x = new Tensor(new Float32Array(2 * 2 * 6 * 6), [2, 2, 6, 6]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.floor(i / 36) % 2 === 0 ? 0.7 : -1.3;
    // Zero padding makes the 3x3 branches differ at the border; with every 3x3 weight zeroed only
    // the 1x1 and pooling branches act, and both are the same at every pixel.
    for (const b of aspp.branches.slice(1)) b.conv.weight!.data.fill(0);
    const y = aspp.forward(x);
    for (let p = 0; p < 6; p++) {
      const plane = y.data.subarray(p * 36, (p + 1) * 36);
      assert.ok(plane.every((v) => Math.abs(v - plane[0]) < 1e-6), `plane ${p} is constant`);
    }
  });

  it('refuses a batch of 1 in training (the pooled batch norm would see one value) but runs it in eval', () => {
    const aspp = new ASPP(2, 2, { rates: [1] });
    assert.throws(() => aspp.forward(randn([1, 2, 4, 4])), (e: unknown) => e instanceof AtrousError && e.code === 'bad_argument' && /batch 1/.test(e.message));
    assert.deepEqual(aspp.eval().forward(randn([1, 2, 4, 4])).shape, [1, 2, 4, 4]);
    assert.throws(() => aspp.forward(randn([2, 4, 4])), (e: unknown) => e instanceof AtrousError && e.code === 'rank_mismatch');
  });

  it('dropout acts in training only: eval is deterministic', () => {
    const aspp = new ASPP(2, 4, { rates: [1], dropout: 0.5 });
    const x = randn([2, 2, 5, 5], { seed: 3 });
    const a = aspp.forward(x);
    assert.ok(a.data.some((v) => v === 0));
    aspp.eval();
    assert.equal(maxDiff(aspp.forward(x), aspp.forward(x)), 0);
  });

  it('validates rates', () => {
    for (const rates of [[], [0], [1.5], [-2]]) {
      assert.throws(() => new ASPP(2, 2, { rates }), (e: unknown) => e instanceof AtrousError && e.code === 'bad_argument', JSON.stringify(rates));
    }
  });

  it('gradcheck (float64, every coordinate) in x on a tiny map, training mode', () => {
    const aspp = new ASPP(2, 2, { rates: [1, 2], dropout: 0 }).to('float64');
    const r = gradcheck((x) => aspp.forward(x), [f64([2, 2, 3, 3], 4).requiresGrad_()]);
    assert.ok(r.ok, r.failure);
  });

  it('gradcheckProjected (float64) in x, a dilated branch weight, the pooling conv and the projection, in training and eval', () => {
    for (const mode of ['train', 'eval'] as const) {
      const aspp = new ASPP(3, 4, { rates: [1, 2, 3], dropout: 0 }).to('float64');
      if (mode === 'eval') aspp.eval();
      const fn = (x: Tensor, wb: Tensor, wp: Tensor, wj: Tensor) => {
        aspp.branches[2].conv.weight = wb;
        aspp.pool.conv.weight = wp;
        aspp.project.conv.weight = wj;
        return aspp.forward(x);
      };
      const inputs = [f64([2, 3, 6, 7], 5), aspp.branches[2].conv.weight!, aspp.pool.conv.weight!, aspp.project.conv.weight!].map((t) => t.detach().requiresGrad_());
      const r = gradcheckProjected(fn, inputs, { seed: 6 });
      assert.ok(r.ok, `${mode}: ${r.failure}`);
    }
  });
});

describe('SegmentationNet', () => {
  it('gives per-pixel logits [N, classes, H, W] at the input size for every head and output stride', () => {
    for (const head of SEGMENTATION_HEADS) {
      for (const downsamples of [1, 2]) {
        const net = new SegmentationNet(5, { head, width: 4, downsamples });
        assert.equal(net.outputStride, 2 ** downsamples);
        assert.deepEqual(net.forward(randn([2, 1, 21, 18])).shape, [2, 5, 21, 18], `${head}, ${downsamples}`);
      }
    }
    assert.throws(() => new SegmentationNet(3, { head: 'crf' as never }), (e: unknown) => e instanceof AtrousError && /head must be one of/.test(e.message));
    assert.throws(() => new SegmentationNet(3, { downsamples: 3 }), AtrousError);
  });

  it('with one seed the front end starts the same whatever the head; identity context passes relu(scores) at init', () => {
    const build = (head: (typeof SEGMENTATION_HEADS)[number]) => {
      manualSeed(7);
      return new SegmentationNet(11, { head, width: 4 });
    };
    const nets = SEGMENTATION_HEADS.map(build);
    const front = (n: SegmentationNet) => n.frontend.flatMap((l) => Array.from(l.conv.weight!.data));
    for (const n of nets.slice(1)) assert.deepEqual(front(n), front(nets[0]));
    const [plain, ident, random, aspp] = nets;
    assert.equal(plain.context, null);
    assert.equal(ident.context!.channels, 11, 'basic module with C = classes');
    assert.deepEqual(plain.classifier.weight!.data, ident.classifier.weight!.data);
    assert.equal(aspp.aspp!.rates.join(), '2,4,6');
    assert.equal(aspp.classifier.inChannels, 8);
    const x = randn([2, 1, 16, 16], { seed: 8 });
    noGrad(() => {
      let h = x;
      for (const l of ident.frontend) h = l.forward(h);
      const scores = ident.classifier.forward(h);
      assert.ok(maxDiff(ident.context!.forward(scores), relu(scores)) < 1e-6, 'identity init: the module is relu at init');
      assert.ok(maxDiff(random.context!.forward(scores), relu(scores)) > 1e-2, 'random init is not');
    });
  });

  it('loadFrontend copies the front end and batch-norm statistics, and the classifier where shapes match', () => {
    manualSeed(1);
    const a = new SegmentationNet(5, { head: 'frontend', width: 3 });
    a.frontend[1].bn.runningMean!.data.fill(0.25);
    manualSeed(2);
    const b = new SegmentationNet(5, { head: 'context-identity', width: 3 });
    const c = new SegmentationNet(5, { head: 'aspp', width: 3, asppChannels: 4 });
    const keys = b.loadFrontend(a);
    assert.ok(keys.includes('frontend.0.conv.weight') && keys.includes('frontend.1.bn.running_mean') && keys.includes('classifier.weight'));
    assert.deepEqual(b.frontend[2].conv.weight!.data, a.frontend[2].conv.weight!.data);
    assert.deepEqual(b.classifier.weight!.data, a.classifier.weight!.data);
    assert.ok(b.frontend[1].bn.runningMean!.data.every((v) => v === 0.25));
    assert.ok(!c.loadFrontend(a).includes('classifier.weight'), 'the ASPP classifier reads 4 channels, not 6');
    assert.throws(() => new SegmentationNet(5, { width: 4 }).loadFrontend(a), (e: unknown) => e instanceof AtrousError && /different width/.test(e.message));
  });

  it('gradcheckProjected (float64) through the whole net in x for the aspp and context heads', () => {
    for (const head of ['aspp', 'context-identity', 'frontend'] as const) {
      manualSeed(9);
      const net = new SegmentationNet(3, { head, width: 2, asppRates: [1, 2], asppDropout: 0 }).to('float64');
      const r = gradcheckProjected((x) => net.forward(x), [f64([2, 1, 9, 8], 10).requiresGrad_()], { seed: 11 });
      assert.ok(r.ok, `${head}: ${r.failure}`);
    }
  });
});
