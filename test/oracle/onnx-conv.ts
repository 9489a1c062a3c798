/**
 * Independent test oracle: runs ONE ONNX `Conv` / `ConvTranspose` node in onnxruntime-node (CPU).
 *
 * Why: the reference kernels in atrous must not be checked only against code we wrote ourselves.
 * ONNX Runtime's CPU convolutions are an implementation with nothing shared with ours, so agreement
 * with it is real evidence. The model is encoded by hand (no protobufjs / onnx packages) so the
 * oracle adds no dependency beyond onnxruntime-node itself.
 *
 * Protobuf field numbers used (onnx/onnx.proto, proto2; wire type 0 = varint, 2 = length-delimited):
 *   ModelProto          ir_version=1 (varint), producer_name=2, graph=7, opset_import=8
 *   OperatorSetIdProto  domain=1, version=2 (varint)
 *   GraphProto          node=1, name=2, input=11, output=12
 *   NodeProto           input=1, output=2, name=3, op_type=4, attribute=5
 *   AttributeProto      name=1, i=3 (varint), ints=8 (repeated int64, written unpacked), type=20
 *                       AttributeType: INT=2, INTS=7
 *   ValueInfoProto      name=1, type=2
 *   TypeProto           tensor_type=1;  TypeProto.Tensor elem_type=1 (FLOAT=1), shape=2
 *   TensorShapeProto    dim=1;  Dimension dim_value=1
 * IR version 8 + default-domain opset 17 (both supported by onnxruntime 1.30).
 */
import * as ort from 'onnxruntime-node';

export interface OnnxTensorIn { data: Float32Array; shape: readonly number[] }
export interface OnnxConvCase {
  op: 'Conv' | 'ConvTranspose';
  x: OnnxTensorIn;            // [N, C, ...spatial], 1D/2D/3D spatial
  w: OnnxTensorIn;            // Conv: [Cout, Cin/group, ...k]; ConvTranspose: [Cin, Cout/group, ...k]
  b?: OnnxTensorIn;           // [Cout]
  strides: readonly number[];      // one per spatial axis
  dilations: readonly number[];    // one per spatial axis
  pads: readonly (readonly [number, number])[]; // [before, after] per spatial axis
  group: number;
  outputPadding?: readonly number[]; // ConvTranspose only
}
export interface OnnxTensorOut { data: Float32Array; shape: number[] }

const IR_VERSION = 8;
const OPSET = 17;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** Minimal protobuf writer: just varints and length-delimited fields, which is all ONNX needs here. */
class PbWriter {
  private readonly bytes: number[] = [];

  private varint(v: number): void {
    // Every value we encode is a small non-negative integer; negative int64 would need 10-byte
    // two's-complement encoding, so refuse rather than silently emit a wrong model.
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`onnx-conv: cannot encode ${v} as varint`);
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }

  private tag(field: number, wireType: 0 | 2): void {
    this.varint(field * 8 + wireType);
  }

  int(field: number, v: number): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  /** repeated int64, unpacked (one tag per element): valid proto2, accepted by every parser. */
  ints(field: number, vs: readonly number[]): this {
    for (const v of vs) this.int(field, v);
    return this;
  }

  bytesField(field: number, b: Uint8Array | readonly number[]): this {
    this.tag(field, 2);
    this.varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  msg(field: number, build: (w: PbWriter) => void): this {
    const inner = new PbWriter();
    build(inner);
    return this.bytesField(field, inner.bytes);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** ValueInfoProto for a float tensor; `shape` undefined leaves the shape for ORT to infer. */
function valueInfo(w: PbWriter, name: string, shape?: readonly number[]): void {
  w.str(1, name).msg(2, (type) =>
    type.msg(1, (tensor) => {
      tensor.int(1, FLOAT);
      if (shape) tensor.msg(2, (sh) => { for (const d of shape) sh.msg(1, (dim) => dim.int(1, d)); });
    }),
  );
}

function attrInts(w: PbWriter, name: string, vs: readonly number[]): void {
  w.msg(5, (a) => a.str(1, name).int(20, ATTR_INTS).ints(8, vs));
}

/** Serialises the one-node model. Exported for debugging (e.g. writing it to disk for netron). */
export function buildConvModel(c: OnnxConvCase): Uint8Array {
  const rank = c.x.shape.length - 2;
  if (rank < 1 || c.w.shape.length !== rank + 2) throw new Error('onnx-conv: x/w rank mismatch');
  for (const [what, arr] of [['strides', c.strides], ['dilations', c.dilations], ['pads', c.pads]] as const) {
    if (arr.length !== rank) throw new Error(`onnx-conv: ${what} needs ${rank} entries, got ${arr.length}`);
  }
  if (c.outputPadding && c.op !== 'ConvTranspose') throw new Error('onnx-conv: outputPadding is ConvTranspose-only');

  const inputs: [string, OnnxTensorIn][] = [['X', c.x], ['W', c.w]];
  if (c.b) inputs.push(['B', c.b]);

  const graph = (g: PbWriter): void => {
    g.msg(1, (node) => {
      for (const [name] of inputs) node.str(1, name);
      node.str(2, 'Y').str(3, 'node0').str(4, c.op);
      // kernel_shape is redundant with W, but stating it keeps ORT from guessing.
      attrInts(node, 'kernel_shape', c.w.shape.slice(2));
      attrInts(node, 'strides', c.strides);
      attrInts(node, 'dilations', c.dilations);
      // ONNX pads order is [x1_begin, x2_begin, ..., x1_end, x2_end, ...].
      attrInts(node, 'pads', [...c.pads.map((p) => p[0]), ...c.pads.map((p) => p[1])]);
      node.msg(5, (a) => a.str(1, 'group').int(20, ATTR_INT).int(3, c.group));
      if (c.outputPadding) attrInts(node, 'output_padding', c.outputPadding);
    });
    g.str(2, 'atrous_oracle');
    for (const [name, t] of inputs) g.msg(11, (vi) => valueInfo(vi, name, t.shape));
    g.msg(12, (vi) => valueInfo(vi, 'Y')); // no shape: ORT infers it, which is exactly what we test
  };

  return new PbWriter()
    .int(1, IR_VERSION)
    .str(2, 'atrous-test-oracle')
    .msg(7, graph)
    .msg(8, (o) => o.str(1, '').int(2, OPSET))
    .finish();
}

// Plain, deterministic CPU execution: one thread, no graph rewrites (no fusions / layout changes).
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'disabled',
  logSeverityLevel: 4, // fatal only: failures already surface as rejected promises with the message
};

/** Builds a one-node ONNX model (opset 17) and runs it on onnxruntime-node's CPU provider, single threaded. */
export async function runOnnxConv(c: OnnxConvCase): Promise<OnnxTensorOut> {
  const session = await ort.InferenceSession.create(buildConvModel(c), SESSION_OPTIONS);
  try {
    const feeds: Record<string, ort.Tensor> = {
      X: new ort.Tensor('float32', c.x.data, c.x.shape),
      W: new ort.Tensor('float32', c.w.data, c.w.shape),
    };
    if (c.b) feeds['B'] = new ort.Tensor('float32', c.b.data, c.b.shape);
    const y = (await session.run(feeds))['Y'];
    if (!y || y.type !== 'float32') throw new Error('onnx-conv: missing float32 output Y');
    // Copy so the result never aliases memory owned by the (about to be released) session.
    return { data: Float32Array.from(y.data as Float32Array), shape: [...y.dims] };
  } finally {
    await session.release(); // native sessions are not GC-friendly; hundreds of cases would pile up
  }
}
