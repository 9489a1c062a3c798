/**
 * The one-node Conv model both onnxruntime peers run, built by the test oracle's buildConvModel
 * and then given its weight and bias as constant initializers.
 *
 * Why the second step: buildConvModel feeds W and B as graph inputs, which is right for an oracle
 * but handicaps a benchmark. onnxruntime only treats initializers that are NOT graph inputs as
 * constants, and only constants get its layout rewrites (the NCHWc Conv at optimization level
 * 'all') and weight prepacking. Measured here on context2d/aspp2d, inputs ran 20-30% slower. A real
 * deployment has constant weights, and the atrous kernels pack theirs in prepare, so the peer gets
 * the same. This edits buildConvModel's bytes instead of building a second model writer.
 *
 * Protobuf fields touched (onnx/onnx.proto): ModelProto.graph=7; GraphProto.initializer=5,
 * input=11; ValueInfoProto.name=1; TensorProto dims=1 (int64), data_type=2 (FLOAT=1), name=8, raw_data=9.
 */
import { buildConvModel } from '../../test/oracle/onnx-conv.js';
import type { PlannedCase, Prepared } from '../runner-types.js';

interface Field { num: number; value: Uint8Array | number; raw: Uint8Array }

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = buf[pos++];
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) return [v, pos];
  }
}

/** Top-level fields of one message; only wire types 0 (varint) and 2 (bytes), all ONNX uses here. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let tag: number;
    [tag, pos] = readVarint(buf, pos);
    const wire = tag & 7;
    let value: Uint8Array | number;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else {
      throw new Error(`onnx-model: unexpected wire type ${wire}`);
    }
    out.push({ num: Math.floor(tag / 8), value, raw: buf.subarray(start, pos) });
  }
  return out;
}

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function bytesField(out: number[], num: number, bytes: Uint8Array | readonly number[]): void {
  varint(out, num * 8 + 2);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function floatTensor(name: string, data: Float32Array, dims: readonly number[]): number[] {
  const t: number[] = [];
  for (const d of dims) {
    varint(t, 1 * 8);
    varint(t, d);
  }
  varint(t, 2 * 8);
  varint(t, 1); // FLOAT
  bytesField(t, 8, new TextEncoder().encode(name));
  // raw_data is little-endian, as is every machine this runs on.
  bytesField(t, 9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return t;
}

/** Moves the named graph inputs into initializers holding the given data. */
export function withConstants(model: Uint8Array, consts: Record<string, { data: Float32Array; shape: readonly number[] }>): Uint8Array {
  const out: number[] = [];
  for (const f of fields(model)) {
    if (f.num !== 7 || typeof f.value === 'number') {
      for (const b of f.raw) out.push(b);
      continue;
    }
    const graph: number[] = [];
    for (const g of fields(f.value)) {
      if (g.num === 11 && typeof g.value !== 'number') {
        const nameField = fields(g.value).find((v) => v.num === 1);
        const name = nameField && typeof nameField.value !== 'number' ? new TextDecoder().decode(nameField.value) : '';
        if (name in consts) continue;
      }
      for (const b of g.raw) graph.push(b);
    }
    for (const [name, t] of Object.entries(consts)) bytesField(graph, 5, floatTensor(name, t.data, t.shape));
    bytesField(out, 7, graph);
  }
  return Uint8Array.from(out);
}

/** The case as an ONNX model with one input X and one output Y; W and B are baked in. */
export function convModel(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Uint8Array {
  const model = buildConvModel({
    op: 'Conv',
    x: { data: x, shape: c.xShape },
    w: { data: w, shape: c.wShape },
    b: { data: b, shape: [c.Cout] },
    strides: c.stride,
    dilations: c.dilation,
    pads: c.pads,
    group: c.groups,
  });
  return withConstants(model, { W: { data: w, shape: c.wShape }, B: { data: b, shape: [c.Cout] } });
}

/** What both onnxruntime packages' sessions offer, as far as the benchmark uses them. */
interface OrtSession<Feeds> {
  run(feeds: Feeds): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}

/** A prepared onnxruntime session as a runner's Prepared: each run returns output Y. */
export function sessionPrepared<Feeds>(session: OrtSession<Feeds>, feeds: Feeds): Prepared {
  return {
    async run() {
      return (await session.run(feeds))['Y'].data as Float32Array;
    },
    async dispose() {
      await session.release();
    },
  };
}
