/**
 * The one ONNX codec of model preparation, on protobufjs' wire-level Reader and Writer.
 *
 * A model is decoded only as deep as the passes need: the graph's nodes become `TNode`s, and every
 * other field (weights, value infos, metadata, fields newer than this code) stays a `TField` whose raw
 * bytes are written back unchanged. A node no pass touched keeps its raw bytes too. So no ONNX schema
 * is needed, nothing is lost in a round trip, and a model no pass changes comes back byte for byte.
 * Field numbers are those of onnx.proto.
 */
import protobuf from "protobufjs/minimal.js";

const { Reader, Writer } = protobuf;

// ---- protobuf fields ----------------------------------------------------------------------------

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field as read: `int` for a varint (unsigned 64-bit), `bytes` for the payload of the others. */
export type TField = { no: number; wire: number; raw: Uint8Array; int?: bigint; bytes?: Uint8Array };

export function readFields(b: Uint8Array): TField[] {
  const r = Reader.create(b);
  const out: TField[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const f: TField = { no: tag >>> 3, wire: tag & 7, raw: b };
    if (f.wire === WIRE.varint) {
      const v = r.uint64() as unknown as { low: number; high: number } | number;
      f.int = typeof v === "number" ? BigInt(v) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    } else if (f.wire === WIRE.bytes) {
      f.bytes = r.bytes();
    } else if (f.wire === WIRE.fixed32 || f.wire === WIRE.fixed64) {
      const n = f.wire === WIRE.fixed32 ? 4 : 8;
      if (r.pos + n > r.len) throw new Error("truncated field");
      f.bytes = r.raw(r.pos, r.pos + n);
      r.skip(n);
    } else {
      throw new Error(`unsupported protobuf wire type ${f.wire}`);
    }
    f.raw = r.raw(start, r.pos);
    out.push(f);
  }
  return out;
}

/** Packed or unpacked repeated varints of field `no`, as signed 64-bit numbers. */
function ints(fields: readonly TField[], no: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.no !== no) continue;
    if (f.wire === WIRE.varint) out.push(Number(BigInt.asIntN(64, f.int!)));
    else for (const v of readPacked(f.bytes!)) out.push(Number(BigInt.asIntN(64, v)));
  }
  return out;
}

function readPacked(b: Uint8Array): bigint[] {
  const r = Reader.create(b);
  const out: bigint[] = [];
  while (r.pos < r.len) {
    const v = r.uint64() as unknown as { low: number; high: number } | number;
    out.push(typeof v === "number" ? BigInt(v) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
  }
  return out;
}

const tag = (w: protobuf.Writer, no: number, wire: number) => w.uint32((no << 3) | wire);
export const lenField = (no: number, bytes: Uint8Array) => tag(Writer.create(), no, WIRE.bytes).bytes(bytes).finish();
export const strField = (no: number, s: string) => tag(Writer.create(), no, WIRE.bytes).string(s).finish();
/** A varint field; a negative value is written as its 64-bit two's complement, as int64 requires. */
export const intField = (no: number, v: number) => tag(Writer.create(), no, WIRE.varint).int64(v).finish();
const floatField = (no: number, v: number) => tag(Writer.create(), no, WIRE.fixed32).float(v).finish();

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const w = Writer.create();
  for (const p of parts) w.raw(p);
  return w.finish();
}

const dec = new TextDecoder();
export const text = (b: Uint8Array | undefined) => dec.decode(b ?? new Uint8Array());

// ---- nodes and attributes -----------------------------------------------------------------------

const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, f: 2, i: 3, s: 4, t: 5, ints: 8, type: 20 } as const;
/** AttributeProto.type values. */
const ATTR_TYPE = { float: 1, int: 2, tensor: 4 } as const;

/**
 * A graph node. `attrs` maps each attribute's name to its fields. `raw` is the node's original bytes
 * while no pass has changed it (a pass that edits a node sets it to null); `extra` holds the fields
 * this code does not read (doc_string, ...), written back as they were.
 */
