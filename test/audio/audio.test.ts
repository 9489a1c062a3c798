import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtrousError, decodeWav, encodeWav, muLawDecode, muLawEncode } from '../../src/index.js';

const badFile = (msg: RegExp) => (e: unknown) => e instanceof AtrousError && e.code === 'bad_file' && msg.test(e.message);

/** A WAV file from parts: chunks as [id, body bytes]; the RIFF size is computed unless given. */
function riff(chunks: [string, number[]][], riffSize?: number): Uint8Array {
  const body: number[] = [...'WAVE'].map((c) => c.charCodeAt(0));
  for (const [id, data] of chunks) {
    body.push(...[...id].map((c) => c.charCodeAt(0)), ...u32(data.length), ...data);
    if (data.length % 2 === 1) body.push(0); // pad byte
  }
  return Uint8Array.from([...[...'RIFF'].map((c) => c.charCodeAt(0)), ...u32(riffSize ?? body.length), ...body]);
}
const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const i16s = (vs: number[]) => vs.flatMap((v) => u16(v & 0xffff));
const fmt = (tag: number, channels: number, rate: number, bits: number, over: { align?: number; byteRate?: number } = {}) => {
  const align = over.align ?? (channels * bits) / 8;
  return [...u16(tag), ...u16(channels), ...u32(rate), ...u32(over.byteRate ?? rate * align), ...u16(align), ...u16(bits)];
};

describe('WAV files', () => {
  it('encodeWav writes the canonical 44-byte header and 16-bit samples (×32768, rounded, clipped)', () => {
    const bytes = encodeWav(Float32Array.of(0, 0.5, -0.5, 1, -1, 1.5, -2, 1e-5), 16000);
    assert.equal(bytes.length, 44 + 16);
    const v = new DataView(bytes.buffer);
    const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
    assert.deepEqual([tag(0), v.getUint32(4, true), tag(8), tag(12), v.getUint32(16, true)], ['RIFF', 36 + 16, 'WAVE', 'fmt ', 16]);
    assert.deepEqual([v.getUint16(20, true), v.getUint16(22, true), v.getUint32(24, true), v.getUint32(28, true), v.getUint16(32, true), v.getUint16(34, true)], [1, 1, 16000, 32000, 2, 16]);
    assert.deepEqual([tag(36), v.getUint32(40, true)], ['data', 16]);
    const pcm = Array.from({ length: 8 }, (_, i) => v.getInt16(44 + 2 * i, true));
    assert.deepEqual(pcm, [0, 16384, -16384, 32767, -32768, 32767, -32768, 0]);
  });

  it('round trips: 16-bit PCM to half a step (1/65536), float32 exactly', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.9 * Math.sin(i * 0.05) + 0.05 * Math.cos(i * 1.3));
    const pcm = decodeWav(encodeWav(x, 22050));
    assert.deepEqual([pcm.sampleRate, pcm.channels, pcm.format, pcm.samples.length], [22050, 1, 'pcm16', 1000]);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(pcm.samples[i] - x[i]) <= 0.5 / 32768 + 1e-9, `sample ${i}`);
    const f = decodeWav(encodeWav(x, 8000, { format: 'float32' }));
    assert.equal(f.format, 'float32');
    assert.deepEqual(f.samples, x);
    const ab = encodeWav([0.25], 8000);
    assert.deepEqual(Array.from(decodeWav(ab.buffer.slice(0) as ArrayBuffer).samples), [0.25]); // an ArrayBuffer works too
    assert.equal(decodeWav(encodeWav(new Float32Array(0), 8000)).samples.length, 0);
  });

  it('reads a hand-built stereo file with extra chunks and an odd-length chunk, averaging to mono', () => {
    const file = riff([
      ['LIST', [1, 2, 3]], // odd length: one pad byte follows
      ['fmt ', fmt(1, 2, 44100, 16)],
      ['fact', u32(3)],
      ['data', i16s([16384, 0, -32768, -32768, 100, 300])],
      ['JUNK', [0, 0]], // after data: not read
    ]);
    const { samples, sampleRate, channels } = decodeWav(file);
    assert.deepEqual([sampleRate, channels], [44100, 2]);
    assert.deepEqual(Array.from(samples), [0.25, -1, 200 / 32768].map(Math.fround));
    // WAVE_FORMAT_EXTENSIBLE with the IEEE-float sub-format.
    const guid = [...u16(3), 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    const ext = [...fmt(0xfffe, 1, 8000, 32), ...u16(22), ...u16(32), ...u32(4), ...guid];
    const floats = [...new Uint8Array(Float32Array.of(0.5, -0.125).buffer)];
    assert.deepEqual(Array.from(decodeWav(riff([['fmt ', ext], ['data', floats]])).samples), [0.5, -0.125]);
  });

  it('refuses truncated, inconsistent, unsupported and hostile files, saying which field', () => {
    const good = encodeWav(Float32Array.of(0.1, 0.2, 0.3), 8000);
    const data = ['data', i16s([1, 2])] as [string, number[]];
    const cases: [Uint8Array | ArrayBuffer, RegExp][] = [
      [new Uint8Array(0), /0 bytes is too short/],
      [good.subarray(0, 30), /truncated: the RIFF header announces 50 bytes, the file has 30/],
      [good.subarray(0, good.length - 1), /truncated/],
      [Uint8Array.from([...good.subarray(0, 4 + 0), ...u32(1000), ...good.subarray(8)]), /announces 1008 bytes/],
      [Uint8Array.from([...'RIFX'].map((c) => c.charCodeAt(0)).concat([...good.subarray(4)])), /big-endian/],
      [Uint8Array.from([...'OggS'].map((c) => c.charCodeAt(0)).concat([...good.subarray(4)])), /not a RIFF file/],
      [Uint8Array.from([...good.subarray(0, 8), ...[...'AVI '].map((c) => c.charCodeAt(0)), ...good.subarray(12)]), /type "AVI "/],
      [riff([data]), /data chunk comes before the fmt chunk/],
      [riff([['fmt ', fmt(1, 1, 8000, 16)]]), /no data chunk/],
      [riff([['LIST', []]]), /no fmt chunk/],
      [riff([['fmt ', fmt(1, 1, 8000, 16)], ['fmt ', fmt(1, 1, 8000, 16)], data]), /two fmt chunks/],
      [riff([['fmt ', fmt(1, 1, 8000, 16).slice(0, 14)], data]), /fmt chunk of 14 bytes/],
      [riff([['fmt ', fmt(1, 1, 8000, 24)], ['data', [0, 0, 0]]]), /24-bit PCM is not supported/],
      [riff([['fmt ', fmt(6, 1, 8000, 8)], data]), /format tag 6 is not supported/],
      [riff([['fmt ', fmt(1, 3, 8000, 16)], ['data', i16s([1, 2, 3])]]), /3 channels/],
      [riff([['fmt ', fmt(1, 1, 0, 16)], data]), /sample rate 0/],
      [riff([['fmt ', fmt(1, 1, 8000, 16, { align: 4 })], data]), /block align 4/],
      [riff([['fmt ', fmt(1, 1, 8000, 16, { byteRate: 8000 })], data]), /byte rate 8000/],
      [riff([['fmt ', fmt(1, 2, 8000, 16)], ['data', i16s([1, 2, 3])]]), /6 bytes are not whole frames of 4/],
      [riff([['fmt ', fmt(3, 1, 8000, 32)], ['data', [...new Uint8Array(Float32Array.of(NaN).buffer)]]]), /sample 0 \(channel 0\) is NaN/],
      [riff([['fmt ', fmt(0xfffe, 1, 8000, 16)]]), /EXTENSIBLE fmt chunk of 16 bytes/],
    ];
    // A chunk that claims 4 GiB must be refused from its header, not read.
    const huge = riff([['fmt ', fmt(1, 1, 8000, 16)], data]);
    new DataView(huge.buffer).setUint32(huge.length - 8, 0xffffffff, true);
    cases.push([huge, /chunk "data" at byte 36 announces 4294967295 bytes/]);
    for (const [file, msg] of cases) assert.throws(() => decodeWav(file), badFile(msg), msg.source);
    assert.throws(() => decodeWav('RIFF' as unknown as Uint8Array), badFile(/Uint8Array/));
  });

  it('encodeWav validates its arguments', () => {
    const bad = (fn: () => unknown, msg: RegExp) => assert.throws(fn, (e) => e instanceof AtrousError && e.code === 'bad_argument' && msg.test(e.message));
    bad(() => encodeWav(Float32Array.of(0), 0), /sampleRate/);
    bad(() => encodeWav(Float32Array.of(0), 44100.5), /sampleRate/);
    bad(() => encodeWav(Float32Array.of(0, NaN), 8000), /sample 1 is NaN/);
    bad(() => encodeWav(Float32Array.of(0), 8000, { format: 'pcm24' as 'pcm16' }), /format/);
    bad(() => encodeWav('x' as unknown as Float32Array, 8000), /samples must be/);
  });
});

