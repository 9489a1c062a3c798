import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AtrousError } from '../../src/errors.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/checkpoint-file.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { randn, tensor, Tensor } from '../../src/tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'atrous-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = fileURLToPath(new URL('../../../tools/safetensors_interop.py', import.meta.url));

/** A file built by hand: 8-byte length, the header text as given, then the data bytes. */
function craft(header: string, data: number[] = [], lengthOverride?: bigint): Uint8Array {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function rejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes), (e: unknown) => e instanceof AtrousError && e.code === 'bad_file' && message.test(e.message));
}

test('round trip: float32 and float64 tensors, metadata, 8-byte aligned data', () => {
  const w = randn([4, 2, 3], { seed: 1 });
  const h = randn([2, 5], { seed: 2, dtype: 'float64' });
  const bytes = encodeSafetensors({ 'conv.weight': w, 'head.weight': h, scalar: tensor([7]) }, { step: '12' });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLen % 8, 0);
  const back = decodeSafetensors(bytes);
  assert.deepEqual(back.metadata, { step: '12' });
  assert.deepEqual(back.tensors['conv.weight'].shape, [4, 2, 3]);
  assert.equal(back.tensors['head.weight'].dtype, 'float64');
  assert.deepEqual(Array.from(back.tensors['conv.weight'].data), Array.from(w.data));
  assert.deepEqual(Array.from(back.tensors['head.weight'].data), Array.from(h.data));
  assert.deepEqual(Array.from(encodeSafetensors({ 'head.weight': h, 'conv.weight': w, scalar: tensor([7]) }, { step: '12' })), Array.from(bytes), 'same bytes whatever the key order');
});

test('half precision (F16, BF16) is read as float32', () => {
  const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00];
  const bf16 = [0x3f80, 0xc040];
  const data = [...f16, ...bf16].flatMap((h) => [h & 0xff, h >> 8]);
  const header = JSON.stringify({ a: { dtype: 'F16', shape: [5], data_offsets: [0, 10] }, b: { dtype: 'BF16', shape: [2], data_offsets: [10, 14] } });
  const { tensors } = decodeSafetensors(craft(header, data));
  assert.deepEqual(Array.from(tensors.a.data), [1, -2, 65504, 2 ** -24, Infinity]);
  assert.deepEqual(Array.from(tensors.b.data), [1, -3]);
});

test('hostile or broken files get a clear bad_file error, never a crash or a huge allocation', () => {
  const ok = (extra = {}) => JSON.stringify({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, ...extra });
  const eight = [0, 0, 128, 63, 0, 0, 0, 64];
  rejects(new Uint8Array(5), /has 5 bytes; it must start with an 8-byte header length/);
  rejects(craft(ok(), eight, 1n << 40n), /header length 1099511627776 is over the 104857600-byte limit/);
  rejects(craft(ok(), eight, 1000n), /header length 1000 runs past the end/);
  rejects(craft('{"a":1}', [], undefined).map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/);
  rejects(craft(' []'), /must be a JSON object starting with/);
  rejects(craft('{"x": '), /not valid JSON/);
  rejects(craft(JSON.stringify({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }), eight), /dtype "I64"; atrous reads F64, F32, F16, BF16/);
  rejects(craft(JSON.stringify({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }), eight), /invalid shape \[-1\]/);
  rejects(craft(JSON.stringify({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }), eight), /range \[0, 16\) is outside the 8 data bytes/);
  rejects(craft(JSON.stringify({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), eight), /needs 12 bytes but its range has 8/);
  rejects(craft(JSON.stringify({ x: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }), eight), /overflows/);
  rejects(craft(JSON.stringify({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, y: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }), eight), /overlap or leave a gap/);
  rejects(craft(JSON.stringify({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), eight), /starts at 4, expected 0/);
  rejects(craft(ok(), [...eight, 1, 2, 3, 4]), /cover 8 of the 12 data bytes/);
  rejects(craft(ok({ __metadata__: { a: 1 } }), eight), /__metadata__ value of 'a' is not a string/);
});

test('saving is atomic: a failed save keeps the previous file, no temporary files are left', async () => {
  const path = join(dir, 'model.safetensors');
  await saveSafetensors(path, { w: tensor([1, 2, 3]) });
  const before = readFileSync(path);
  await assert.rejects(saveSafetensors(path, { w: [1, 2] as unknown as Tensor }), /'w' is not a Tensor/);
  assert.deepEqual(readFileSync(path), before);
  await saveSafetensors(path, { w: tensor([4, 5]) });
  assert.deepEqual(Array.from((await loadSafetensors(path)).tensors.w.data), [4, 5]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('loading checks the header length against the file before reading the rest', async () => {
  const path = join(dir, 'hostile.safetensors');
  writeFileSync(path, craft('{}', [], 1n << 60n));
  await assert.rejects(loadSafetensors(path), /header length 1152921504606846976 does not fit the 10-byte file/);
});

test('Python reads what atrous writes, and atrous reads what Python writes (tools/safetensors_interop.py)', async () => {
  const fromPython = join(dir, 'python.safetensors');
  assert.match(execFileSync('python3', [script, 'write', fromPython], { encoding: 'utf8' }), /^OK wrote/m);
  const read = await loadSafetensors(fromPython);
  assert.deepEqual(read.metadata, { format: 'pt', written_by: 'python' });
  assert.deepEqual(Array.from(read.tensors['conv1.weight'].data), [0.5, -1.25, 2, 3.5, -0.75, 8]);
  assert.deepEqual(read.tensors['conv1.weight'].shape, [2, 1, 3]);
  assert.equal(read.tensors['head.weight'].dtype, 'float64');
  assert.deepEqual(Array.from(read.tensors['head.weight'].data), [1 / 3, -2e-300]);

  const fromAtrous = join(dir, 'atrous.safetensors');
  await saveSafetensors(fromAtrous, read.tensors, { format: 'pt', written_by: 'atrous' });
  assert.match(execFileSync('python3', [script, 'check', fromAtrous], { encoding: 'utf8' }), /^OK read 3 tensors/m);
});
