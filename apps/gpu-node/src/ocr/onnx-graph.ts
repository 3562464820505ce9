/**
 * ONNX graph plumbing for the int8 path (quantize.ts), on the protobuf wire format like
 * fuse-activations.ts: parse and write a model, upgrade its ai.onnx opset to 13 without changing its
 * meaning, fold Conv → BatchNormalization, and expose inner tensors as graph outputs for calibration.
 *
 * Why opset 13: QuantizeLinear with a per-channel `axis` needs it, while rec and cls are opset 9 and det
 * opset 11. `upgradeOpset` rewrites the few ops whose form changed on the way (Slice-1 and Squeeze-1
 * attributes become inputs; Softmax-1's flatten-to-2-D semantics become Flatten → Softmax → Reshape,
 * exact) and refuses a model with any other op whose meaning changed.
 */
import { attrInts, concat, encodeNode, intField, lenField, parseNode, readFields, strField, type TField, type TNode } from "./fuse-activations.ts";

export const dec = new TextDecoder();

/** TensorProto.data_type */
export const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
export const ATTR_INT = 2;

/** Ops of these models whose ai.onnx semantics are the same from their opset to 13. */
const SAME_TO_13 = new Set([
  "Conv", "ConvTranspose", "BatchNormalization", "HardSigmoid", "Mul", "Add", "Sub", "Div", "Pow", "Sqrt",
  "GlobalAveragePool", "AveragePool", "MaxPool", "Relu", "Sigmoid", "Resize", "Concat", "Constant", "Shape",
  "Cast", "Reshape", "Transpose", "ReduceMean", "MatMul", "Flatten", "Identity",
]);

export type TModelGraph = { top: TField[]; graphIndex: number; graphFields: TField[]; nodes: TNode[] };