export type TNode = { inputs: string[]; outputs: string[]; op: string; name: string; domain: string; attrs: Map<string, TField[]>; raw: Uint8Array | null; extra: Uint8Array[] };

export function decodeNode(raw: Uint8Array): TNode {
  const node: TNode = { inputs: [], outputs: [], op: "", name: "", domain: "", attrs: new Map(), raw, extra: [] };
  for (const f of readFields(raw)) {
    if (f.no === NODE.input) node.inputs.push(text(f.bytes));
    else if (f.no === NODE.output) node.outputs.push(text(f.bytes));
    else if (f.no === NODE.name) node.name = text(f.bytes);
    else if (f.no === NODE.opType) node.op = text(f.bytes);
    else if (f.no === NODE.domain) node.domain = text(f.bytes);
    else if (f.no === NODE.attribute) {
      const af = readFields(f.bytes!);
      node.attrs.set(text(af.find((x) => x.no === ATTR.name)?.bytes), af);
    } else node.extra.push(f.raw);
  }
  return node;
}

/** A node as its GraphProto field (`node`, 1). */
export function encodeNode(n: TNode): Uint8Array {
  if (n.raw) return lenField(1, n.raw);
  const parts: Uint8Array[] = [
    ...n.inputs.map((s) => strField(NODE.input, s)),
    ...n.outputs.map((s) => strField(NODE.output, s)),
    strField(NODE.name, n.name),
    strField(NODE.opType, n.op),
    ...[...n.attrs.values()].map((af) => lenField(NODE.attribute, concat(af.map((f) => f.raw)))),
    ...(n.domain ? [strField(NODE.domain, n.domain)] : []),
    ...n.extra,
  ];
  return lenField(1, concat(parts));
}

/** A new node of the default (ai.onnx) domain. */
export const plainNode = (op: string, name: string, inputs: string[], outputs: string[], attrs: Array<[string, TField[]]> = []): TNode =>
  ({ inputs, outputs, op, name, domain: "", attrs: new Map(attrs), raw: null, extra: [] });

export const floatAttr = (name: string, v: number): TField[] =>
  readFields(concat([strField(ATTR.name, name), floatField(ATTR.f, v), intField(ATTR.type, ATTR_TYPE.float)]));
export const intAttr = (name: string, v: number): TField[] =>
  readFields(concat([strField(ATTR.name, name), intField(ATTR.i, v), intField(ATTR.type, ATTR_TYPE.int)]));

export function attrFloat(n: TNode, name: string): number | undefined {
  const f = n.attrs.get(name)?.find((x) => x.no === ATTR.f);
  return f ? new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true) : undefined;
}

export function attrInt(n: TNode, name: string): number | undefined {
  const f = n.attrs.get(name)?.find((x) => x.no === ATTR.i);
  return f ? Number(BigInt.asIntN(64, f.int!)) : undefined;
}

export function attrInts(n: TNode, name: string): number[] | undefined {
  const af = n.attrs.get(name);
  return af ? ints(af, ATTR.ints) : undefined;
}

export function attrString(n: TNode, name: string): string | undefined {
  const f = n.attrs.get(name)?.find((x) => x.no === ATTR.s);
  return f ? text(f.bytes) : undefined;
}

// ---- tensors ------------------------------------------------------------------------------------

const TENSOR = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
/** TensorProto.data_type */
export const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;

/** TensorProto bytes with `raw` as its raw_data. */
export function tensorBytes(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): Uint8Array {
  return concat([...dims.map((d) => intField(TENSOR.dims, d)), intField(TENSOR.dataType, dataType), strField(TENSOR.name, name), lenField(TENSOR.rawData, raw)]);
}

/** A Constant node whose output `name` holds the tensor. */
export function constNode(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): TNode {
  const attr = readFields(concat([strField(ATTR.name, "value"), lenField(ATTR.t, tensorBytes(name, dims, dataType, raw)), intField(ATTR.type, ATTR_TYPE.tensor)]));
  return plainNode("Constant", name, [], [name], [["value", attr]]);
}

