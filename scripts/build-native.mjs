#!/usr/bin/env node
// Builds the optional native addon (binding.gyp) during `npm install`. Never fails the install:
// without a compiler, atrous falls back to its WebAssembly kernels, then the reference.
// Headers come from the running Node's own install (include/node), so node-gyp never downloads.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.ATROUS_SKIP_NATIVE) {
  console.log('atrous: ATROUS_SKIP_NATIVE is set; not building the native addon');
  process.exit(0);
}

function findNodeGyp() {
  // npm exports the path of its bundled node-gyp to lifecycle scripts.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  for (const base of [root, join(dirname(process.execPath), '../lib/node_modules/npm')]) {
    try {
      return createRequire(join(base, 'noop.js')).resolve('node-gyp/bin/node-gyp.js');
    } catch {}
  }
  return null;
}

const gyp = findNodeGyp();
const nodedir = dirname(dirname(process.execPath));
const args = ['rebuild'];
if (existsSync(join(nodedir, 'include/node/node_api.h'))) args.push(`--nodedir=${nodedir}`);
const started = Date.now();
const result = gyp ? spawnSync(process.execPath, [gyp, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }) : null;
if (result && result.status === 0) {
  console.log(`atrous: built the native addon in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} else {
  const why = !gyp ? 'node-gyp was not found' : (result.stderr || result.stdout || '').trim().split('\n').slice(-5).join('\n');
  console.warn(`atrous: the native addon was not built; the WebAssembly kernels (or the reference) will be used (see npx atrous info).\n${why}`);
}
