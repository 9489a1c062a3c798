import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  calculateGain, constant_, Conv1d, Conv2d, conv2d, fanInAndFanOut, identityInit_, kaimingNormal_, kaimingUniform_, manualSeed,
  normal_, ones_, randn, Rng, tensor, Tensor, uniform_, xavierNormal_, xavierUniform_, zeros, zeros_,
} from '../../src/index.js';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of t.data) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / t.size;
  let q = 0;
  for (const v of t.data) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / t.size), min, max };
}
const within = (got: number, want: number, rel: number) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${got} vs ${want}`);

describe('init', () => {
  it('computes fans and gains as PyTorch does', () => {
    assert.deepEqual(fanInAndFanOut(zeros([16, 4, 3, 3])), { fanIn: 36, fanOut: 144 });
    assert.deepEqual(fanInAndFanOut(zeros([10, 20])), { fanIn: 20, fanOut: 10 });
    assert.throws(() => fanInAndFanOut(zeros([5])), /rank ≥ 2/);
    assert.equal(calculateGain('relu'), Math.SQRT2);
    assert.equal(calculateGain('tanh'), 5 / 3);
    assert.equal(calculateGain('conv2d'), 1);
    assert.ok(Math.abs(calculateGain('leaky_relu', Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
    assert.ok(Math.abs(calculateGain('leaky_relu') - Math.sqrt(2 / 1.0001)) < 1e-15);
  });

  it('kaiming normal and uniform have the std gain/√fan (within 2 % on 256k values)', () => {
    const t = zeros([256, 64, 4, 4]); // fan_in 1024, fan_out 4096
    const g = new Rng(1);
    within(stats(kaimingNormal_(t, { generator: g })).std, Math.SQRT2 / 32, 0.02);
    within(stats(kaimingNormal_(t, { mode: 'fanOut', nonlinearity: 'relu', generator: g })).std, Math.SQRT2 / 64, 0.02);
    const u = stats(kaimingUniform_(t, { generator: g }));
    within(u.std, Math.SQRT2 / 32, 0.02);
    assert.ok(u.max <= Math.sqrt(6 / 1024) && u.min >= -Math.sqrt(6 / 1024));
    // a = √5 (PyTorch's default for conv and linear weights): U(±1/√fan_in).
    const d = stats(kaimingUniform_(t, { a: Math.sqrt(5), generator: g }));
    within(d.max, 1 / 32, 0.01);
    within(d.std, 1 / 32 / Math.sqrt(3), 0.02);
    assert.ok(Math.abs(d.mean) < 1e-3);
  });

  it('xavier normal and uniform have the std gain·√(2/(fan_in + fan_out))', () => {
    const t = zeros([300, 500]);
    within(stats(xavierNormal_(t, 2, { generator: new Rng(2) })).std, 2 * Math.sqrt(2 / 800), 0.02);
    const u = stats(xavierUniform_(t, 1, { generator: new Rng(3) }));
    within(u.std, Math.sqrt(2 / 800), 0.02);
    assert.ok(u.max <= Math.sqrt(6 / 800));
  });

  it('fills in place and returns the same tensor', () => {
    const t = zeros([1000, 100]);
    assert.equal(normal_(t, 3, 0.5, { generator: new Rng(4) }), t);
    const s = stats(t);
    within(s.mean, 3, 0.01);
    within(s.std, 0.5, 0.02);
    const u = stats(uniform_(t, -2, 1, { generator: new Rng(5) }));
    assert.ok(u.min >= -2 && u.max < 1);
    within(u.mean, -0.5, 0.02);
    assert.deepEqual([...constant_(zeros([3]), 2.5).data], [2.5, 2.5, 2.5]);
    assert.deepEqual([...ones_(zeros([2])).data], [1, 1]);
    assert.deepEqual([...zeros_(tensor([1, 2])).data], [0, 0]);
    assert.throws(() => uniform_(t, 1, 0), /low ≤ high/);
  });

  it('draws from the global generator: manualSeed fixes the weights', () => {
    manualSeed(123);
    const a = kaimingUniform_(zeros([8, 8]));
    const b = kaimingUniform_(zeros([8, 8]));
    manualSeed(123);
    const c = kaimingUniform_(zeros([8, 8]));
    assert.deepEqual([...a.data], [...c.data]);
    assert.notDeepEqual([...a.data], [...b.data]);
  });
});

describe('identityInit_ (Yu & Koltun 2016)', () => {
  it('makes a Conv2d with dilation 4 and same padding the identity map', () => {
    const conv = new Conv2d(5, 5, 3, { dilation: 4, padding: 'same' });
    identityInit_(conv.weight!);
    zeros_(conv.bias!);
    const x = randn([2, 5, 13, 11], { seed: 1 });
    assert.deepEqual([...conv.forward(x).data], [...x.data]);
  });

  it('sets only the centre tap, and adds noise elsewhere when asked', () => {
    const w = identityInit_(zeros([3, 3, 3, 3]));
    assert.equal(w.get(1, 1, 1, 1), 1);
    assert.equal(w.get(1, 0, 1, 1), 0);
    assert.equal(w.get(1, 1, 0, 1), 0);
    assert.equal([...w.data].reduce((a, b) => a + b, 0), 3);
    const n = identityInit_(zeros([4, 4, 3, 3]), { noiseStd: 1e-3, generator: new Rng(1) });
    assert.equal(n.get(2, 2, 1, 1), 1);
    const off = [...n.data].filter((v) => v !== 1);
    assert.equal(off.length, 4 * 4 * 9 - 4);
    assert.ok(off.every((v) => Math.abs(v) < 6e-3) && off.some((v) => v !== 0));
    assert.throws(() => identityInit_(zeros([2, 2, 2, 2])), /even axis/);
  });

  it('uses the Large-module rule when Cout ≠ Cin: a C → 2C → C stack starts as the identity', () => {
    const up = new Conv2d(3, 6, 3, { dilation: 2, padding: 'same', bias: false });
    const down = new Conv2d(6, 3, 3, { dilation: 4, padding: 'same', bias: false });
    identityInit_(up.weight!);
    identityInit_(down.weight!);
    // Widening: output o takes input ⌊o/2⌋ at C/Cout = 1/2; narrowing: output c sums inputs 2c, 2c+1 at 1.
    assert.equal(up.weight!.get(4, 2, 1, 1), 0.5);
    assert.equal(up.weight!.get(4, 1, 1, 1), 0);
    assert.equal(down.weight!.get(1, 3, 1, 1), 1);
    assert.equal(down.weight!.get(1, 4, 1, 1), 0);
    const x = randn([1, 3, 9, 9], { seed: 2 });
    const y = down.forward(up.forward(x));
    for (let i = 0; i < x.size; i++) assert.ok(Math.abs(y.data[i] - x.data[i]) < 1e-6);
    // C given explicitly: 4 → 6 channels of C = 2 maps; weight C/Cout = 1/3.
    const w = identityInit_(zeros([6, 4, 1], 'float64'), { classes: 2 });
    assert.equal(w.get(0, 1, 0), 1 / 3);
    assert.equal(w.get(0, 2, 0), 0);
    assert.equal(w.get(5, 3, 0), 1 / 3);
  });

  it("tap: 'last' makes a causal Conv1d the identity", () => {
    const conv = new Conv1d(4, 4, 3, { dilation: 2, padding: 'causal' });
    identityInit_(conv.weight!, { tap: 'last' });
    zeros_(conv.bias!);
    const x = randn([1, 4, 10], { seed: 3 });
    assert.deepEqual([...conv.forward(x).data], [...x.data]);
    // explicit taps, e.g. a 2D conv causal along its first axis
    const w = identityInit_(zeros([2, 2, 3, 3]), { tap: [2, 1] });
    assert.equal(w.get(0, 0, 2, 1), 1);
    const y = conv2d(randn([1, 2, 5, 5], { seed: 4 }), w, { padding: 'causal', causalAxis: 0 });
    assert.deepEqual([...y.data], [...randn([1, 2, 5, 5], { seed: 4 }).data]);
  });
});
