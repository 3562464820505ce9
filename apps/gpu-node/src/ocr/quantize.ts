/**
 * Static int8 quantization of the PaddleOCR ONNX exports for ONNX Runtime's CPU provider, in the QDQ
 * form: every Conv gets DequantizeLinear(int8 per-output-channel weights), DequantizeLinear(int32 bias)
 * and a QuantizeLinear → DequantizeLinear pair (uint8, per-tensor) on its input and output tensors.
 * ONNX Runtime fuses each such group into one QLinearConv (u8 × s8, VNNI where the CPU has it). A
 * hard-swish right after a conv runs in uint8 too (QLinearAdd + QLinearMul, see quantizeConvs); the
 * rest (residual adds, attention, the head) stays float.
 *
 * Measured (docs/bench-ocr.md, round 3): all convs int8 cost normalised CER on SROIE (0.144 → 0.150);
 * with per-conv bias correction and the first 8 convs (large maps, few channels) left float, the CER
 * held (0.1441 → 0.1449 on 000–029, 0.1260 → 0.1239 held out) at ~0.87× the pipeline time, so the
 * default manifest runs rec int8 on the CPU (`cpuInt8`; HEADROOM_OCR_INT8=0 turns it off).
 *
 * Activation ranges come from calibration (int8-calibrate.ts, on rendered text, never on the eval
 * receipts) and are stored per model hash in `int8-ranges.json`, so loading is deterministic.
 *
 * QuantizeLinear with a per-channel `axis` needs ai.onnx opset 13, while rec and cls are opset 9 and det
 * opset 11, so `upgradeOpset` first rewrites the few ops whose form changed on the way (Slice-1 and
 * Squeeze-1 attributes become inputs; Softmax-1's flatten-to-2-D semantics become Flatten → Softmax →
 * Reshape, exact). A model with any other op whose meaning changed is refused.
 */
import {
  attrInts, concat, encodeNode, intField, lenField, parseNode, readFields, strField,
  type TField, type TNode,
} from "./fuse-activations.ts";

const dec = new TextDecoder();

/** TensorProto.data_type */
const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
const ATTR_INT = 2;

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

function tensorBytes(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): Uint8Array {
  return concat([...dims.map((d) => intField(1, d)), intField(2, dataType), strField(8, name), lenField(9, raw)]);
}

function constNode(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): TNode {
  const attr = readFields(concat([strField(1, "value"), lenField(5, tensorBytes(name, dims, dataType, raw)), intField(20, 4)]));
  return { inputs: [], outputs: [name], op: "Constant", name, domain: "", attrs: new Map([["value", attr]]), raw: null, extra: [] };
}