describe('μ-law', () => {
  // torchaudio's mu_law_encoding / mu_law_decoding formulas, evaluated with torch (float32).
  it("encodes as torchaudio's mu_law_encoding", () => {
    const x = [-1, -0.5, -0.01, 0, 0.001, 0.25, 0.5, 0.99, 1.0];
    assert.deepEqual(Array.from(muLawEncode(Float32Array.from(x), 256)), [0, 16, 98, 128, 133, 223, 239, 255, 255]);
    assert.deepEqual(Array.from(muLawEncode([-3, 2.5])), [0, 255]); // clipped, default 256 channels
    assert.deepEqual(Array.from(muLawEncode([-1, 0, 1], 16)), [0, 8, 15]);
  });

  it("decodes as torchaudio's mu_law_decoding, and decode∘encode is within half a step of companding", () => {
    const q = [0, 1, 64, 127, 128, 129, 200, 254, 255];
    const want = [-1.0, -0.95727396, -0.05814499, -8.621e-5, 8.621e-5, 0.00026436, 0.08788025, 0.95727396, 1.0];
    muLawDecode(Int32Array.from(q)).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${q[i]}: ${v}`));
    const xs = Float64Array.from({ length: 2001 }, (_, i) => -1 + i / 1000);
    const back = muLawDecode(muLawEncode(xs));
    const mu = 255;
    xs.forEach((x, i) => {
      const f = (Math.sign(x) * Math.log1p(mu * Math.abs(x))) / Math.log1p(mu);
      const g = (Math.sign(back[i]) * Math.log1p(mu * Math.abs(back[i]))) / Math.log1p(mu);
      assert.ok(Math.abs(f - g) <= 1 / mu + 1e-6, `x ${x}`); // one code step in the companded domain
    });
  });

  it('refuses NaN, bad codes and bad channel counts', () => {
    assert.throws(() => muLawEncode([0, NaN]), /sample 1 is NaN/);
    assert.throws(() => muLawDecode([0, 256]), /code 256 at 1 is not an integer in 0\.\.255/);
    assert.throws(() => muLawDecode([1.5]), /not an integer/);
    assert.throws(() => muLawEncode([0], 1), /quantizationChannels/);
    assert.throws(() => muLawDecode([0], 2.5), /quantizationChannels/);
  });
});
