import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('atrous info lists every backend and the kernel calls use', () => {
  const r = spawnSync(process.execPath, [bin, 'info'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /backends, in the order atrous tries them:/);
  assert.match(r.stdout, /^ {2}ref +conv_f32_ref__js$/m);
  assert.match(r.stdout, /^ {2}wasm +conv_f32_direct\dx12__wasm_(relaxed|simd128)/m);
  assert.match(r.stdout, /^ {2}native +(conv_f32_direct\S+__native_\w+|unavailable: .+)/m);
  assert.match(r.stdout, /float32 calls use conv_f32_\S+ \((native|wasm|ref)\) with \d+ thread/);
});

test('atrous info honours ATROUS_BACKEND', () => {
  const r = spawnSync(process.execPath, [bin, 'info'], { encoding: 'utf8', env: { ...process.env, ATROUS_BACKEND: 'ref' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /float32 calls use conv_f32_ref__js \(ref\)/);
});