export const bytesOf = (a: Float32Array | Int32Array | Int8Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
export const int64Raw = (xs: readonly number[]) => {
  const b = new Uint8Array(8 * xs.length);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setBigInt64(8 * i, BigInt(x), true));
  return b;
};

export type TFloatTensor = { dims: number[]; data: Float32Array };

/** A float tensor held in the model (raw_data or float_data); null for other types and external data. */
export function floatTensor(b: Uint8Array): TFloatTensor | null {
  const fields = readFields(b);
  let type = 0;
  let rawData: Uint8Array | null = null;
  const floats: number[] = [];
  for (const f of fields) {
    if (f.no === TENSOR.dataType) type = Number(f.int!);
    else if (f.no === TENSOR.rawData) rawData = f.bytes!;
    else if (f.no === TENSOR.floatData) {
      const dv = new DataView(f.bytes!.buffer, f.bytes!.byteOffset, f.bytes!.length);
      for (let p = 0; p + 4 <= f.bytes!.length; p += 4) floats.push(dv.getFloat32(p, true));
    } else if (f.no === TENSOR.externalData || f.no === TENSOR.dataLocation) return null;
  }
  if (type !== DT.float || (rawData && rawData.length % 4 !== 0)) return null;
  const dims = ints(fields, TENSOR.dims);
  // A copy: the model's bytes need not be 4-byte aligned, and passes must not write into them.
  const data = rawData ? new Float32Array(new Uint8Array(rawData).buffer) : Float32Array.from(floats);
  if (data.length !== dims.reduce((a, d) => a * d, 1)) return null;
  return { dims, data };
}

/** The integers an int32 or int64 tensor holds (raw_data, int32_data or int64_data); null for other types. */
export function intTensor(b: Uint8Array): number[] | null {
  const fields = readFields(b);
  const type = Number(fields.find((f) => f.no === TENSOR.dataType)?.int ?? 0);
  if (type !== DT.int32 && type !== DT.int64) return null;
  const raw = fields.find((f) => f.no === TENSOR.rawData)?.bytes;
  if (!raw) return ints(fields, type === DT.int64 ? TENSOR.int64Data : TENSOR.int32Data);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const width = type === DT.int64 ? 8 : 4;
  const out: number[] = [];
  for (let p = 0; p + width <= raw.length; p += width) out.push(type === DT.int64 ? Number(dv.getBigInt64(p, true)) : dv.getInt32(p, true));
  return out;
}

/** The integers a default-domain Constant node holds, or null. */
export function constantInts(n: TNode | null | undefined): number[] | null {
  if (!n || n.op !== "Constant" || n.domain) return null;
  const t = n.attrs.get("value")?.find((x) => x.no === ATTR.t);
  return t ? intTensor(t.bytes!) : null;
}

/** The float tensor a default-domain Constant node holds, or null. */
export function constantValue(n: TNode | null | undefined): TFloatTensor | null {
  if (!n || n.op !== "Constant" || n.domain) return null;
  const t = n.attrs.get("value")?.find((x) => x.no === ATTR.t);
  return t ? floatTensor(t.bytes!) : null;
}

// ---- models -------------------------------------------------------------------------------------

