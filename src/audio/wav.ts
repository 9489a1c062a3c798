import { AtrousError } from '../errors.js';
import type { Samples } from './mulaw.js';

/** Sample formats `encodeWav` writes and `decodeWav` reads. */
export type WavFormat = 'pcm16' | 'float32';

/** What `decodeWav` returns. */
export interface DecodedWav {
  /** Mono samples in [−1, 1] (stereo is averaged). */
  samples: Float32Array;
  sampleRate: number;
  /** Channels in the file (1 or 2). */
  channels: number;
  format: WavFormat;
}

/** Options of `encodeWav`. */
export interface EncodeWavOptions {
  /** 'pcm16' (default): 16-bit integers, clipped to [−1, 1); 'float32': IEEE floats as given. */
  format?: WavFormat;
}

const HEADER_BYTES = 44;
const MAX_DATA_BYTES = 0xffffffff - 36; // the RIFF size field is 32 bits
const MAX_RATE = 4_000_000;

/**
 * A mono RIFF/WAVE file of `samples`: 16-bit PCM by default (each sample clipped to [−1, 1] and
 * scaled by 32768, rounded, capped at 32767, as libsndfile writes floats to PCM), or 32-bit float.
 * The canonical 44-byte header, then the data.
 * @example await writeFile('out.wav', encodeWav(muLawDecode(codes), 16000))
 */
export function encodeWav(samples: Samples, sampleRate: number, opts: EncodeWavOptions = {}): Uint8Array {
  const format = opts.format ?? 'pcm16';
  if (format !== 'pcm16' && format !== 'float32') throw new AtrousError('bad_argument', `encodeWav: format must be 'pcm16' or 'float32', got ${JSON.stringify(format)}`);
  if (!(samples instanceof Float32Array || samples instanceof Float64Array || Array.isArray(samples))) {
    throw new AtrousError('bad_argument', 'encodeWav: samples must be a Float32Array, a Float64Array or a number array');
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_RATE) {
    throw new AtrousError('bad_argument', `encodeWav: sampleRate must be an integer in 1..${MAX_RATE}, got ${String(sampleRate)}`);
  }
  const width = format === 'pcm16' ? 2 : 4;
  const dataBytes = samples.length * width;
  if (dataBytes > MAX_DATA_BYTES) throw new AtrousError('bad_argument', `encodeWav: ${samples.length} samples do not fit in a WAV file (4 GiB limit)`);
  const bytes = new Uint8Array(HEADER_BYTES + dataBytes);
  const v = new DataView(bytes.buffer);
  const ascii = (at: number, s: string) => { for (let i = 0; i < 4; i++) bytes[at + i] = s.charCodeAt(i); };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format === 'pcm16' ? 1 : 3, true); // WAVE_FORMAT_PCM / WAVE_FORMAT_IEEE_FLOAT
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * width, true);
  v.setUint16(32, width, true);
  v.setUint16(34, width * 8, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new AtrousError('bad_argument', `encodeWav: sample ${i} is ${String(x)}, not a finite number`);
    if (width === 2) v.setInt16(HEADER_BYTES + 2 * i, Math.min(32767, Math.round(Math.max(-1, Math.min(1, x)) * 32768)), true);
    else v.setFloat32(HEADER_BYTES + 4 * i, x, true);
  }
  return bytes;
}

const fail = (msg: string): never => {
  throw new AtrousError('bad_file', `decodeWav: ${msg}`);
};

// WAVE_FORMAT_EXTENSIBLE's sub-format GUIDs are {tag}-0000-0010-8000-00aa00389b71: these are the last 14 bytes.
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/**
 * Reads a RIFF/WAVE file: 16-bit PCM or 32-bit float (plain or WAVE_FORMAT_EXTENSIBLE), mono or
 * stereo (averaged to mono), samples scaled to [−1, 1] (PCM ÷ 32768, as torchaudio and
 * soundfile). Every header field is checked against the others and against the file's length; a
 * truncated, inconsistent or unsupported file is an AtrousError 'bad_file' saying which field.
 * Unknown chunks (LIST, fact, ...) are skipped.
 * @example const { samples, sampleRate } = decodeWav(await readFile('in.wav'))
 */
