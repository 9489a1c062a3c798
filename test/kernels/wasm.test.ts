/**
 * The wasm backend beyond numerics (conformance.test.ts covers those): which build is chosen, how
 * it is selected, buffer checks before any call into wasm, and the worker pool — async calls,
 * calls that overlap, a worker that traps or dies mid-call, and that an idle pool never keeps Node
 * running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AtrousError } from '../../src/errors.js';
import { activeBackend, setBackend } from '../../src/kernels/registry.js';
import { convRef } from '../../src/kernels/ref/conv.js';
import { convTransposeRef } from '../../src/kernels/ref/conv-transpose.js';
import { wasmConvKernels } from '../../src/kernels/wasm/conv.js';
import { loadWasm } from '../../src/kernels/wasm/loader.js';
import { WasmPackCache } from '../../src/kernels/wasm/pack-cache.js';
import { WasmPool } from '../../src/kernels/wasm/pool.js';
import { planConv, planConvTranspose } from '../../src/shape/plan-conv.js';
import { randn } from '../../src/tensor/tensor.js';

const kernels = wasmConvKernels();
after(() => Promise.all(kernels.map((k) => k.close())));

function layer(seed: number, cin = 6, cout = 10, size = 30) {
  const x = randn([1, cin, size, size + 3], { seed }).data as Float32Array;
  const w = randn([cout, cin, 3, 3], { seed: seed + 1 }).data as Float32Array;
  const b = randn([cout], { seed: seed + 2 }).data as Float32Array;
  const plan = planConv('conv2d', 2, [1, cin, size, size + 3], [cout, cin, 3, 3], [cout], { dilation: 3, padding: 'same' });
  const expected = new Float32Array(plan.outShape.reduce((a, n) => a * n, 1));
  convRef(plan, x, w, b, expected);
  return { x, w, b, plan, expected, y: () => new Float32Array(expected.length).fill(NaN) };
}

function close(y: Float32Array, expected: Float32Array): void {
  const tol = 1e-5 * expected.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  const bad = y.findIndex((v, i) => !(Math.abs(v - expected[i]) <= tol));
  assert.equal(bad, -1, `index ${bad}: got ${y[bad]}, reference ${expected[bad]}`);
}

test('both builds load on Node 20, relaxed SIMD first (with V8 flag where needed), and the registry lists them after native', async () => {
  assert.deepEqual(loadWasm().map((v) => v.isa), ['relaxed', 'simd128']);
  assert.deepEqual(kernels.map((k) => k.id), ['conv_f32_direct3x12__wasm_relaxed', 'conv_f32_direct4x12__wasm_simd128']);
  setBackend('wasm');
  try {
    assert.deepEqual(activeBackend(), { backend: 'wasm', kernel: 'conv_f32_direct3x12__wasm_relaxed', threads: activeBackend().threads });
  } finally {
    setBackend(null);
  }
});

test('ATROUS_BACKEND=wasm runs conv2d and convAsync on 2 threads, and the process then exits by itself', () => {
  const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const script = `
    import { activeBackend, conv2d, convAsync, randn, setThreads } from ${JSON.stringify(index)};
    setThreads(2);
    const x = randn([1, 8, 40, 40], { seed: 1 }), w = randn([8, 8, 3, 3], { seed: 2 });
    const a = conv2d(x, w, { dilation: 2, padding: 'same' });
    const b = await convAsync(x, w, { dilation: 2, padding: 'same' });
    console.log(activeBackend().kernel, a.data.every((v, i) => v === b.data[i]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', timeout: 30_000, env: { ...process.env, ATROUS_BACKEND: 'wasm' },
  });
  assert.equal(out.trim(), 'conv_f32_direct3x12__wasm_relaxed true');
});

test('buffers that disagree with the plan are refused before wasm is called, and nothing leaks', () => {
  const k = kernels[0];
  const l = layer(1);
  const before = k.heapStats();
  assert.throws(() => k.run(l.plan, l.x.subarray(1), l.w, l.b, l.y(), 1), (e: unknown) => e instanceof AtrousError && e.code === 'bad_tensor' && /x must be a Float32Array/.test(e.message));
  assert.throws(() => k.run(l.plan, l.x, l.w, l.b.subarray(1), l.y(), 1), (e: unknown) => e instanceof AtrousError && /bias/.test(e.message));
  assert.throws(() => k.run(l.plan, l.x, l.w, l.b, new Float32Array(3), 2), (e: unknown) => e instanceof AtrousError && /y must be/.test(e.message));
  assert.deepEqual(k.heapStats(), before);
});

test('packed weights are kept between calls (pack-cache.ts): changed ones repacked, layers of one shape apart, in use never evicted', async () => {
  for (const k of kernels) {
    // 48 → 48 channels runs on Winograd (transformed filters), 6 → 10 on the direct kernel.
    for (const [cin, cout] of [[48, 48], [6, 10]]) {
      const l = layer(40, cin, cout, 14);
      const y = l.y();
      k.run(l.plan, l.x, l.w, l.b, y, 1);
      close(y, l.expected);
      const start = k.packCacheStats();
      k.run(l.plan, l.x, l.w, l.b, y, 2);
      assert.equal(k.packCacheStats().hits, start.hits + 1, `${k.id} ${cin} → ${cout}: the same weights again`);
      for (const i of [0, l.w.length >> 1, l.w.length - 1]) {  // one weight changed in place: the first, one inside, the last
        const old = l.w[i];
        l.w[i] += 0.5;
        const expected = new Float32Array(l.expected.length);
        convRef(l.plan, l.x, l.w, l.b, expected);
        k.run(l.plan, l.x, l.w, l.b, y, 1);
        close(y, expected);
        l.w[i] = old;
      }
      assert.equal(k.packCacheStats().misses, start.misses + 3, `${k.id} ${cin} → ${cout}: three changed weights, three packings`);
      // Three layers of this shape, called in turn: after the first round, each finds its own.
      const layers = [41, 42, 43].map((seed) => layer(seed, cin, cout, 14));
      for (const m of layers) k.run(m.plan, m.x, m.w, m.b, m.y(), 1);
      const warm = k.packCacheStats();
      for (let round = 0; round < 2; round++)
        for (const m of layers) {
          const ym = m.y();
          k.run(m.plan, m.x, m.w, m.b, ym, 1 + round);
          close(ym, m.expected);
        }
      assert.deepEqual([k.packCacheStats().hits - warm.hits, k.packCacheStats().misses - warm.misses], [6, 0], `${k.id} ${cin} → ${cout}: layers of one shape`);
    }
    // Overlapping async calls of one shape with different weights, and a sync call meanwhile that
    // needs room: each gets its own weights.
    const many = [50, 51, 52, 53, 54, 55, 56, 57, 58, 59].map((seed) => layer(seed, 48, 48, 14));
    const ys = many.map((m) => m.y());
    const pending = many.slice(0, 3).map((m, i) => k.runAsync(m.plan, m.x, m.w, m.b, ys[i], 1 + (i % 2)));
    for (let i = 3; i < many.length; i++) k.run(many[i].plan, many[i].x, many[i].w, many[i].b, ys[i], 2);
    await Promise.all(pending);
    many.forEach((m, i) => close(ys[i], m.expected));
    // Nine async calls of one shape queued at once hold nine packings: one more than a shape may
    // keep, so the last packs into a block of its own, freed after the call.
    const queued = [60, 61, 62, 63, 64, 65, 66, 67, 68].map((seed) => layer(seed, 48, 48, 14));
    const yq = queued.map((m) => m.y());
    const before = k.packCacheStats();
    await Promise.all(queued.map((m, i) => k.runAsync(m.plan, m.x, m.w, m.b, yq[i], 1)));
    queued.forEach((m, i) => close(yq[i], m.expected));
    assert.equal(k.packCacheStats().misses, before.misses + 9);
    const heap = k.heapStats();
    assert.deepEqual([heap.bytes, heap.blocks], [0, 0], `${k.id}: only kept weights stay`);
    const kept = k.packCacheStats();
    assert.ok(heap.kept === kept.bytes && kept.bytes > 0 && kept.bytes <= 64 * 2 ** 20 && kept.entries <= 32, `${k.id}: ${JSON.stringify(kept)}, heap ${heap.kept}`);
  }
});

test('a packing that writes past its block is refused, and its block freed', () => {
  const { heap, exports } = new WasmPool(loadWasm()[0]);  // its own memory: the entry kept below stays there
  const cache = new WasmPackCache(heap, exports);
  const w = heap.alloc(64);
  const held = () => ({ bytes: heap.stats().bytes, blocks: heap.stats().blocks, kept: heap.stats().kept });
  const before = held();
  assert.throws(() => cache.acquire('k', w, 16, 16, (at) => heap.f32(at, 17).fill(1)), /packing the weights wrote past their block/);
  assert.deepEqual(held(), before);
  const ok = cache.acquire('k', w, 16, 16, (at) => heap.f32(at, 16).fill(1));
  assert.equal(held().kept, before.kept + 64 + 64 + 64, 'weights copy, packed weights, guard zone');
  ok.release();
  heap.release(w);
});

test('a geometry whose indices would pass 2^31 is refused', () => {
  const plan = planConv('conv1d', 1, [1, 1, 5], [1, 1, 2], null, { stride: 2 ** 30, padding: [[0, 2 ** 30]] });
  assert.throws(() => kernels[0].run(plan, new Float32Array(5), new Float32Array(2), null, new Float32Array(plan.outShape.reduce((a, n) => a * n, 1)), 1), /index in 32 bits/);
});

for (const k of kernels) {
  test(`${k.id}: async calls on 1–3 workers, overlapping each other and a sync call, all match the reference`, async () => {
    const layers = [1, 2, 3, 4].map((s) => layer(10 * s));
    const ys = layers.map((l) => l.y());
    const pending = layers.map((l, i) => k.runAsync(l.plan, l.x, l.w, l.b, ys[i], 1 + (i % 3)));
    const sync = layer(99);
    const ySync = sync.y();
    k.run(sync.plan, sync.x, sync.w, sync.b, ySync, 2); // workers busy: runs on this thread alone
    await Promise.all(pending);
    layers.forEach((l, i) => close(ys[i], l.expected));
    close(ySync, sync.expected);
    assert.deepEqual({ bytes: k.heapStats().bytes, blocks: k.heapStats().blocks }, { bytes: 0, blocks: 0 });
  });

  test(`${k.id}: multiply-add peak is measured on 1 and 2 threads`, () => {
    const one = k.peak(1, 0.05);
    const two = k.peak(2, 0.05);
    assert.ok(one > 0.1 && two > 0.1, `peak ${one}, ${two} GFLOP/s`);
  });
}

test('back-to-back calls reach workers still spinning after their last job: conv, transposed conv, weight gradient and peak in turn, each right', () => {
  const k = kernels[0];
  const pool = k.pool();
  const l = layer(21, 6, 10, 20);
  // The transposed conv of l's geometry: dy (l's output shape) back to x's shape.
  const t = planConvTranspose('t', 2, [...l.plan.outShape], [10, 6, 3, 3], [6], { dilation: 3, padding: 3 });
  const dy = randn([...l.plan.outShape], { seed: 22 }).data as Float32Array;
  const wt = randn([10, 6, 3, 3], { seed: 23 }).data as Float32Array;
  const bt = randn([6], { seed: 24 }).data as Float32Array;
  const dxRef = new Float32Array(t.outShape.reduce((a, n) => a * n, 1));
  convTransposeRef(t, dy, wt, bt, dxRef);
  const dw1 = new Float32Array(l.w.length);
  k.weightGrad(l.plan, l.x, dy, dw1, 1);
  const before = pool.handoffs;
  for (let i = 0; i < 50; i++) {
    const y = l.y();
    k.run(l.plan, l.x, l.w, l.b, y, 2);
    close(y, l.expected);
    const dx = new Float32Array(dxRef.length).fill(NaN);
    k.transpose!(t, dy, wt, bt, dx, 2);
    close(dx, dxRef);
    const dw = new Float32Array(l.w.length);
    k.weightGrad(l.plan, l.x, dy, dw, 2);
    assert.deepEqual(dw, dw1);
    if (i % 10 === 0) assert.ok(k.peak(2, 0.002) > 0.1);
  }
  assert.ok(pool.handoffs > before, 'no job reached a spinning worker');
});

test('a trap in a worker fails the call with the worker named, without a hang, and the pool still works after', () => {
  const pool = kernels[0].pool();
  const bogus = { desc: 0xfffff000, x: 0, wpack: 0, bias: 0, y: 0, tasks: 64, op: 'conv' } as const; // desc past the end of memory
  assert.throws(() => pool.run(bogus, { panelBytes: 64, intsBytes: 64 }, 2), /atrous wasm: worker 0: .*(out of bounds|memory)/);
  const l = layer(5);
  const y = l.y();
  kernels[0].run(l.plan, l.x, l.w, l.b, y, 2);
  close(y, l.expected);
});

test('a worker that dies mid-call rejects that call (no deadlock) and is replaced on the next one', async () => {
  const k = kernels[1];
  const l = layer(7, 64, 64, 120);
  await k.runAsync(l.plan, l.x, l.w, l.b, l.y(), 2); // workers up
  // A call long enough (about 12 GFLOP) to be still running 5 ms in on any machine: l's own took
  // under 5 ms on a fast one, and the call then finished before the worker was stopped.
  const big = planConv('conv2d', 2, [1, 64, 400, 403], [64, 64, 3, 3], null, { dilation: 3, padding: 'same' });
  const bx = new Float32Array(64 * 400 * 403).fill(0.5), bw = new Float32Array(64 * 64 * 9).fill(0.01);
  const pending = k.runAsync(big, bx, bw, null, new Float32Array(bx.length), 2);
  await new Promise((r) => setTimeout(r, 5));
  await k.pool().workers[0].terminate();
  await assert.rejects(pending, /worker 0 exited during the call/);
  const y = l.y();
  await k.runAsync(l.plan, l.x, l.w, l.b, y, 2);
  close(y, l.expected);
  k.run(l.plan, l.x, l.w, l.b, y.fill(NaN), 2);
  close(y, l.expected);
});

test('a write past y into its guard zone is reported, not silently kept', () => {
  const k = wasmConvKernels()[0];
  const plan = planConv('guard', 2, [1, 3, 9, 9], [4, 3, 3, 3], null, { dilation: 2 });
  const y = new Float32Array(4 * 5 * 5);
  const pool = k.pool();
  const run = pool.run.bind(pool);
  // Stand in for a faulty kernel: run the real one, then write one float just past y's region.
  pool.run = (job, scratch, threads) => {
    run(job, scratch, threads);
    pool.heap.f32(job.y + Math.ceil((y.length * 4) / 64) * 64, 1)[0] = 1;
  };
  try {
    assert.throws(() => k.run(plan, randn([1, 3, 9, 9]).data as Float32Array, randn([4, 3, 3, 3]).data as Float32Array, null, y, 1), /wrote outside its buffers/);
  } finally {
    pool.run = run;
  }
  assert.equal(k.heapStats().blocks, 0, 'buffers released after the error');
});

test('the weight gradient runs on as many threads as asked, no more', async () => {
  const [k] = wasmConvKernels(); // a fresh pool: no workers yet
  try {
    const l = layer(11, 8, 8, 40);
    const dy = randn([...l.plan.outShape], { seed: 12 }).data as Float32Array;
    const dw1 = new Float32Array(l.w.length);
    k.weightGrad(l.plan, l.x, dy, dw1, 1);
    assert.equal(k.pool().workers.length, 0, 'one thread: the calling thread alone');
    const dw2 = new Float32Array(l.w.length);
    k.weightGrad(l.plan, l.x, dy, dw2, 2);
    assert.equal(k.pool().workers.length, 1, 'two threads: one worker');
    assert.deepEqual(dw2, dw1); // parts are added in part order, whichever thread ran them
  } finally {
    await k.close();
  }
});
