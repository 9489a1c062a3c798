import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AtrousError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, type SafetensorsContent } from './safetensors.js';

/**
 * Writes tensors to `path` as safetensors, atomically: the bytes go to a temporary file in the same
 * folder, are flushed to disk, and the file is then renamed over `path`. A crash mid-save leaves
 * the previous file intact.
 * @example await saveSafetensors('run/model.safetensors', { 'conv1.weight': w }, { step: '100' })
 */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } catch (e) {
    await file.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await file.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  // Make the rename itself durable where the platform lets a folder be synced.
  const dir = await open(dirname(path), 'r').catch(() => null);
  await dir?.sync().catch(() => {});
  await dir?.close();
}

/**
 * Reads a safetensors file, checking it fully (see decodeSafetensors). The header length is
 * checked against the file size before anything else is read, so a hostile file cannot make
 * atrous allocate more than the file's own size.
 */
export async function loadSafetensors(path: string): Promise<SafetensorsContent> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < 8) throw new AtrousError('bad_file', `safetensors: ${path} has ${size} bytes; it must start with an 8-byte header length`);
    const head = new Uint8Array(8);
    await file.read(head, 0, 8, 0);
    const n = new DataView(head.buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_BYTES) || 8n + n > BigInt(size)) {
      throw new AtrousError('bad_file', `safetensors: ${path}: header length ${n} does not fit the ${size}-byte file (limit ${MAX_HEADER_BYTES})`);
    }
    const bytes = new Uint8Array(size);
    bytes.set(head);
    // One read call may return less than asked (and is capped near 2 GiB): loop until done.
    for (let at = 8; at < size; ) {
      const { bytesRead } = await file.read(bytes, at, Math.min(size - at, 1 << 30), at);
      if (bytesRead === 0) throw new AtrousError('bad_file', `safetensors: ${path} ended after ${at} of ${size} bytes while being read`);
      at += bytesRead;
    }
    return decodeSafetensors(bytes);
  } finally {
    await file.close();
  }
}
