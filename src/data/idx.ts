import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { AtrousError } from '../errors.js';

/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun's description at the MNIST site): a 4-byte magic
 * `0x00 0x00 <type> <rank>`, `rank` big-endian uint32 sizes, then the values in row-major order.
 * Type codes: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64 (all
 * multi-byte values big-endian).
 */
export type IdxType = 'ubyte' | 'sbyte' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX array. `data` is a Uint8Array for 'ubyte' (the MNIST case, no copy), else the matching typed array. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'ubyte', bytes: 1 },
  0x09: { type: 'sbyte', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/** Refuse arrays past this many values (2 GiB of ubytes): a corrupt header should not allocate the machine. */
const MAX_VALUES = 2 ** 31;

const hex = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

/**
 * Decodes an IDX file's bytes (gzip-compressed bytes too: they are recognised by the gzip magic
 * 1f 8b and inflated first). Every field is checked: the two zero bytes and the type of the magic,
 * rank ≥ 1, that the header is complete, and that the payload holds exactly the product of the
 * sizes; a mistake throws AtrousError 'bad_file' saying what was expected. `name` labels messages.
 * PyTorch equivalent: torchvision's `read_sn3_pascalvincent_tensor`.
 * @example decodeIdx(readFileSync('t10k-labels-idx1-ubyte')).shape // [10000]
 */
export function decodeIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new AtrousError('bad_argument', `decodeIdx: expected bytes (a Uint8Array or Buffer) for ${name}`);
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new AtrousError('bad_file', `decodeIdx: ${name} looks gzip-compressed but does not inflate (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new AtrousError('bad_file', `decodeIdx: ${name} has ${buf.length} bytes, fewer than the 4-byte magic number`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new AtrousError('bad_file', `decodeIdx: ${name} does not start with an IDX magic number (00 00 <type> <rank>): got ${[...buf.subarray(0, 4)].map(hex).join(' ')}`);
  }
  const kind = TYPES[buf[2]];
  if (kind === undefined) {
    throw new AtrousError('bad_file', `decodeIdx: ${name} has unknown IDX type code ${hex(buf[2])} (known: 0x08 ubyte, 0x09 sbyte, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`);
  }
  const rank = buf[3];
  if (rank === 0) throw new AtrousError('bad_file', `decodeIdx: ${name} declares rank 0 (an IDX array has at least one dimension)`);
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) {
    throw new AtrousError('bad_file', `decodeIdx: ${name} is truncated: its header needs ${headerBytes} bytes for ${rank} dimension sizes, the data has ${buf.length}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const n = view.getUint32(4 + 4 * i, false);
    shape.push(n);
    count *= n;
  }
  if (count > MAX_VALUES) throw new AtrousError('bad_file', `decodeIdx: ${name} declares shape [${shape.join(',')}] (${count} values), more than this reader accepts (${MAX_VALUES})`);
  const expected = headerBytes + count * kind.bytes;
  if (buf.length !== expected) {
    const what = buf.length < expected ? 'is truncated' : 'has trailing bytes';
    throw new AtrousError('bad_file', `decodeIdx: ${name} ${what}: shape [${shape.join(',')}] of ${kind.type} needs ${expected} bytes (${headerBytes} header + ${count}·${kind.bytes}), the data has ${buf.length}`);
  }
  const payload = buf.subarray(headerBytes);
  if (kind.type === 'ubyte') return { type: 'ubyte', shape, data: payload };
  if (kind.type === 'sbyte') return { type: 'sbyte', shape, data: new Int8Array(payload.buffer, payload.byteOffset, count) };
  const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  switch (kind.type) {
    case 'int16':
      return { type: kind.type, shape, data: Int16Array.from({ length: count }, (_, i) => pv.getInt16(2 * i, false)) };
    case 'int32':
      return { type: kind.type, shape, data: Int32Array.from({ length: count }, (_, i) => pv.getInt32(4 * i, false)) };
    case 'float32':
      return { type: kind.type, shape, data: Float32Array.from({ length: count }, (_, i) => pv.getFloat32(4 * i, false)) };
    default:
      return { type: 'float64', shape, data: Float64Array.from({ length: count }, (_, i) => pv.getFloat64(8 * i, false)) };
  }
}

/**
 * Reads and decodes an IDX file (`.gz` or plain; see `decodeIdx`). Errors name the path.
 * @example readIdx('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz').shape // [10000, 28, 28]
 */
export function readIdx(path: string): IdxArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AtrousError('bad_file', `readIdx: cannot read ${path}${code === 'ENOENT' ? ': no such file' : ` (${(e as Error).message})`}`);
  }
  return decodeIdx(bytes, path);
}
