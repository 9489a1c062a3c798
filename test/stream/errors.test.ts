import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AtrousError, BatchNorm1d, type CellContext, Conv1d, Conv2d, Dropout1d, GroupNorm, hasStreamCell, LayerNorm, Linear, Module, randn, registerStreamCell,
  Sequential, stream, type StreamCell, TCN, Tensor, WaveNet, zeros,
} from '../../src/index.js';

/** Asserts that stream(model) throws an AtrousError whose message matches `msg`. */
function refuses(model: Module, msg: RegExp): void {
  assert.throws(() => stream(model), (e) => {
    assert.ok(e instanceof AtrousError, String(e));
    assert.match(e.message, msg);
    return true;
  });
}

/** Doubles its input: a module stream() does not know until it is registered. */
class Twice extends Module {
  forward(x: Tensor): Tensor {
    return new Tensor(x.data.map((v) => 2 * v), x.shape);
  }
}

describe('stream: layers that cannot stream are named', () => {
  it("a non-causal conv deep in a TCN: 'blocks.3.conv1: padding 'same' is not causal'", () => {
    const tcn = new TCN(2, [4, 4, 4, 4]).eval();
    tcn.blocks[3].conv1 = new Conv1d(4, 4, 2, { dilation: 8, padding: 'same' });
    refuses(tcn, /^stream: blocks\.3\.conv1: padding 'same' is not causal \(it pads 4 before and 4 after; .* needs 8 before and 0 after/);
    const seq = new Sequential(new Conv1d(1, 2, 3, { padding: 'causal' }), new Conv1d(2, 2, 3, { padding: 1 }));
    refuses(seq, /^stream: 1: padding 1 is not causal/);
    refuses(new Conv1d(1, 1, 3, { padding: 'valid' }), /^stream: the model \(Conv1d\): padding 'valid' is not causal/);
    refuses(new Conv1d(1, 1, 3, { padding: 'causal', stride: 2 }), /stride 2 changes the frame rate/);
    const wn = new WaveNet({ residualChannels: 2, skipChannels: 2, classes: 4, layersPerCycle: 2, cycles: 1 });
    wn.layers[1].dilated = new Conv1d(2, 4, 2, { dilation: 2, padding: 'same' });
    refuses(wn, /^stream: layers\.1\.dilated: padding 'same' is not causal/);
  });

  it('layers that see the whole sequence say why: Linear, LayerNorm, GroupNorm, Conv2d, batch norm without running statistics', () => {
    refuses(new Sequential(new Conv1d(1, 2, 1), new Linear(5, 5)), /^stream: 1: Linear acts on the last axis, which is time/);
    refuses(new Sequential(new LayerNorm(8)), /^stream: 0: LayerNorm .* not causal/);
    refuses(new Sequential(new GroupNorm(1, 2)), /GroupNorm .* not causal/);
    refuses(new Sequential(new Conv2d(1, 1, 1)), /Conv2d is not a 1D conv/);
    refuses(new BatchNorm1d(3, { trackRunningStats: false }).eval(), /no running statistics/);
  });

  it('training-mode dropout and batch norm ask for eval()', () => {
    refuses(new TCN(1, [2]), /^stream: blocks\.0\.drop1: Dropout1d is in training mode; call model\.eval\(\)/);
    refuses(new Sequential(new Conv1d(1, 2, 1), new BatchNorm1d(2)), /^stream: 1: BatchNorm1d is in training mode/);
    assert.doesNotThrow(() => stream(new Sequential(new Dropout1d(0))));
  });

  it('an unknown module is refused by path until registerStreamCell teaches it', () => {
    const net = new Sequential(new Conv1d(1, 2, 2, { padding: 'causal' }), new Twice());
    assert.equal(hasStreamCell(Twice), false);
    refuses(net, /^stream: 1: Twice has no streaming cell.*registerStreamCell/);
    registerStreamCell(Twice, (_m: Twice, ctx: CellContext): StreamCell => {
      let size = 0;
      assert.equal(ctx.path, '1');
      return { inChannels: null, outChannels: null, bind: (n, c) => ((size = n * c), c), step: (x, y) => { for (let i = 0; i < size; i++) y[i] = 2 * x[i]; }, lines: () => [] };
    });
    assert.equal(hasStreamCell(Twice), true);
    const x = randn([1, 1, 6]);
    const want = net.forward(x);
    const got = stream(net).push(x);
    for (let i = 0; i < got.size; i++) assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-6);
    assert.throws(() => registerStreamCell(Tensor as never, () => { throw new Error(); }), /Module subclass/);
  });

  it('channel mismatches are found at stream() time; frames of the wrong shape at step time', () => {
    refuses(new Sequential(new Conv1d(1, 4, 2, { padding: 'causal' }), new Conv1d(3, 2, 1)), /^stream: the model \(Sequential\): 1 takes 3 channels, but 0 gives 4/);
    const run = stream(new Conv1d(3, 2, 2, { padding: 'causal' }));
    assert.equal(run.inChannels, 3);
    assert.equal(run.outChannels, 2);
    assert.throws(() => run.step(zeros([1, 2])), (e) => e instanceof AtrousError && e.code === 'channel_mismatch' && /\[1,2\] has 2 channels; the model takes 3/.test(e.message));
    assert.throws(() => run.step(zeros([1, 3, 1])), (e) => e instanceof AtrousError && e.code === 'rank_mismatch');
    assert.throws(() => run.push(zeros([1, 3])), (e) => e instanceof AtrousError && e.code === 'rank_mismatch');
    assert.throws(() => run.push(zeros([1, 3, 0])), (e) => e instanceof AtrousError && e.code === 'empty_output');
    assert.throws(() => stream({} as Module), /expected a Module/);
    assert.throws(() => stream(new Conv1d(1, 1, 1), { kernel: 'gpu' as 'js' }), /kernel must be/);
  });
});
