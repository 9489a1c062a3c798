/**
 * The native addon's queries (no kernel runs): which algorithm a conv takes, and how much scratch
 * a call would allocate. Bad arguments get a clear error, never a crash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convDesc, transposedDesc } from '../../src/kernels/conv-desc.js';
import { loadNative } from '../../src/kernels/native/loader.js';
import { planConv, planConvTranspose } from '../../src/shape/plan-conv.js';

const addon = loadNative();

describe('native queries', { skip: addon ? false : 'no native addon here' }, () => {
  const isa = addon!.isas()[0];
  const desc = (...args: Parameters<typeof planConv>) => convDesc(planConv(...args));
  /** A descriptor with its ReLU flag (the last field) set to `flag`: only 0 and 1 are valid. */
  const reluFlag = (d: Int32Array, flag: number) => Int32Array.from([...d.subarray(0, -1), flag]);

  it('names the algorithm a conv runs on', () => {
    // d16 on 32x32: each residue is a run of 2 outputs, one F(2x2, 3x3) tile; larger tiles would drop outputs.
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 64, 32, 32], [64, 64, 3, 3], null, { dilation: 16, padding: 16 }), false), 'winograd');
    // context2d: 128 outputs at d8 are runs of 16, 4 tiles of F(4, 3) (144 products in 2D) or 8 of F(2, 3) (256).
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 64, 128, 128], [64, 64, 3, 3], null, { dilation: 8, padding: 8 }), false), 'winograd-f44');
    // aspp2d: each of the 12 residues of a 65-output row at d12 is a run of 5 or 6, 2 tiles of F(3, 3) (10 products) or 3 of F(2, 3) (12).
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 256, 65, 65], [256, 256, 3, 3], null, { dilation: 12, padding: 12 }), false), 'winograd-f33');
    assert.equal(addon!.algorithm(isa, desc('t', 1, [2, 64, 100], [64, 64, 3], null, { dilation: 8, padding: 'causal' }), false), 'winograd-f43');
    // 40 steps at d16: F(4, 3)'s 64-step period holds 16 tiles of 6 products, as many as F(2, 3)'s 24 of 4.
    assert.equal(addon!.algorithm(isa, desc('t', 1, [2, 64, 40], [64, 64, 3], null, { dilation: 16, padding: 16 }), false), 'winograd');
    assert.equal(addon!.algorithm(isa, desc('t', 1, [1, 64, 16000], [128, 64, 2], null, { dilation: 256, padding: 'causal' }), false), 'winograd-f32');
    // One step (streaming): a tile of F(3, 2) costs 4 products for the 2 the direct kernel does.
    assert.equal(addon!.algorithm(isa, desc('t', 1, [1, 64, 1], [128, 64, 2], null, { dilation: 256, padding: 'causal' }), false), 'direct');
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 64, 32, 32], [64, 64, 3, 3], null, { stride: 2, padding: 1 }), false), 'direct');
    // strided2d: stride 2 divides dilation 2, so it is a stride-1 conv on the even rows and columns.
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 32, 112, 112], [64, 32, 3, 3], null, { stride: 2, dilation: 2, padding: 2 }), false), 'winograd-f44');
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 16, 112, 112], [16, 16, 3, 3], null, { stride: 2, dilation: 2, padding: 2 }), false), 'direct', 'too few channels');
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 16, 32, 32], [16, 16, 3, 3], null, { padding: 1 }), false), 'direct', 'too few channels');
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 8, 32, 32], [8, 1, 3, 3], null, { groups: 8, padding: 1 }), false), 'depthwise');
    // Dilations near 2^30 (valid plans, 32-bit descriptors) stay on the direct kernel.
    assert.equal(addon!.algorithm(isa, desc('t', 2, [1, 64, 5, 5], [64, 64, 3, 3], null, { dilation: 2 ** 28, padding: 2 ** 28 }), false), 'direct');
    const t = planConvTranspose('t', 2, [1, 64, 20, 20], [64, 64, 3, 3], null, { dilation: 2, padding: 2 });
    assert.equal(addon!.algorithm(isa, transposedDesc(t), true), 'winograd-f44');
  });

  it('refuses bad arguments with a message', () => {
    const d = desc('t', 2, [1, 64, 32, 32], [64, 64, 3, 3], null, { padding: 1 });
    const bad = Int32Array.from(d);
    bad[3] = 5; // groups that do not divide the channels
    const cases: [() => unknown, RegExp][] = [
      [() => addon!.algorithm('nope', d, false), /atrous native algorithm: expected \(isa, desc/],
      [() => addon!.algorithm(isa, new Int32Array(3), false), /expected \(isa, desc/],
      [() => (addon!.algorithm as (...a: unknown[]) => string)(isa, d, 1), /transposed boolean/],
      [() => addon!.algorithm(isa, bad, false), /atrous native algorithm: bad descriptor/],
      [() => addon!.scratch(isa, d, 0), /atrous native scratch: expected \(isa, desc Int32Array\(23\), threads 1..256\)/],
      [() => addon!.scratch(isa, bad, 1), /atrous native scratch: bad descriptor/],
      [() => addon!.conv(isa, reluFlag(d, 2), new Float32Array(64 * 32 * 32), new Float32Array(64 * 64 * 9), null, new Float32Array(64 * 32 * 32), 1), /descriptor field 22 out of range/],
      [() => addon!.conv(isa, reluFlag(d, -1), new Float32Array(64 * 32 * 32), new Float32Array(64 * 64 * 9), null, new Float32Array(64 * 32 * 32), 1), /descriptor field 22 out of range/],
    ];
    for (const [call, message] of cases) assert.throws(call, message);
  });

  it('sizes Winograd scratch as O(tile): packed weights 25/9 (F(3x3, 3x3)) or 36/9 (F(4x4, 3x3)) of the weights and the copy they were packed from, panels under 4 MB a thread', () => {
    const weights = 4 * 256 * 256 * 9;
    for (const [dilation, ratio] of [[12, 25 / 9], [16, 36 / 9]]) {
      const p = planConv('t', 2, [1, 256, 65, 65], [256, 256, 3, 3], null, { dilation, padding: dilation });
      const one = addon!.scratch(isa, convDesc(p), 1), two = addon!.scratch(isa, convDesc(p), 2);
      const panel = two - one;
      const kept = one - panel;  // packed weights, and the weights they were packed from (pack-cache.h)
      assert.ok(kept >= (ratio + 1) * weights && kept <= (1.1 * ratio + 1) * weights, `d${dilation}: packed ${kept}`);
      assert.ok(panel > 0 && panel < 4e6, `d${dilation}: panel ${panel}`);
    }
  });
});