export function parseModel(bytes: Uint8Array): TModelGraph {
  const top = readFields(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const graphIndex = top.findIndex((f) => f.no === 7 && f.wt === 2);
  if (graphIndex < 0) throw new Error("ONNX model without a graph");
  const graphFields = readFields(top[graphIndex]!.bytes!);
  return { top, graphIndex, graphFields, nodes: graphFields.filter((f) => f.no === 1).map((f) => parseNode(f.bytes!)) };
}

/** The ai.onnx opset a model imports (0 if none). */
export function modelOpset(m: TModelGraph): number {
  for (const f of m.top) {
    if (f.no !== 8) continue;
    const fs = readFields(f.bytes!);
    const domain = dec.decode(fs.find((x) => x.no === 1)?.bytes ?? new Uint8Array());
    if (domain === "" || domain === "ai.onnx") return Number(fs.find((x) => x.no === 2)?.int ?? 0n);
  }
  return 0;
}

/**
 * Serialise a model with new nodes (and extra graph fields such as outputs), a new ai.onnx opset, and
 * every other field byte for byte.
 */
export function writeModel(m: TModelGraph, nodes: readonly TNode[], opts: { opset?: number; extraGraph?: Uint8Array[] } = {}): Uint8Array {
  const nodeBytes = nodes.map(encodeNode);
  const parts: Uint8Array[] = [];
  const firstNode = m.graphFields.findIndex((f) => f.no === 1);
  m.graphFields.forEach((f, i) => {
    if (i === firstNode) parts.push(...nodeBytes);
    if (f.no !== 1) parts.push(f.raw);
  });
  parts.push(...(opts.extraGraph ?? []));
  const graph = concat(parts);
  return concat(m.top.map((f, i) => {
    if (i === m.graphIndex) return lenField(7, graph);
    if (f.no === 8 && opts.opset !== undefined) {
      const fs = readFields(f.bytes!);
      const domain = dec.decode(fs.find((x) => x.no === 1)?.bytes ?? new Uint8Array());
      if (domain === "" || domain === "ai.onnx") return lenField(8, concat([...(domain ? [strField(1, domain)] : []), intField(2, opts.opset)]));
    }
    return f.raw;
  }));
}

export function tensorBytes(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): Uint8Array {
  return concat([...dims.map((d) => intField(1, d)), intField(2, dataType), strField(8, name), lenField(9, raw)]);
}

export function constNode(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): TNode {
  const attr = readFields(concat([strField(1, "value"), lenField(5, tensorBytes(name, dims, dataType, raw)), intField(20, 4)]));
  return { inputs: [], outputs: [name], op: "Constant", name, domain: "", attrs: new Map([["value", attr]]), raw: null, extra: [] };
}

export const int64Raw = (xs: readonly number[]) => {
  const b = new Uint8Array(8 * xs.length);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setBigInt64(8 * i, BigInt(x), true));
  return b;
};
export const bytesOf = (a: Float32Array | Int32Array | Int8Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
export const intAttr = (name: string, v: number): TField[] => readFields(concat([strField(1, name), intField(3, BigInt(v)), intField(20, ATTR_INT)]));
export const plainNode = (op: string, name: string, inputs: string[], outputs: string[], attrs: Array<[string, TField[]]> = []): TNode =>
  ({ inputs, outputs, op, name, domain: "", attrs: new Map(attrs), raw: null, extra: [] });

/**
 * The model at ai.onnx opset 13, same meaning. Throws on an op outside the ones these models use,
 * so an unexpected model is never silently changed.
 */
export function upgradeOpset(bytes: Uint8Array, target = 13): Uint8Array {
  const m = parseModel(bytes);
  const from = modelOpset(m);
  if (from >= target) return bytes;
  const out: TNode[] = [];
  for (const n of m.nodes) {
    if (n.domain && n.domain !== "ai.onnx") { out.push(n); continue; }
    if (n.op === "Slice" && from < 10) {
      const starts = attrInts(n, "starts") ?? [], ends = attrInts(n, "ends") ?? [];
      const axes = attrInts(n, "axes") ?? starts.map((_, i) => i);
      const p = `${n.outputs[0]}.op13`;
      out.push(constNode(`${p}.starts`, [starts.length], DT.int64, int64Raw(starts)));
      out.push(constNode(`${p}.ends`, [ends.length], DT.int64, int64Raw(ends)));
      out.push(constNode(`${p}.axes`, [axes.length], DT.int64, int64Raw(axes)));
      out.push({ ...n, inputs: [n.inputs[0]!, `${p}.starts`, `${p}.ends`, `${p}.axes`], attrs: new Map(), raw: null });
    } else if ((n.op === "Squeeze" || n.op === "Unsqueeze") && from < 13) {
      const axes = attrInts(n, "axes");
      if (!axes) { out.push(n); continue; } // Squeeze without axes: same meaning at 13
      const p = `${n.outputs[0]}.op13`;
      out.push(constNode(`${p}.axes`, [axes.length], DT.int64, int64Raw(axes)));
      out.push({ ...n, inputs: [n.inputs[0]!, `${p}.axes`], attrs: new Map(), raw: null });
    } else if (n.op === "Softmax" && from < 13) {
      // Softmax-1/11: flatten to 2-D at `axis` (default 1), softmax over the second dimension.
      const axis = Number(n.attrs.get("axis")?.find((x) => x.no === 3)?.int ?? 1n);
      const x = n.inputs[0]!, y = n.outputs[0]!, p = `${y}.op13`;
      out.push(plainNode("Flatten", `${p}.flatten`, [x], [`${p}.2d`], [["axis", intAttr("axis", axis)]]));
      out.push(plainNode("Softmax", `${p}.softmax`, [`${p}.2d`], [`${p}.sm`], [["axis", intAttr("axis", 1)]]));
      out.push(plainNode("Shape", `${p}.shape`, [x], [`${p}.dims`]));
      out.push(plainNode("Reshape", `${p}.reshape`, [`${p}.sm`, `${p}.dims`], [y]));
    } else if (SAME_TO_13.has(n.op)) {
      out.push(n);
    } else {
      throw new Error(`upgradeOpset: ${n.op} (opset ${from}) is not known to keep its meaning at opset ${target}`);
    }
  }
  return writeModel(m, out, { opset: target });
}

/** The model with `names` added as float graph outputs, for calibration runs. */
export function withGraphOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const m = parseModel(bytes);
  const existing = new Set(m.graphFields.filter((f) => f.no === 12).map((f) => dec.decode(readFields(f.bytes!).find((x) => x.no === 1)?.bytes)));
  // ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type: FLOAT } } }
  const extra = names.filter((n) => !existing.has(n)).map((n) =>
    lenField(12, concat([strField(1, n), lenField(2, lenField(1, intField(1, DT.float)))])));
  return writeModel(m, m.nodes, { extraGraph: extra });
}