const int64Raw = (xs: readonly number[]) => {
  const b = new Uint8Array(8 * xs.length);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setBigInt64(8 * i, BigInt(x), true));
  return b;
};
const bytesOf = (a: Float32Array | Int32Array | Int8Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const intAttr = (name: string, v: number): TField[] => readFields(concat([strField(1, name), intField(3, BigInt(v)), intField(20, ATTR_INT)]));
const plainNode = (op: string, name: string, inputs: string[], outputs: string[], attrs: Array<[string, TField[]]> = []): TNode =>
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

/** A conv output y read only by y·HardSigmoid(y; α > 0, β > 0): quantizeConvs runs it in uint8. */
type THardSwish = { y: string; hs: TNode; mul: TNode; alpha: number; beta: number };

function hardSwishes(nodes: readonly TNode[]): Map<string, THardSwish> {
  const readers = new Map<string, TNode[]>();
  for (const n of nodes) for (const v of n.inputs) readers.set(v, [...(readers.get(v) ?? []), n]);
  const out = new Map<string, THardSwish>();
  for (const conv of nodes) {
    if (conv.op !== "Conv" || conv.domain) continue;
    const y = conv.outputs[0]!;
    const rs = readers.get(y) ?? [];
    const hs = rs.find((n) => n.op === "HardSigmoid" && !n.domain);
    const mul = rs.find((n) => n.op === "Mul" && !n.domain);
    if (rs.length !== 2 || !hs || !mul || !mul.inputs.includes(hs.outputs[0]!) || !mul.inputs.includes(y)) continue;
    if ((readers.get(hs.outputs[0]!) ?? []).length !== 1) continue;
    const alpha = attrFloatOf(hs, "alpha") ?? 0.2, beta = attrFloatOf(hs, "beta") ?? 0.5;
    if (alpha > 0 && beta > 0) out.set(y, { y, hs, mul, alpha, beta });
  }
  return out;
}

/** The tensors whose ranges calibration must measure: Conv inputs and outputs, and hard-swish outputs after a Conv. */
export function convActivations(bytes: Uint8Array): string[] {
  const m = parseModel(bytes);
  const names = new Set<string>();
  for (const n of m.nodes) {
    if (n.op !== "Conv" || n.domain) continue;
    names.add(n.inputs[0]!);
    names.add(n.outputs[0]!);
  }
  for (const h of hardSwishes(m.nodes).values()) names.add(h.mul.outputs[0]!);
  return [...names];
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

export type TRanges = Record<string, [number, number]>;
export type TQuantStats = { convs: number; tensors: number; skipped: number; hardSwish: number };

/** uint8 asymmetric scale and zero point for a range (always containing 0). */
export function uint8Params(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min), hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale: Math.fround(scale), zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

function floatConst(get: (name: string) => TNode | undefined, name: string): { dims: number[]; data: Float32Array } | null {
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
 * QDQ-quantize every Conv whose input and output ranges are known (see the file comment). The model
 * must be at opset ≥ 13 (upgradeOpset). Returns the new model and what was quantized.
 */
export function quantizeConvs(
  bytes: Uint8Array,
  ranges: TRanges,
  opts: { hardSwish?: boolean; biasShift?: Record<string, readonly number[]> } = {},
): { model: Uint8Array; stats: TQuantStats } {
  const m = parseModel(bytes);
  if (modelOpset(m) < 13) throw new Error("quantizeConvs needs opset 13 (upgradeOpset first)");
  const producer = new Map<string, TNode>();
  for (const n of m.nodes) for (const o of n.outputs) producer.set(o, n);
  const graphOutputs = new Set(m.graphFields.filter((f) => f.no === 12).map((f) => dec.decode(readFields(f.bytes!).find((x) => x.no === 1)?.bytes)));

  const head: TNode[] = [];
  const qTensors = new Set<string>();
  const convs = new Map<TNode, TNode>();
  let skipped = 0;
  for (const n of m.nodes) {
    if (n.op !== "Conv" || n.domain) continue;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const w = floatConst((k) => producer.get(k), n.inputs[1]!);
    const b = n.inputs[2] ? floatConst((k) => producer.get(k), n.inputs[2]) : null;
    const rx = ranges[x], ry = ranges[y];
    if (!w || w.dims.length !== 4 || (n.inputs[2] && !b) || !rx || !ry || graphOutputs.has(y)) { skipped++; continue; }
    const cout = w.dims[0]!, per = w.data.length / cout;
    const wScale = new Float32Array(cout);
    const wq = new Int8Array(w.data.length);
    for (let o = 0; o < cout; o++) {
      let amax = 0;
      for (let i = 0; i < per; i++) amax = Math.max(amax, Math.abs(w.data[o * per + i]!));
      const s = amax > 0 ? amax / 127 : 1;
      wScale[o] = s;
      for (let i = 0; i < per; i++) wq[o * per + i] = Math.max(-127, Math.min(127, Math.round(w.data[o * per + i]! / s)));
    }
    const p = `${y}.int8`;
    head.push(constNode(`${p}.w`, w.dims, DT.int8, bytesOf(wq)));
    head.push(constNode(`${p}.w_scale`, [cout], DT.float, bytesOf(wScale)));
    head.push(constNode(`${p}.w_zp`, [cout], DT.int8, new Uint8Array(cout)));
    const axis0: Array<[string, TField[]]> = [["axis", intAttr("axis", 0)]];
    const inputs = [`${x}.dq`, `${p}.w_dq`];
    const extra: TNode[] = [plainNode("DequantizeLinear", `${p}.w_dq`, [`${p}.w`, `${p}.w_scale`, `${p}.w_zp`], [`${p}.w_dq`], axis0)];
    if (b) {
      const sx = uint8Params(rx[0], rx[1]).scale;
      const bScale = new Float32Array(cout), bq = new Int32Array(cout);
      for (let o = 0; o < cout; o++) {
        bScale[o] = sx * wScale[o]!;
        // Bias correction (bench/int8-bias.ts): the mean shift quantization causes in this output channel.
        const shift = opts.biasShift?.[y]?.[o] ?? 0;
        bq[o] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round((b.data[o]! - shift) / bScale[o]!)));
      }
      head.push(constNode(`${p}.b`, [cout], DT.int32, bytesOf(bq)));
      head.push(constNode(`${p}.b_scale`, [cout], DT.float, bytesOf(bScale)));
      head.push(constNode(`${p}.b_zp`, [cout], DT.int32, new Uint8Array(4 * cout)));
      extra.push(plainNode("DequantizeLinear", `${p}.b_dq`, [`${p}.b`, `${p}.b_scale`, `${p}.b_zp`], [`${p}.b_dq`], axis0));
      inputs.push(`${p}.b_dq`);
    }
    head.push(...extra);
    convs.set(n, { ...n, inputs, raw: null });
    qTensors.add(x);
    qTensors.add(y);
  }

  // Q → DQ right after each quantized tensor is produced; every reader but the Q reads the DQ's output.
  const qdq = (t: string): TNode[] => {
    const [lo, hi] = ranges[t]!;
    const { scale, zeroPoint } = uint8Params(lo, hi);
    return [
      constNode(`${t}.q_scale`, [], DT.float, bytesOf(Float32Array.of(scale))),
      constNode(`${t}.q_zp`, [], DT.uint8, Uint8Array.of(zeroPoint)),
      plainNode("QuantizeLinear", `${t}.q`, [t, `${t}.q_scale`, `${t}.q_zp`], [`${t}.q`]),
      plainNode("DequantizeLinear", `${t}.dq`, [`${t}.q`, `${t}.q_scale`, `${t}.q_zp`], [`${t}.dq`]),
    ];
  };
  // Hard-swish after a quantized conv, y·clip(αy + β, 0, 1), in uint8 without a float pass: the conv's
  // uint8 output is dequantized at scale σα (giving αy) into an Add of β whose uint8 output, on [0, 1],
  // saturates exactly as the clip does (→ QLinearAdd), then multiplied by y (→ QLinearMul).
  const swishes = opts.hardSwish === false ? [] : [...hardSwishes(m.nodes).values()].filter((h) => qTensors.has(h.y) && ranges[h.mul.outputs[0]!]);
  const bySwishNode = new Map<TNode, THardSwish>();
  for (const h of swishes) {
    bySwishNode.set(h.hs, h);
    bySwishNode.set(h.mul, h);
    qTensors.add(h.mul.outputs[0]!);
  }
  const swishY = new Set(swishes.map((h) => h.y));
  const swish = (h: THardSwish): TNode[] => {
    const { scale, zeroPoint } = uint8Params(...ranges[h.y]!);
    const p = `${h.y}.hswish`, yq = `${h.y}.q`;
    return [
      constNode(`${p}.ascale`, [], DT.float, bytesOf(Float32Array.of(scale * h.alpha))),
      constNode(`${p}.zp`, [], DT.uint8, Uint8Array.of(zeroPoint)),
      plainNode("DequantizeLinear", `${p}.ay`, [yq, `${p}.ascale`, `${p}.zp`], [`${p}.ay`]),
      constNode(`${p}.beta_q`, [], DT.uint8, Uint8Array.of(255)),
      constNode(`${p}.beta_scale`, [], DT.float, bytesOf(Float32Array.of(h.beta / 255))),
      constNode(`${p}.zero`, [], DT.uint8, Uint8Array.of(0)),
      plainNode("DequantizeLinear", `${p}.beta`, [`${p}.beta_q`, `${p}.beta_scale`, `${p}.zero`], [`${p}.beta`]),
      plainNode("Add", `${p}.add`, [`${p}.ay`, `${p}.beta`], [`${p}.gate`]),
      constNode(`${p}.gate_scale`, [], DT.float, bytesOf(Float32Array.of(1 / 255))),
      plainNode("QuantizeLinear", `${p}.gate_q`, [`${p}.gate`, `${p}.gate_scale`, `${p}.zero`], [`${p}.gate_q`]),
      plainNode("DequantizeLinear", `${p}.gate_dq`, [`${p}.gate_q`, `${p}.gate_scale`, `${p}.zero`], [`${p}.gate_dq`]),
      constNode(`${p}.scale`, [], DT.float, bytesOf(Float32Array.of(scale))),
      plainNode("DequantizeLinear", `${p}.y`, [yq, `${p}.scale`, `${p}.zp`], [`${p}.y`]),
      plainNode("Mul", `${p}.mul`, [`${p}.y`, `${p}.gate_dq`], [h.mul.outputs[0]!]),
    ];
  };

  const out: TNode[] = [...head];
  const graphInputs = new Set(m.graphFields.filter((f) => f.no === 11).map((f) => dec.decode(readFields(f.bytes!).find((x) => x.no === 1)?.bytes)));
  for (const t of qTensors) if (graphInputs.has(t)) out.push(...qdq(t));
  for (const n of m.nodes) {
    const h = bySwishNode.get(n);
    if (h && n === h.hs) continue;
    if (h && n === h.mul) {
      out.push(...swish(h));
    } else {
      const c = convs.get(n);
      out.push(c ?? { ...n, inputs: n.inputs.map((v) => (qTensors.has(v) ? `${v}.dq` : v)), raw: n.inputs.some((v) => qTensors.has(v)) ? null : n.raw });
    }
    for (const o of n.outputs) {
      if (!qTensors.has(o)) continue;
      // A fused hard-swish's input needs only its uint8 form.
      out.push(...(swishY.has(o) ? qdq(o).slice(0, 3) : qdq(o)));
    }
  }
  // The float weights the quantized convs no longer read.
  const read = new Set<string>(graphOutputs);
  for (const n of out) for (const v of n.inputs) read.add(v);
  const live = out.filter((n) => n.op !== "Constant" || n.domain || n.outputs.some((o) => read.has(o)));
  return { model: writeModel(m, live), stats: { convs: convs.size, tensors: qTensors.size, skipped, hardSwish: swishes.length } };
}

/**
 * Conv → BatchNormalization (constant statistics, the conv's only reader) folded into the conv, in
 * place: ONNX Runtime does this itself for float convs, but not once the conv's output is quantized.
 */
function foldBatchNorms(m: TModelGraph): number {
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

function attrFloatOf(n: TNode, name: string): number | undefined {
  const f = n.attrs.get(name)?.find((x) => x.no === 2);
  return f ? new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true) : undefined;
}