export function decodeWav(file: Uint8Array | ArrayBuffer): DecodedWav {
  const bytes = file instanceof ArrayBuffer ? new Uint8Array(file) : file instanceof Uint8Array ? file : fail('expected the file as a Uint8Array, Buffer or ArrayBuffer');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.byteLength;
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (len < 12) fail(`${len} bytes is too short for a RIFF header (12 bytes)`);
  if (tag(0) !== 'RIFF') fail(tag(0) === 'RIFX' ? 'big-endian RIFX files are not supported' : `not a RIFF file (starts with ${JSON.stringify(tag(0))})`);
  if (tag(8) !== 'WAVE') fail(`a RIFF file of type ${JSON.stringify(tag(8))}, not WAVE`);
  const riffEnd = 8 + v.getUint32(4, true);
  if (riffEnd > len) fail(`truncated: the RIFF header announces ${riffEnd} bytes, the file has ${len}`);
  let fmt: { tag: number; channels: number; rate: number; byteRate: number; align: number; bits: number } | null = null;
  let data: { at: number; size: number } | null = null;
  for (let at = 12; at < riffEnd && data === null;) {
    if (at + 8 > riffEnd) fail(`truncated chunk header at byte ${at}`);
    const id = tag(at);
    const size = v.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > riffEnd) fail(`truncated: chunk ${JSON.stringify(id)} at byte ${at} announces ${size} bytes, only ${riffEnd - body} remain`);
    if (id === 'fmt ') {
      if (fmt !== null) fail('two fmt chunks');
      if (size < 16) fail(`fmt chunk of ${size} bytes (at least 16)`);
      fmt = {
        tag: v.getUint16(body, true), channels: v.getUint16(body + 2, true), rate: v.getUint32(body + 4, true),
        byteRate: v.getUint32(body + 8, true), align: v.getUint16(body + 12, true), bits: v.getUint16(body + 14, true),
      };
      if (fmt.tag === 0xfffe) {
        if (size < 40) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes (needs 40)`);
        const sub = v.getUint16(body + 24, true);
        for (let i = 0; i < 14; i++) if (bytes[body + 26 + i] !== GUID_TAIL[i]) fail('WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID');
        fmt.tag = sub;
      }
    } else if (id === 'data') {
      if (fmt === null) fail('the data chunk comes before the fmt chunk');
      data = { at: body, size };
    }
    at = body + size + (size & 1); // chunks are padded to an even length
  }
  if (fmt === null) fail('no fmt chunk');
  if (data === null) fail('no data chunk');
  const f = fmt!;
  const d = data!;
  const format: WavFormat | null = f.tag === 1 && f.bits === 16 ? 'pcm16' : f.tag === 3 && f.bits === 32 ? 'float32' : null;
  if (format === null) {
    const kind = f.tag === 1 ? `${f.bits}-bit PCM` : f.tag === 3 ? `${f.bits}-bit float` : `format tag ${f.tag}`;
    fail(`${kind} is not supported (16-bit PCM or 32-bit float)`);
  }
  if (f.channels !== 1 && f.channels !== 2) fail(`${f.channels} channels (mono or stereo only)`);
  if (f.rate < 1 || f.rate > MAX_RATE) fail(`sample rate ${f.rate} is outside 1..${MAX_RATE}`);
  const width = f.bits / 8;
  if (f.align !== f.channels * width) fail(`block align ${f.align} is not channels·bytes per sample = ${f.channels * width}`);
  if (f.byteRate !== f.rate * f.align) fail(`byte rate ${f.byteRate} is not sample rate·block align = ${f.rate * f.align}`);
  if (d.size % f.align !== 0) fail(`the data chunk's ${d.size} bytes are not whole frames of ${f.align} bytes (truncated?)`);
  const frames = d.size / f.align;
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    for (let c = 0; c < f.channels; c++) {
      const at = d.at + i * f.align + c * width;
      const x = format === 'pcm16' ? v.getInt16(at, true) / 32768 : v.getFloat32(at, true);
      if (!Number.isFinite(x)) fail(`sample ${i} (channel ${c}) is ${x}`);
      acc += x;
    }
    samples[i] = acc / f.channels;
  }
  return { samples, sampleRate: f.rate, channels: f.channels, format: format! };
}
