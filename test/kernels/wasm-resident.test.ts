/**
 * Arrays that live in wasm memory (src/kernels/wasm/resident.ts): a conv reads such an x and
 * writes such a y in place instead of copying, with the same bits as the copying path; x and y
 * the same array; release while a call runs, twice, or of a foreign array; the memory growing
 * under an array handed out earlier; a guard zone after each; release when collected; and the
 * public wasmArray through conv2d, as x and as `out`.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AtrousError } from '../../src/errors.js';
import { conv2d, convAsync, releaseWasmArray, setBackend, Tensor, wasmArray } from '../../src/index.js';
import { GUARD_BYTES } from '../../src/kernels/wasm/memory.js';
import { wasmConvKernels } from '../../src/kernels/wasm/conv.js';
import { planConv, planConvTranspose } from '../../src/shape/plan-conv.js';
import { randn } from '../../src/tensor/tensor.js';

const kernels = wasmConvKernels();
after(() => Promise.all(kernels.map((k) => k.close())));

const sizeOf = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);
const rand = (shape: number[], seed: number) => randn(shape, { seed }).data as Float32Array;
const bad = (re: RegExp) => (e: unknown) => e instanceof AtrousError && re.test(e.message);

function layer(seed: number, cin = 8, cout = 12, size = 33) {
  const plan = planConv('conv2d', 2, [2, cin, size, size], [cout, cin, 3, 3], [cout], { dilation: 4, padding: 'same' });
  return { plan, x: rand([2, cin, size, size], seed), w: rand([cout, cin, 3, 3], seed + 1), b: rand([cout], seed + 2), ylen: sizeOf(plan.outShape) };
}

for (const k of kernels) {
  test(`${k.id}: x and y in wasm memory give the copying path's bits (run, runAsync, transpose; 1 and 2 threads) and leave only themselves`, async () => {
    const l = layer(1);
    const before = k.heapStats();
    const x = k.allocArray(l.x.length);
    const y = k.allocArray(l.ylen);
    assert.ok(x.every((v) => v === 0) && y.every((v) => v === 0), 'zero-filled');
    x.set(l.x);
    const held = k.heapStats().resident - before.resident;
    assert.ok(held >= 4 * (l.x.length + l.ylen) && held <= 4 * (l.x.length + l.ylen) + 4 * (64 + GUARD_BYTES), `resident ${held} bytes`);
    for (const threads of [1, 2]) {
      const want = new Float32Array(l.ylen);
      k.run(l.plan, l.x, l.w, l.b, want, threads);
      y.fill(NaN);
      k.run(l.plan, x, l.w, l.b, y, threads);
      assert.deepEqual(y, want, `run, ${threads} threads`);
      y.fill(NaN);
      await k.runAsync(l.plan, x, l.w, l.b, y, threads);
      assert.deepEqual(y, want, `runAsync, ${threads} threads`);
      const plain = new Float32Array(l.ylen).fill(NaN);
      k.run(l.plan, x, l.w, l.b, plain, threads); // resident x, copied y
      assert.deepEqual(plain, want, `resident x only, ${threads} threads`);
      y.fill(NaN);
      k.run(l.plan, l.x, l.w, l.b, y, threads); // copied x, resident y
      assert.deepEqual(y, want, `resident y only, ${threads} threads`);
      k.run(l.plan, x.subarray(0), l.w, l.b, plain.fill(NaN), threads); // a view of it is copied like any array
      assert.deepEqual(plain, want, `a subarray as x, ${threads} threads`);
    }
    // The transposed conv (the input gradient) on the stride-phase kernel: dy resident in, dx resident out.
    const tp = planConvTranspose('convTranspose2d', 2, [2, 12, 17, 17], [12, 8, 3, 3], [8], { stride: 2, dilation: 2, padding: 2 });
    const dyShape = [2, 12, 17, 17];
    const dy = k.allocArray(sizeOf(dyShape));
    const dx = k.allocArray(sizeOf(tp.outShape));
    dy.set(rand(dyShape, 7));
    const tw = rand([12, 8, 3, 3], 8);
    const want = new Float32Array(dx.length);
    k.transpose?.(tp, dy.slice(), tw, null, want, 2);
    k.transpose?.(tp, dy, tw, null, dx, 2);
    assert.deepEqual(dx, want, 'transpose');
    for (const a of [x, y, dy, dx]) k.releaseArray(a);
    assert.deepEqual(k.heapStats().resident, before.resident);
    assert.deepEqual([k.heapStats().bytes, k.heapStats().blocks], [before.bytes, before.blocks], 'no call left a block behind');
  });
}

test('in place: a call on arrays in wasm memory holds no copy of x or y while it runs', async () => {
  const k = kernels[0];
  const l = layer(13, 16, 16, 64);
  const x = k.allocArray(l.x.length);
  const y = k.allocArray(l.ylen);
  x.set(l.x);
  const heldDuring = async (xa: Float32Array, ya: Float32Array) => {
    const before = k.heapStats().bytes;
    const call = k.runAsync(l.plan, xa, l.w, l.b, ya, 2);
    const during = k.heapStats().bytes - before; // the call's blocks, laid out before it yields
    await call;
    return during;
  };
  const copying = await heldDuring(l.x, new Float32Array(l.ylen));
  const resident = await heldDuring(x, y);
  assert.ok(copying - resident >= 4 * (l.x.length + l.ylen), `copying call ${copying} bytes, in place ${resident}`);
  k.releaseArray(x);
  k.releaseArray(y);
});

test('x and y the same array: the kernels write y apart, then it is copied over x', () => {
  const k = kernels[0];
  const plan = planConv('conv2d', 2, [1, 16, 20, 20], [16, 16, 3, 3], [16], { dilation: 2, padding: 'same' });
  const xv = rand([1, 16, 20, 20], 3);
  const w = rand([16, 16, 3, 3], 4);
  const want = new Float32Array(xv.length);
  k.run(plan, xv, w, null, want, 2);
  const a = k.allocArray(xv.length);
  a.set(xv);
  k.run(plan, a, w, null, a, 2);
  assert.deepEqual(a, want);
  k.releaseArray(a);
});

test('release: refused while an async call uses the array, then allowed; twice or a foreign array refused', async () => {
  const k = kernels[0];
  const l = layer(5, 32, 32, 65);
  const x = k.allocArray(l.x.length);
  x.set(l.x);
  const y = new Float32Array(l.ylen);
  const pending = k.runAsync(l.plan, x, l.w, l.b, y, 2);
  assert.throws(() => k.releaseArray(x), bad(/in use by a conv still running/));
  await pending;
  k.releaseArray(x);
  assert.throws(() => k.releaseArray(x), bad(/already released/));
  assert.throws(() => k.releaseArray(new Float32Array(4)), bad(/not an array from this wasm backend's wasmArray\(\)/));
  assert.throws(() => k.releaseArray(x.subarray(1)), bad(/not an array/));
  assert.throws(() => k.allocArray(0), bad(/expected a length in 1\.\./));
  assert.throws(() => k.allocArray(2.5), bad(/expected a length/));
});

test('an array handed out before the memory grew still is the memory the kernels read', () => {
  const k = kernels[0];
  const l = layer(9);
  const x = k.allocArray(l.x.length);
  const capacity = k.heapStats().capacity;
  const big = k.allocArray(capacity / 4 + 1); // cannot fit: the memory grows
  assert.ok(k.heapStats().capacity > capacity, 'grew');
  x.set(l.x); // through the view made before growing
  const want = new Float32Array(l.ylen);
  const got = new Float32Array(l.ylen);
  k.run(l.plan, l.x, l.w, l.b, want, 1);
  k.run(l.plan, x, l.w, l.b, got, 1);
  assert.deepEqual(got, want);
  k.releaseArray(big);
  k.releaseArray(x);
});

test('a write past a resident y into its guard zone is reported', () => {
  const k = kernels[0];
  const l = layer(11);
  const y = k.allocArray(l.ylen);
  const guard = new Int32Array(y.buffer, y.byteOffset + Math.ceil((y.length * 4) / 64) * 64, GUARD_BYTES / 4);
  guard[3] = 7; // as a kernel writing past y would
  assert.throws(() => k.run(l.plan, l.x, l.w, l.b, y, 1), /wrote outside its buffers/);
  guard.fill(0x5a5a5a5a);
  k.run(l.plan, l.x, l.w, l.b, y, 1);
  k.releaseArray(y);
});

test('an array never released goes back to the memory once collected', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const k = kernels[0];
  const before = k.heapStats().resident;
  (() => {
    k.allocArray(1 << 16).fill(1);
  })();
  assert.ok(k.heapStats().resident > before);
  for (let i = 0; i < 20 && k.heapStats().resident > before; i++) {
    gc();
    await sleep(10);
  }
  assert.equal(k.heapStats().resident, before);
});

test('wasmArray through the public API: conv2d on the wasm backend reads x and writes out in place, the same values as plain arrays', () => {
  setBackend('wasm');
  try {
    const xv = rand([1, 8, 24, 24], 21);
    const w = new Tensor(rand([8, 8, 3, 3], 22), [8, 8, 3, 3]);
    const x = wasmArray(xv.length);
    x.set(xv);
    const input = new Tensor(x, [1, 8, 24, 24]);
    assert.equal(input.data, x, 'the tensor keeps the array itself');
    const a = conv2d(input, w, { dilation: 3, padding: 'same' });
    const b = conv2d(new Tensor(xv, [1, 8, 24, 24]), w, { dilation: 3, padding: 'same' });
    assert.deepEqual(a.data, b.data);
    const out = new Tensor(wasmArray(a.data.length), [1, 8, 24, 24]);
    assert.equal(conv2d(input, w, { dilation: 3, padding: 'same', out }), out);
    assert.deepEqual(out.data, b.data);
    releaseWasmArray(out.data as Float32Array);
    releaseWasmArray(x);
    assert.throws(() => releaseWasmArray(x), bad(/already released/));
  } finally {
    setBackend(null);
  }
});

test('the native and reference backends take arrays from wasmArray as plain Float32Arrays (x and out)', async () => {
  for (const backend of ['native', 'ref'] as const) {
    try {
      setBackend(backend);
    } catch {
      continue; // no native addon in this install
    }
    try {
      const xv = randn([1, 8, 20, 20], { seed: 31 });
      const w = randn([8, 8, 3, 3], { seed: 32 });
      const x = new Tensor(wasmArray(xv.data.length), [1, 8, 20, 20]);
      x.data.set(xv.data);
      const out = new Tensor(wasmArray(8 * 400), [1, 8, 20, 20]);
      const want = conv2d(xv, w, { dilation: 2, padding: 'same' });
      assert.equal(conv2d(x, w, { dilation: 2, padding: 'same', out }), out);
      assert.deepEqual(out.data, want.data, backend);
      assert.deepEqual((await convAsync(x, w, { dilation: 2, padding: 'same' })).data, want.data, `${backend} async`);
      releaseWasmArray(x.data as Float32Array);
      releaseWasmArray(out.data as Float32Array);
    } finally {
      setBackend(null);
    }
  }
});