export function floatConst(get: (name: string) => TNode | undefined, name: string): { dims: number[]; data: Float32Array } | null {
  const n = get(name);
  if (!n || n.op !== "Constant") return null;
  const tf = n.attrs.get("value")?.find((x) => x.no === 5);
  if (!tf) return null;
  const dims: number[] = [];
  let type = 0, raw: Uint8Array | null = null;
  for (const f of readFields(tf.bytes!)) {
    if (f.no === 1) dims.push(Number(f.int!));
    else if (f.no === 2) type = Number(f.int!);
    else if (f.no === 9) raw = f.bytes!;
  }
  if (type !== DT.float || !raw) return null;
  return { dims, data: new Float32Array(new Uint8Array(raw).buffer) };
}

/**
 * Conv → BatchNormalization (constant statistics, the conv's only reader) folded into the conv, in
 * place: ONNX Runtime does this itself for float convs, but not once the conv's output is quantized.
 */
export function foldBatchNorms(m: TModelGraph): number {
  const producer = new Map<string, TNode>();
  for (const n of m.nodes) for (const o of n.outputs) producer.set(o, n);
  let folded = 0;
  const readers = new Map<string, number>();
  for (const n of m.nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const get = (k: string) => producer.get(k);
  for (let i = 0; i < m.nodes.length; i++) {
    const bn = m.nodes[i]!;
    if (bn.op !== "BatchNormalization" || bn.domain || bn.outputs.length !== 1) continue;
    const conv = get(bn.inputs[0]!);
    if (!conv || conv.op !== "Conv" || conv.domain || readers.get(bn.inputs[0]!) !== 1) continue;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((k) => floatConst(get, k));
    const w = floatConst(get, conv.inputs[1]!);
    const b = conv.inputs[2] ? floatConst(get, conv.inputs[2]) : null;
    if (!gamma || !beta || !mean || !variance || !w || (conv.inputs[2] && !b)) continue;
    const eps = attrFloatOf(bn, "epsilon") ?? 1e-5;
    const cout = w.dims[0]!, per = w.data.length / cout;
    const nw = new Float32Array(w.data.length), nb = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      const k = gamma.data[o]! / Math.sqrt(variance.data[o]! + eps);
      for (let j = 0; j < per; j++) nw[o * per + j] = w.data[o * per + j]! * k;
      nb[o] = ((b ? b.data[o]! : 0) - mean.data[o]!) * k + beta.data[o]!;
    }
    const y = bn.outputs[0]!;
    const wn = constNode(`${y}.bnfold.w`, w.dims, DT.float, bytesOf(nw));
    const bnn = constNode(`${y}.bnfold.b`, [cout], DT.float, bytesOf(nb));
    const ci = m.nodes.indexOf(conv);
    const fused: TNode = { ...conv, inputs: [conv.inputs[0]!, wn.outputs[0]!, bnn.outputs[0]!], outputs: [y], raw: null };
    m.nodes[ci] = fused;
    m.nodes.splice(ci, 0, wn, bnn);
    m.nodes.splice(m.nodes.indexOf(bn), 1);
    for (const n of [wn, bnn]) producer.set(n.outputs[0]!, n);
    producer.set(y, fused);
    folded++;
  }
  return folded;
}

/**
 * The float model in the form that calibration measures and quantizeConvs quantizes: ai.onnx opset 13
 * and each Conv → BatchNormalization folded into one Conv (same outputs up to float rounding).
 */
export function prepareForInt8(bytes: Uint8Array): Uint8Array {
  const m = parseModel(upgradeOpset(bytes));
  foldBatchNorms(m);
  const read = new Set<string>(m.graphFields.filter((f) => f.no === 12).map((f) => dec.decode(readFields(f.bytes!).find((x) => x.no === 1)?.bytes)));
  for (const n of m.nodes) for (const v of n.inputs) read.add(v);
  return writeModel(m, m.nodes.filter((n) => n.op !== "Constant" || n.outputs.some((o) => read.has(o))));
}

export function attrFloatOf(n: TNode, name: string): number | undefined {
  const f = n.attrs.get(name)?.find((x) => x.no === 2);
  return f ? new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true) : undefined;
}
