import { AtrousError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The safetensors format (the one PyTorch users load with the `safetensors` package):
 *
 *   [u64 little-endian N][N bytes of UTF-8 JSON header, space-padded][tensor bytes]
 *   header = { name: { dtype, shape, data_offsets: [begin, end] }, ..., "__metadata__"?: {str: str} }
 *
 * Offsets are relative to the first byte after the header. Reading treats the file as hostile:
 * every number is checked before it is used (header length against a bound and the file, each
 * range against the data, each range's length against its dtype and shape, and the ranges must
 * tile the data exactly), and any failure is an AtrousError with code 'bad_file', never a read out
 * of bounds or an allocation larger than the file.
 */

/** Largest header accepted; the reference implementation uses the same bound. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Element sizes of the dtypes atrous reads. F16 and BF16 are widened to float32. */
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

function bad(message: string): never {
  throw new AtrousError('bad_file', `safetensors: ${message}`);
}

/** Serialises tensors (float32 → F32, float64 → F64) in name order, with optional string metadata. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new AtrousError('bad_argument', `safetensors: metadata value of '${k}' must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new AtrousError('bad_argument', `safetensors: '${name}' is not a Tensor`);
    if (name === '__metadata__') throw new AtrousError('bad_argument', "safetensors: '__metadata__' is reserved");
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses and checks the header; returns the entries and metadata, and where the data starts. */
export function parseSafetensorsHeader(bytes: Uint8Array): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) bad(`the file has ${bytes.length} bytes; it must start with an 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) bad(`header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) bad(`header length ${headerLen} runs past the end of the ${bytes.length}-byte file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    bad('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) bad("the header must be a JSON object starting with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    bad(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('the header must be a JSON object');
  const dataLength = bytes.length - 8 - headerLen;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__ value of '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(checkEntry(name, info, dataLength));
  }
  // The ranges must tile the data: sorted, each starting where the previous ended, none left over.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) bad(`tensor '${e.name}' starts at ${e.begin}, expected ${at}: ranges overlap or leave a gap`);
    at = e.end;
  }
  if (at !== dataLength) bad(`the tensors cover ${at} of the ${dataLength} data bytes`);
  return { entries, metadata, dataStart: 8 + headerLen };
}

function checkEntry(name: string, info: unknown, dataLength: number): Entry {
  if (typeof info !== 'object' || info === null) bad(`entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    bad(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; atrous reads ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) bad(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    bad(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataLength) bad(`tensor '${name}' range [${begin}, ${end}) is outside the ${dataLength} data bytes`);
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (!Number.isSafeInteger(count)) bad(`tensor '${name}' shape ${JSON.stringify(shape)} overflows`);
  }
  if (count * DTYPE_BYTES[dtype] !== end - begin) {
    bad(`tensor '${name}' ${dtype} ${JSON.stringify(shape)} needs ${count * DTYPE_BYTES[dtype]} bytes but its range has ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Reads a safetensors file held in memory; F16/BF16 become float32. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  const { entries, metadata, dataStart } = parseSafetensorsHeader(bytes);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin);
    tensors[e.name] = new Tensor(readValues(view, e.dtype), e.shape);
  }
  return { tensors, metadata };
}

function readValues(view: DataView, dtype: string): Float32Array | Float64Array {
  const n = view.byteLength / DTYPE_BYTES[dtype];
  if (dtype === 'F64') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  const out = new Float32Array(n);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === 'BF16') for (let i = 0; i < n; i++) out[i] = bf16ToFloat(view.getUint16(2 * i, true));
  else for (let i = 0; i < n; i++) out[i] = f16ToFloat(view.getUint16(2 * i, true));
  return out;
}

const bits = new DataView(new ArrayBuffer(4));
/** bfloat16 is the top half of a float32. */
function bf16ToFloat(h: number): number {
  bits.setUint32(0, h << 16);
  return bits.getFloat32(0);
}

/** IEEE half precision: 1 sign, 5 exponent (bias 15), 10 fraction bits. */
function f16ToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
