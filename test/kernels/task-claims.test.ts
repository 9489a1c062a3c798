/**
 * How a call's threads share its tasks (src/kernels/csrc/task-claims.h, and runClaimed in
 * src/kernels/wasm/protocol.ts): each part runs its own share first, in order, then what is left
 * of the others'; every task runs exactly once whatever the order the parts start in. Then 3 and 5
 * threads on the native and wasm kernels, whose shares split unevenly, against 1 thread.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { nativeConvKernels } from '../../src/kernels/native/conv.js';
import { loadNative } from '../../src/kernels/native/loader.js';
import { wasmConvKernels } from '../../src/kernels/wasm/conv.js';
import type { WasmExports } from '../../src/kernels/wasm/loader.js';
import { type ConvJob, CONTROL_BYTES, resetClaims, runClaimed } from '../../src/kernels/wasm/protocol.js';
import { planConv } from '../../src/shape/plan-conv.js';
import { randn } from '../../src/tensor/tensor.js';

/** A module whose conv_run_tasks records the ranges it is asked for, by the part running. */
function recorder() {
  const ranges: [number, number, number][] = [];
  let part = -1;
  const ex = {
    __stack_pointer: { value: 0 },
    conv_run_tasks: (_d: number, _x: number, _w: number, _b: number, _y: number, _p: number, _i: number, begin: number, end: number) => {
      ranges.push([part, begin, end]);
    },
  } as unknown as WasmExports;
  return { ex, ranges, as: (p: number) => (part = p) };
}

test('runClaimed: own share first, in order, then the others from the next part on; every task exactly once', () => {
  for (const [tasks, parts, grain] of [[10, 3, 1], [64, 4, 3], [7, 5, 2], [2, 3, 1], [1000, 2, 16]]) {
    const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    const job: ConvJob = { desc: 0, x: 0, wpack: 0, bias: 0, y: 0, tasks, grain, parts, op: 'conv' };
    for (const order of [Array.from({ length: parts }, (_, p) => p), Array.from({ length: parts }, (_, p) => parts - 1 - p)]) {
      resetClaims(ctl, tasks, parts);
      const r = recorder();
      for (const p of order) {
        r.as(p);
        runClaimed(r.ex, ctl, job, p, 0, 0);
      }
      const seen = new Array(tasks).fill(0);
      for (const [, b, e] of r.ranges) for (let i = b; i < e; i++) seen[i]++;
      assert.deepEqual(seen, new Array(tasks).fill(1), `${tasks} tasks, ${parts} parts, grain ${grain}, order ${order}`);
      // The first part to run takes its own share first, then the next part's, and so on.
      const first = order[0];
      const startOf = (p: number) => Math.floor((tasks * p) / parts);
      const own = r.ranges.filter(([p]) => p === first).map(([, b]) => b);
      const expected: number[] = [];
      for (let k = 0; k < parts; k++) {
        const p = (first + k) % parts;
        for (let i = startOf(p); i < startOf(p + 1); i += grain) expected.push(i);
      }
      assert.deepEqual(own, expected, `first part ${first}: its share, then the next parts' in turn`);
    }
  }
});

const addon = loadNative();
const kernels = [...(addon ? nativeConvKernels(addon).slice(0, 1) : []), ...wasmConvKernels().slice(0, 1)];
after(() => Promise.all(kernels.map((k) => ('close' in k ? (k as { close(): Promise<void> }).close() : undefined))));

for (const k of kernels) {
  test(`${k.id}: 3 and 5 threads, sync and async, give 1 thread's bits (uneven shares)`, async () => {
    for (const [xs, ws, opts] of [
      [[1, 48, 37, 29], [48, 48, 3, 3], { dilation: 3, padding: 'same' }], // Winograd: a handful of tasks
      [[2, 13, 21, 23], [26, 13, 3, 3], { dilation: 2, padding: 1 }], // direct
      [[1, 64, 33, 30], [64, 1, 3, 3], { dilation: 4, padding: 'same', groups: 64 }], // depthwise: many tasks
    ] as const) {
      const plan = planConv('conv2d', 2, xs, ws, [ws[0]], opts);
      const x = randn([...xs], { seed: 1 }).data as Float32Array;
      const w = randn([...ws], { seed: 2 }).data as Float32Array;
      const b = randn([ws[0]], { seed: 3 }).data as Float32Array;
      const n = plan.outShape.reduce((a, v) => a * v, 1);
      const one = new Float32Array(n).fill(NaN);
      k.run(plan, x, w, b, one, 1);
      for (const threads of [3, 5]) {
        const y = new Float32Array(n).fill(NaN);
        k.run(plan, x, w, b, y, threads);
        assert.deepEqual(y, one, `sync, ${threads} threads, x ${xs}`);
        y.fill(NaN);
        await k.runAsync(plan, x, w, b, y, threads);
        assert.deepEqual(y, one, `async, ${threads} threads, x ${xs}`);
      }
    }
  });
}
