import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, Conv1d, manualSeed, noGrad, randn, ReLU, Sequential, stream, type StreamState, TCN, Tensor, WaveNet } from '../../src/index.js';
import { frameAt, frameError, maxError, timeSlice } from './helpers.js';

const code = (e: unknown) => (e instanceof AtrousError ? e.code : String(e));

function tcn(): TCN {
  manualSeed(11);
  const m = new TCN(2, [4, 4, 3], { kernelSize: 3 }).eval();
  for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 30;
  return m;
}

describe('stream: state export, import and reset', () => {
  it('an exported state, structured-cloned into a new runner, continues exactly', () => {
    const model = tcn();
    const x = randn([2, 2, 50], { seed: 1 });
    const want = noGrad(() => model.forward(x));
    const a = stream(model);
    a.push(timeSlice(x, 0, 23));
    const state = structuredClone(a.exportState()); // what postMessage to a worker does
    const b = stream(model);
    b.importState(state);
    assert.equal(b.steps, 23);
    assert.equal(b.batch, 2);
    const c = stream(model, { kernel: 'js' }); // the state does not depend on the kernel
    c.importState(state);
    const yb = b.push(timeSlice(x, 23, 50));
    const yc = c.push(timeSlice(x, 23, 50));
    const ya = a.push(timeSlice(x, 23, 50));
    assert.ok(maxError(yb, timeSlice(want, 23, 50)) < 1e-5);
    assert.ok(maxError(yc, timeSlice(want, 23, 50)) < 1e-5);
    assert.equal(maxError(ya, yb), 0);
  });

  it("the state names each conv's history, [N, C, d·(k−1)], oldest first: the conv's last inputs", () => {
    const net = new Sequential(new Conv1d(2, 3, 3, { dilation: 2, padding: 'causal' }), new ReLU(), new Conv1d(3, 1, 2, { dilation: 3, padding: 'causal' }), new Conv1d(1, 1, 1));
    const run = stream(net);
    const x = randn([1, 2, 9], { seed: 2 });
    run.push(x);
    const s = run.exportState();
    assert.equal(s.format, 'atrous-stream-state');
    assert.deepEqual(s.lines.map((l) => [l.path, l.shape]), [['0', [1, 2, 4]], ['2', [1, 3, 3]]]); // the 1x1 conv keeps none
    assert.deepEqual(Array.from(s.lines[0].data), Array.from(timeSlice(x, 5, 9).data));
    assert.ok(s.lines[0].data instanceof Float64Array);
    // Before any input the history is the zeros causal padding stands for.
    const fresh = stream(net);
    fresh.step(frameAt(x, 0));
    const s0 = fresh.exportState();
    assert.deepEqual(Array.from(s0.lines[0].data), [0, 0, 0, x.data[0], 0, 0, 0, x.data[9]]);
  });

  it('reset starts a new sequence (and may change the batch); without reset the batch is fixed', () => {
    const model = tcn();
    const x = randn([2, 2, 20], { seed: 3 });
    const run = stream(model);
    const first = run.push(x);
    run.reset();
    assert.equal(run.steps, 0);
    assert.equal(maxError(run.push(x), first), 0);
    assert.throws(() => run.step(frameAt(timeSlice(randn([1, 2, 3]), 0, 3), 0)), (e) => code(e) === 'bad_argument' && /batch 2.*reset\(\)/.test((e as Error).message));
    run.reset();
    const one = randn([1, 2, 20], { seed: 4 });
    const want = noGrad(() => model.forward(one));
    const y = run.push(one);
    assert.ok(maxError(y, want) < 1e-5);
  });

  it('a state from another model, or with a wrong shape or format, is refused and changes nothing', () => {
    const model = tcn();
    const x = randn([1, 2, 12], { seed: 5 });
    const run = stream(model);
    run.push(timeSlice(x, 0, 6));
    const good = run.exportState();
    const other = stream(new Sequential(new Conv1d(2, 2, 2, { padding: 'causal' })));
    other.push(randn([1, 2, 3]));
    const bad: [unknown, RegExp][] = [
      [other.exportState(), /histories|another model/],
      [{ ...good, format: 'x' }, /format/],
      [{ ...good, steps: -1 }, /steps/],
      [{ ...good, lines: good.lines.map((l, i) => (i === 1 ? { ...l, path: 'blocks.9.conv1' } : l)) }, /blocks\.0\.conv2/],
      [{ ...good, lines: good.lines.map((l, i) => (i === 0 ? { ...l, shape: [1, 2, 3] } : l)) }, /shape \[1,2,3\].*needs \[1,2,2\]/],
      [{ ...good, lines: good.lines.map((l, i) => (i === 0 ? { ...l, data: new Float64Array(3) } : l)) }, /Float64Array of 4/],
      [{ ...good, batch: 3 }, /needs \[3,2,2\]/],
      [null, /exportState/],
    ];
    for (const [s, msg] of bad) {
      assert.throws(() => run.importState(s as StreamState), (e) => e instanceof AtrousError && msg.test(e.message), JSON.stringify(msg.source));
    }
    assert.equal(run.steps, 6);
    const rest = run.push(timeSlice(x, 6, 12));
    const want = noGrad(() => model.forward(x));
    assert.ok(maxError(rest, timeSlice(want, 6, 12)) < 1e-5);
  });

  it('a one-hot WaveNet keeps class indices, −1 before the start, and validates them on import', () => {
    manualSeed(12);
    const net = new WaveNet({ residualChannels: 4, skipChannels: 4, classes: 8, layersPerCycle: 2, cycles: 1 }).eval();
    const run = stream(net);
    run.step(new Tensor(Float32Array.of(5), [1, 1]));
    const s = run.exportState();
    assert.deepEqual(s.lines.map((l) => l.path), ['input', 'layers.0.dilated', 'layers.1.dilated']);
    assert.deepEqual(Array.from(s.lines[0].data), [5]);
    const fresh = stream(net).exportState(); // unbound: nothing to save yet
    assert.equal(fresh.batch, 0);
    const r2 = stream(net);
    r2.step(new Tensor(Float32Array.of(1), [1, 1]));
    r2.reset();
    assert.deepEqual(Array.from(r2.exportState().lines[0].data), [-1]);
    s.lines[0].data[0] = 8;
    assert.throws(() => r2.importState(s), /class index in 0\.\.7/);
    assert.throws(() => run.step(new Tensor(Float32Array.of(2.5), [1, 1])), /not a class index/);
  });

  it('stepInto runs on raw arrays, writing into a given output', () => {
    const model = tcn();
    const x = randn([1, 2, 10], { seed: 6 });
    const want = noGrad(() => model.forward(x));
    const run = stream(model);
    const out = new Float32Array(3);
    for (let t = 0; t < 10; t++) {
      const y = run.stepInto(Float32Array.of(x.data[t], x.data[10 + t]), out);
      assert.equal(y, out);
      assert.ok(frameError(out, want, t) < 1e-5);
    }
    assert.throws(() => run.stepInto(new Float32Array(3), out), /expected 2 values/);
    assert.throws(() => run.stepInto(new Float32Array(2), new Float32Array(2)), /out must be/);
  });
});
