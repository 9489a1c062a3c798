#!/usr/bin/env node
// The step after wasm-ld in tools/build-wasm.sh:
//   node tools/wasm-postlink.mjs IN.wasm OUT.wasm [--relax]
//
// 1. --relax: clang/LLVM 14 emits relaxed SIMD's multiply-add with the 2021 prototype encoding
//    (f32x4.fma, SIMD opcode 0xaf); engines, V8 in Node 20 included, accept only the final one
//    (f32x4.relaxed_madd, 0x105). Both are two LEB128 bytes, so the opcode is renumbered in place:
//    llvm-objdump (LLVM's own decoder) lists where each instruction starts, and every listed
//    position must hold exactly fd af 01 before it is rewritten. Any other prototype relaxed
//    instruction fails the build, as there is no rule for it here. The operands are passed through
//    unchanged, so conv-wasm.cc writes them in the final instruction's order (a·b + c).
// 2. Checks the module imports exactly env.memory (nothing from a libc, e.g. memset) and that this
//    Node validates it.
// 3. Appends a custom section "atrous" saying where the file comes from, since a binary cannot hold
//    the usual "Built from ... Do not edit." comment.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const [input, output, ...flags] = process.argv.slice(2);
const relax = flags.includes('--relax');
const objdump = process.env.LLVM_OBJDUMP || 'llvm-objdump';
const fail = (msg) => {
  console.error(`wasm-postlink: ${input}: ${msg}`);
  process.exit(1);
};

function readLeb(bytes, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, pos];
  }
}

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** File offset of the code section's contents (llvm-objdump numbers instructions from there). */
function codeStart(bytes) {
  for (let pos = 8; pos < bytes.length; ) {
    const id = bytes[pos];
    const [size, body] = readLeb(bytes, pos + 1);
    if (id === 10) return body;
    pos = body + size;
  }
  return fail('no code section');
}

const bytes = new Uint8Array(readFileSync(input));

if (relax) {
  const base = codeStart(bytes);
  const listing = execFileSync(objdump, ['-d', input], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let count = 0;
  for (const line of listing.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)/.exec(line);
    if (!m) continue;
    const [, offset, hex, op] = m;
    if (op === 'f32x4.fma') {
      const at = base + parseInt(offset, 16);
      if (hex.trim() !== 'fd af 01' || bytes[at] !== 0xfd || bytes[at + 1] !== 0xaf || bytes[at + 2] !== 0x01) {
        fail(`f32x4.fma at code offset ${offset} is not encoded as fd af 01`);
      }
      bytes[at + 1] = 0x85; // LEB128 of 0x105: 85 02
      bytes[at + 2] = 0x02;
      count++;
    } else if (/relaxed|laneselect|\.fm[as]$/.test(op)) {
      fail(`prototype relaxed-SIMD instruction ${op} has no renumbering rule`);
    }
  }
  if (count === 0) fail('--relax given but no f32x4.fma found');
  console.log(`wasm-postlink: ${input}: ${count} f32x4.fma renumbered to f32x4.relaxed_madd`);
}

if (relax) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
let module;
try {
  module = new WebAssembly.Module(bytes);
} catch (e) {
  fail(`does not compile: ${e.message}`);
}
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`);
if (imports.join() !== 'env.memory:memory') fail(`imports ${imports.join(', ')}; expected only env.memory`);

const note = new TextEncoder().encode(
  `Built from src/kernels/csrc/conv-wasm.cc (and conv-direct.h) by npm run build:wasm (tools/build-wasm.sh). Do not edit.`,
);
const name = new TextEncoder().encode('atrous');
const payload = [...leb(name.length), ...name, ...note];
writeFileSync(output, new Uint8Array([...bytes, 0, ...leb(payload.length), ...payload]));
