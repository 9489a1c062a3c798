/**
 * What a downstream user gets: the packed tarball, installed into an empty project, imported by
 * name. Catches a broken `exports` map, missing files or missing type declarations.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../src/kernels/native/loader.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('npm pack → install → import { conv2d } from "atrous" gives PyTorch\'s numbers and errors', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'atrous-consumer-'));
  try {
    // The tests run on a fresh build, so pack what is built; --ignore-scripts skips a second build.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }));
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'package.json', 'README.md']) {
      assert.ok(files.includes(f), `tarball has ${f}`);
    }
    // The build, the C++ sources npm install compiles into the optional native addon, and the
    // prebuilt wasm kernels (loaded from src/kernels/wasm/ at run time).
    const stray = files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/') || (f.startsWith('src/') && !/^src\/kernels\/(csrc\/|native\/[\w-]+\.(cc|h)$|wasm\/conv-(simd128|relaxed)\.wasm$)/.test(f)));
    assert.deepEqual(stray, [], 'tarball ships the build, the native sources and the wasm kernels only');
    assert.ok(files.includes('binding.gyp') && files.includes('src/kernels/csrc/conv-direct.h'), 'native sources ship');
    // Every source binding.gyp compiles, and the headers they include from their own folder.
    const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
    for (const f of new Set([...gyp.matchAll(/"(src\/[^"]+\.cc)"/g)].map((m) => m[1]))) assert.ok(files.includes(f), `tarball has ${f}`);
    for (const f of ['src/kernels/native/napi-args.h', 'src/kernels/native/threads.h']) assert.ok(files.includes(f), `tarball has ${f}`);
    for (const f of ['src/kernels/wasm/conv-simd128.wasm', 'src/kernels/wasm/conv-relaxed.wasm', 'dist/src/kernels/wasm/worker.js']) {
      assert.ok(files.includes(f), `tarball has ${f}`);
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    // commander is in the npm cache after the project's own install, so this needs no network.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed[0].filename)], { cwd: dir, stdio: 'pipe' });
    writeFileSync(
      join(dir, 'use.mjs'),
      `import { activeBackend, conv2d, tensor, arange, AtrousError } from 'atrous';
const w = tensor([[[[1, 2], [3, 4]]]]);
const y = conv2d(arange([1, 1, 5, 5], 1), w, { dilation: 2, stride: 2 });
let err;
try { conv2d(tensor([[[[1, 2], [3, 4]]]]), w, { dilation: 2, stride: 2 }); } catch (e) { err = e; }
console.log(JSON.stringify({ y: y.toArray(), backend: activeBackend().backend, isAtrous: err instanceof AtrousError, code: err.code, message: err.message }));
`,
    );
    const out = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: dir, encoding: 'utf8' }));
    assert.deepEqual(out.y, [[[[92, 112], [192, 212]]]]);
    // Where this checkout built its native addon, the consumer's install built one too (from the
    // shipped sources: a missing file would only show as a fallback to wasm).
    if (loadNative()) assert.equal(out.backend, 'native', 'the installed package built and loaded its native addon');
    // The installed package's wasm kernels load and run, worker threads included.
    writeFileSync(
      join(dir, 'wasm.mjs'),
      `import { activeBackend, conv2d, arange, tensor, setThreads } from 'atrous';
setThreads(2);
const y = conv2d(arange([1, 1, 5, 5], 1), tensor([[[[1, 2], [3, 4]]]]), { dilation: 2, stride: 2 });
console.log(JSON.stringify({ kernel: activeBackend().kernel, y: y.toArray() }));
`,
    );
    const wasm = JSON.parse(execFileSync('node', ['wasm.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ATROUS_BACKEND: 'wasm' } }));
    assert.deepEqual(wasm, { kernel: 'conv_f32_direct3x12__wasm_relaxed', y: [[[[92, 112], [192, 212]]]] });
    assert.equal(out.isAtrous, true);
    assert.equal(out.code, 'kernel_too_large');
    assert.equal(out.message, 'conv2d: dilated kernel 3x3 (kernel 2x2, dilation 2) is larger than the padded input 2x2');
    const types = readFileSync(join(dir, 'node_modules/atrous/dist/src/ops/conv.d.ts'), 'utf8');
    assert.match(types, /export declare function conv2d\(x: Tensor, weight: Tensor, args\?: ConvArgs\): Tensor;/);
    const bin = execFileSync(join(dir, 'node_modules/.bin/atrous'), ['--version'], { encoding: 'utf8' });
    assert.match(bin, /^\d+\.\d+\.\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