const MODEL = { graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;

/** A decoded ModelProto: its top-level fields, its graph's fields, and the graph's nodes in order. */
export type TOnnxModel = { top: TField[]; graphIndex: number; graphFields: TField[]; nodes: TNode[] };

export function decodeModel(bytes: Uint8Array): TOnnxModel {
  // A Node Buffer decodes to views of itself; a plain Uint8Array view keeps every copy a copy.
  const top = readFields(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const graphIndex = top.findIndex((f) => f.no === MODEL.graph && f.wire === WIRE.bytes);
  if (graphIndex < 0) throw new Error("ONNX model without a graph");
  const graphFields = readFields(top[graphIndex]!.bytes!);
  return { top, graphIndex, graphFields, nodes: graphFields.filter((f) => f.no === GRAPH.node).map((f) => decodeNode(f.bytes!)) };
}

const isOnnxDomain = (d: string) => d === "" || d === "ai.onnx";

/** The ai.onnx opset the model imports (0 if none is listed). */
export function modelOpset(m: TOnnxModel): number {
  for (const f of m.top) {
    if (f.no !== MODEL.opsetImport) continue;
    const fs = readFields(f.bytes!);
    if (isOnnxDomain(text(fs.find((x) => x.no === OPSET.domain)?.bytes))) return Number(fs.find((x) => x.no === OPSET.version)?.int ?? 0n);
  }
  return 0;
}

/** Names of the graph's inputs or outputs (ValueInfoProto.name). */
export function graphValues(m: TOnnxModel, which: "input" | "output"): Set<string> {
  const no = which === "input" ? GRAPH.input : GRAPH.output;
  return new Set(m.graphFields.filter((f) => f.no === no).map((f) => text(readFields(f.bytes!).find((x) => x.no === 1)?.bytes)));
}

/** A graph `output` field for a float tensor: ValueInfoProto { name, type { tensor_type { elem_type } } }. */
export const floatOutputField = (name: string) => lenField(GRAPH.output, concat([strField(1, name), lenField(2, lenField(1, intField(1, DT.float)))]));
/** A graph `initializer` field. */
export const initializerField = (tensor: Uint8Array) => lenField(GRAPH.initializer, tensor);

/**
 * The model's bytes with `nodes` as its graph's nodes (where its first node was), `extraGraph` fields
 * appended to the graph, and, with `opset`, that ai.onnx opset import; every other field as it was.
 */
export function encodeModel(m: TOnnxModel, opts: { nodes?: readonly TNode[]; opset?: number; extraGraph?: readonly Uint8Array[] } = {}): Uint8Array {
  const nodes = (opts.nodes ?? m.nodes).map(encodeNode);
  const firstNode = Math.max(0, m.graphFields.findIndex((f) => f.no === GRAPH.node));
  const graph = Writer.create();
  m.graphFields.forEach((f, i) => {
    if (i === firstNode) for (const n of nodes) graph.raw(n);
    if (f.no !== GRAPH.node) graph.raw(f.raw);
  });
  if (m.graphFields.length === 0) for (const n of nodes) graph.raw(n);
  for (const f of opts.extraGraph ?? []) graph.raw(f);
  const out = Writer.create();
  m.top.forEach((f, i) => {
    if (i === m.graphIndex) return out.raw(lenField(MODEL.graph, graph.finish()));
    if (f.no === MODEL.opsetImport && opts.opset !== undefined) {
      const domain = text(readFields(f.bytes!).find((x) => x.no === OPSET.domain)?.bytes);
      if (isOnnxDomain(domain)) return out.raw(lenField(MODEL.opsetImport, concat([...(domain ? [strField(OPSET.domain, domain)] : []), intField(OPSET.version, opts.opset)])));
    }
    return out.raw(f.raw);
  });
  return out.finish();
}

/** `nodes` without the default-domain Constants that no node and no graph output reads. */
export function withoutDeadConstants(m: TOnnxModel, nodes: readonly TNode[]): TNode[] {
  const read = graphValues(m, "output");
  for (const n of nodes) for (const x of n.inputs) read.add(x);
  return nodes.filter((n) => n.op !== "Constant" || n.domain || n.outputs.some((o) => read.has(o)));
}

/** Nodes of a model as { opType, inputs, outputs, float attributes }, for tests and diagnostics. */
export function listNodes(model: Uint8Array): Array<{ opType: string; inputs: string[]; outputs: string[]; floatAttrs: Record<string, number> }> {
  return decodeModel(model).nodes.map((n) => ({
    opType: n.op,
    inputs: n.inputs,
    outputs: n.outputs,
    floatAttrs: Object.fromEntries([...n.attrs.keys()].flatMap((k) => { const v = attrFloat(n, k); return v === undefined ? [] : [[k, v]]; })),
  }));
}
