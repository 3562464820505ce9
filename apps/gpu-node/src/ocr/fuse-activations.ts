/**
 * Load-time graph rewrites for the PaddleOCR ONNX exports, for ONNX Runtime's CPU provider.
 *
 * paddle2onnx spells hard-swish as four element-wise passes, x·Clip(x+3, 0, 6)/6, and PP-LCNetV3's
 * "learnable affine blocks" as a Mul and an Add after each activation. ONNX Runtime fuses neither,
 * and on the CPU those memory-bound passes cost more than the convolutions (docs/bench-ocr.md). We
 * rewrite, exactly in real arithmetic:
 *  - x·Clip(x+3, 0, 6)/6  →  x·HardSigmoid(x; α=1/6, β=1/2)            (4 passes → 2)
 *  - Mul(s)·Add(b) feeding a 1×1, unpadded Conv  →  folded into that Conv's weights and bias.
 * Everything else in the file is copied byte for byte: we work on the protobuf wire format and only
 * decode the fields we touch (graph nodes, Constant tensors), so unknown or newer fields survive.
 */

import { readFile } from "node:fs/promises";
import { int8Model } from "./int8.ts";
import type { TOcrSwitches } from "./switches.ts";

// ---- protobuf wire format ----------------------------------------------------------------------

export type TField = { no: number; wt: number; int?: bigint; bytes?: Uint8Array; raw: Uint8Array };

export function readVarint(b: Uint8Array, p: number): [bigint, number] {
  let r = 0n, shift = 0n;
  for (;;) {
    if (p >= b.length) throw new Error("truncated varint");
    const x = b[p++]!;
    r |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if (!(x & 0x80)) return [r, p];
  }
}

export function readFields(b: Uint8Array): TField[] {
  const out: TField[] = [];
  let p = 0;
  while (p < b.length) {
    const start = p;
    let key: bigint;
    [key, p] = readVarint(b, p);
    const no = Number(key >> 3n), wt = Number(key & 7n);
    if (wt === 0) {
      let v: bigint;
      [v, p] = readVarint(b, p);
      out.push({ no, wt, int: v, raw: b.subarray(start, p) });
    } else if (wt === 2) {
      let len: bigint;
      [len, p] = readVarint(b, p);
      const end = p + Number(len);
      if (end > b.length) throw new Error("truncated field");
      out.push({ no, wt, bytes: b.subarray(p, end), raw: b.subarray(start, end) });
      p = end;
    } else if (wt === 5 || wt === 1) {
      const n = wt === 5 ? 4 : 8;
      out.push({ no, wt, bytes: b.subarray(p, p + n), raw: b.subarray(start, p + n) });
      p += n;
    } else {
      throw new Error(`unsupported protobuf wire type ${wt}`);
    }
  }
  return out;
}

export function varint(v: bigint | number): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x) byte |= 0x80;
    out.push(byte);
  } while (x);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const lenField = (no: number, bytes: Uint8Array) => concat([Uint8Array.from([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes]);
export const strField = (no: number, s: string) => lenField(no, enc.encode(s));
export const intField = (no: number, v: number | bigint) => Uint8Array.from([...varint(no << 3), ...varint(v)]);
const floatField = (no: number, v: number) => {
  const b = new Uint8Array(5);
  b[0] = (no << 3) | 5;
  new DataView(b.buffer).setFloat32(1, v, true);
  return b;
};

// ---- ONNX messages (only the fields we need) ----------------------------------------------------

/** AttributeProto.type values. */
const ATTR_FLOAT = 1, ATTR_TENSOR = 4;
/** TensorProto.data_type FLOAT. */
const FLOAT = 1;

export type TNode = { inputs: string[]; outputs: string[]; op: string; name: string; domain: string; attrs: Map<string, TField[]>; raw: Uint8Array | null; extra: Uint8Array[] };

export function parseNode(raw: Uint8Array): TNode {
  const node: TNode = { inputs: [], outputs: [], op: "", name: "", domain: "", attrs: new Map(), raw, extra: [] };
  for (const f of readFields(raw)) {
    if (f.no === 1) node.inputs.push(dec.decode(f.bytes));
    else if (f.no === 2) node.outputs.push(dec.decode(f.bytes));
    else if (f.no === 3) node.name = dec.decode(f.bytes);
    else if (f.no === 4) node.op = dec.decode(f.bytes);
    else if (f.no === 7) node.domain = dec.decode(f.bytes);
    else if (f.no === 5) {
      const af = readFields(f.bytes!);
      const name = dec.decode(af.find((x) => x.no === 1)?.bytes ?? new Uint8Array());
      node.attrs.set(name, af);
    } else node.extra.push(f.raw);
  }
  return node;
}

export function encodeNode(n: TNode): Uint8Array {
  if (n.raw) return lenField(1, n.raw);
  const parts: Uint8Array[] = [
    ...n.inputs.map((s) => strField(1, s)),
    ...n.outputs.map((s) => strField(2, s)),
    strField(3, n.name),
    strField(4, n.op),
    ...[...n.attrs.values()].map((af) => lenField(5, concat(af.map((f) => f.raw)))),
    ...(n.domain ? [strField(7, n.domain)] : []),
    ...n.extra,
  ];
  return lenField(1, concat(parts));
}

function floatAttr(name: string, v: number): TField[] {
  return readFields(concat([strField(1, name), floatField(2, v), intField(20, ATTR_FLOAT)]));
}

export function attrFloat(n: TNode, name: string): number | undefined {
  const f = n.attrs.get(name)?.find((x) => x.no === 2);
  return f ? new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true) : undefined;
}

export function attrInts(n: TNode, name: string): number[] | undefined {
  const af = n.attrs.get(name);
  if (!af) return undefined;
  const out: number[] = [];
  for (const f of af) {
    if (f.no !== 8) continue;
    if (f.wt === 0) out.push(Number(BigInt.asIntN(64, f.int!)));
    else for (let p = 0; p < f.bytes!.length;) { const [v, q] = readVarint(f.bytes!, p); out.push(Number(BigInt.asIntN(64, v))); p = q; }
  }
  return out;
}

export type TFloatTensor = { dims: number[]; data: Float32Array };

export function parseFloatTensor(b: Uint8Array): TFloatTensor | null {
  const dims: number[] = [];
  let type = 0;
  let rawData: Uint8Array | null = null;
  const floats: number[] = [];
  for (const f of readFields(b)) {
    if (f.no === 1) {
      if (f.wt === 0) dims.push(Number(f.int!));
      else for (let p = 0; p < f.bytes!.length;) { const [v, q] = readVarint(f.bytes!, p); dims.push(Number(v)); p = q; }
    } else if (f.no === 2) type = Number(f.int!);
    else if (f.no === 9) rawData = f.bytes!;
    else if (f.no === 4) {
      const dv = new DataView(f.bytes!.buffer, f.bytes!.byteOffset, f.bytes!.length);
      if (f.wt === 2) for (let p = 0; p + 4 <= f.bytes!.length; p += 4) floats.push(dv.getFloat32(p, true));
      else floats.push(dv.getFloat32(0, true));
    } else if (f.no === 13 || f.no === 14) return null; // external data: leave alone
  }
  if (type !== FLOAT || (rawData && rawData.length % 4 !== 0)) return null;
  const data = rawData ? new Float32Array(new Uint8Array(rawData).buffer) : Float32Array.from(floats);
  if (data.length !== dims.reduce((a, d) => a * d, 1)) return null;
  return { dims, data };
}

export function encodeFloatTensor(t: TFloatTensor, name: string): Uint8Array {
  return concat([
    ...t.dims.map((d) => intField(1, d)),
    intField(2, FLOAT),
    strField(8, name),
    lenField(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ]);
}

function constantNode(output: string, t: TFloatTensor): TNode {
  const attr = readFields(concat([strField(1, "value"), lenField(5, encodeFloatTensor(t, output)), intField(20, ATTR_TENSOR)]));
  return { inputs: [], outputs: [output], op: "Constant", name: output, domain: "", attrs: new Map([["value", attr]]), raw: null, extra: [] };
}

// ---- the rewrite --------------------------------------------------------------------------------

export type TRewriteStats = { hardSwish: number; affineIntoConv: number; scaleIntoConv: number };

/** Rewrite a serialised ONNX model (ModelProto bytes); returns the new bytes and what changed. */
export function rewriteOnnxForCpu(input: Uint8Array): { model: Uint8Array; stats: TRewriteStats } {
  // A Node Buffer's slice() is a view; work on a plain Uint8Array so copies are copies.
  const top = readFields(new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  const gi = top.findIndex((f) => f.no === 7 && f.wt === 2);
  if (gi < 0) throw new Error("ONNX model without a graph");
  const graphFields = readFields(top[gi]!.bytes!);
  const nodes: Array<TNode | null> = graphFields.filter((f) => f.no === 1).map((f) => parseNode(f.bytes!));
  const graphOutputs = new Set(graphFields.filter((f) => f.no === 12).map((f) => dec.decode(readFields(f.bytes!).find((x) => x.no === 1)?.bytes)));

  let producer = new Map<string, number>();
  let uses = new Map<string, number>();
  let consumers = new Map<string, number[]>();
  const reindex = () => {
    producer = new Map();
    uses = new Map();
    consumers = new Map();
    nodes.forEach((n, i) => {
      if (!n) return;
      for (const o of n.outputs) producer.set(o, i);
      for (const x of n.inputs) {
        if (!x) continue;
        uses.set(x, (uses.get(x) ?? 0) + 1);
        consumers.set(x, [...(consumers.get(x) ?? []), i]);
      }
    });
    for (const o of graphOutputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  };

  const added: TNode[] = [];
  const addedConst = new Map<string, TFloatTensor>();
  const constCache = new Map<string, TFloatTensor | null>();
  const constant = (name: string): TFloatTensor | null => {
    if (addedConst.has(name)) return addedConst.get(name)!;
    if (constCache.has(name)) return constCache.get(name)!;
    const i = producer.get(name);
    const n = i === undefined ? null : nodes[i];
    let t: TFloatTensor | null = null;
    if (n && n.op === "Constant" && !n.domain) {
      const tf = n.attrs.get("value")?.find((x) => x.no === 5);
      if (tf) t = parseFloatTensor(tf.bytes!);
    }
    constCache.set(name, t);
    return t;
  };
  let fresh = 0;
  const addConstant = (base: string, t: TFloatTensor) => {
    const name = `${base}.rw${fresh++}`;
    added.push(constantNode(name, t));
    addedConst.set(name, t);
    return name;
  };
  const scalar = (name: string): number | null => {
    const t = constant(name);
    return t && t.data.length === 1 ? t.data[0]! : null;
  };
  const only = (name: string) => (uses.get(name) ?? 0) === 1 && !graphOutputs.has(name);
  const single = (name: string, op: string): [number, TNode] | null => {
    const c = consumers.get(name);
    if (!only(name) || !c || c.length !== 1) return null;
    const n = nodes[c[0]!];
    return n && n.op === op && !n.domain ? [c[0]!, n] : null;
  };
  const is = (n: TNode | null | undefined, op: string): n is TNode => !!n && n.op === op && !n.domain;
  /** Conv weights [out, in/group, kh, kw] and bias [out] as constants, or null. */
  const convParams = (cn: TNode) => {
    const w = cn.inputs[1] ? constant(cn.inputs[1]) : null;
    if (!w || w.dims.length !== 4) return null;
    const cout = w.dims[0]!;
    const b = cn.inputs[2] ? constant(cn.inputs[2]) : null;
    if (cn.inputs[2] && (!b || b.data.length !== cout)) return null;
    return { w, bias: b ? b.data : new Float32Array(cout), cout, per: w.data.length / cout };
  };
  /** Replace a Conv's weights and bias, and optionally its output name. */
  const setConv = (i: number, cn: TNode, w: Float32Array, wDims: number[], bias: Float32Array, output?: string) => {
    const wName = addConstant(cn.inputs[1]!, { dims: wDims, data: w });
    const bName = addConstant(`${cn.inputs[1]}.bias`, { dims: [bias.length], data: bias });
    nodes[i] = { ...cn, inputs: [cn.inputs[0]!, wName, bName], outputs: output ? [output] : cn.outputs, raw: null };
  };

  const stats: TRewriteStats = { hardSwish: 0, affineIntoConv: 0, scaleIntoConv: 0 };

  // Conv → Mul(s) → Add(b)  ⇒  Conv with s·W, s·B + b.
  reindex();
  for (let i = 0; i < nodes.length; i++) {
    const cn = nodes[i];
    if (!is(cn, "Conv") || cn.outputs.length !== 1) continue;
    const p = convParams(cn);
    const mul = single(cn.outputs[0]!, "Mul");
    if (!p || !mul) continue;
    const sv = mul[1].inputs.find((v) => v !== cn.outputs[0]);
    const s = sv === undefined ? null : scalar(sv);
    const add = s === null ? null : single(mul[1].outputs[0]!, "Add");
    const bv = add?.[1].inputs.find((v) => v !== mul[1].outputs[0]);
    const b = bv === undefined ? null : scalar(bv);
    if (s === null || !add || b === null) continue;
    const w = p.w.data.map((v) => v * s);
    const bias = p.bias.map((v) => v * s + b);
    setConv(i, cn, w, p.w.dims, bias, add[1].outputs[0]!);
    nodes[mul[0]] = null;
    nodes[add[0]] = null;
    stats.affineIntoConv++;
  }

  // x·Clip(x+3, 0, 6)/6 → x·HardSigmoid(x)
  reindex();
  for (let i = 0; i < nodes.length; i++) {
    const add = nodes[i];
    if (!is(add, "Add") || add.inputs.length !== 2) continue;
    const ci = add.inputs.findIndex((x) => scalar(x) === 3);
    if (ci < 0) continue;
    const x = add.inputs[1 - ci]!;
    const clip = single(add.outputs[0]!, "Clip");
    if (!clip) continue;
    const cn = clip[1];
    const lo = cn.inputs.length > 1 ? (cn.inputs[1] ? scalar(cn.inputs[1]) : -Infinity) : attrFloat(cn, "min");
    const hi = cn.inputs.length > 2 ? (cn.inputs[2] ? scalar(cn.inputs[2]) : Infinity) : attrFloat(cn, "max");
    if (lo !== 0 || hi !== 6) continue;
    const mul = single(cn.outputs[0]!, "Mul");
    if (!mul || !mul[1].inputs.includes(x) || mul[1].inputs.filter((v) => v === cn.outputs[0]).length !== 1) continue;
    const div = single(mul[1].outputs[0]!, "Div");
    if (!div || div[1].inputs[0] !== mul[1].outputs[0] || scalar(div[1].inputs[1]!) !== 6) continue;
    const hs = `${add.outputs[0]}.hardsigmoid`;
    nodes[i] = {
      inputs: [x], outputs: [hs], op: "HardSigmoid", name: hs, domain: "",
      attrs: new Map([["alpha", floatAttr("alpha", 1 / 6)], ["beta", floatAttr("beta", 0.5)]]), raw: null, extra: [],
    };
    nodes[clip[0]] = null;
    nodes[mul[0]] = null;
    const out = div[1].outputs[0]!;
    nodes[div[0]] = { inputs: [x, hs], outputs: [out], op: "Mul", name: `${out}.mul`, domain: "", attrs: new Map(), raw: null, extra: [] };
    stats.hardSwish++;
  }

  // [Mul(s)] → Add(b) → 1×1 unpadded Conv  ⇒  Conv with s·W, B + b·ΣW (exact: no padding sees the shift).
  reindex();
  for (let i = 0; i < nodes.length; i++) {
    const cn = nodes[i];
    if (!is(cn, "Conv")) continue;
    const addI = producer.get(cn.inputs[0]!);
    const add = addI === undefined ? null : nodes[addI];
    if (!is(add, "Add") || !only(add.outputs[0]!)) continue;
    const p = convParams(cn);
    const k = attrInts(cn, "kernel_shape");
    const pads = attrInts(cn, "pads") ?? [];
    const autoPad = cn.attrs.get("auto_pad")?.find((f) => f.no === 4);
    if (!p || p.w.dims[2] !== 1 || p.w.dims[3] !== 1 || (k && k.some((v) => v !== 1)) || pads.some((v) => v !== 0)) continue;
    if (autoPad && dec.decode(autoPad.bytes) !== "NOTSET") continue;
    const bi = add.inputs.findIndex((v) => scalar(v) !== null);
    if (bi < 0) continue;
    const b = scalar(add.inputs[bi]!)!;
    let x = add.inputs[1 - bi]!;
    let s = 1;
    const mulI = producer.get(x);
    const mul = mulI === undefined ? null : nodes[mulI];
    if (is(mul, "Mul") && only(x)) {
      const si = mul.inputs.findIndex((v) => scalar(v) !== null);
      if (si >= 0) {
        s = scalar(mul.inputs[si]!)!;
        x = mul.inputs[1 - si]!;
        nodes[mulI!] = null;
      }
    }
    const w = p.w.data.map((v) => v * s);
    const bias = new Float32Array(p.cout);
    for (let o = 0; o < p.cout; o++) {
      let sum = 0;
      for (let c = 0; c < p.per; c++) sum += p.w.data[o * p.per + c]!;
      bias[o] = p.bias[o]! + b * sum;
    }
    setConv(i, cn, w, p.w.dims, bias);
    nodes[i] = { ...nodes[i]!, inputs: [x, ...nodes[i]!.inputs.slice(1)] };
    nodes[addI!] = null;
    stats.affineIntoConv++;
  }

  // Conv → y; y·HardSigmoid(y) → Mul(s)  ⇒  Conv with s·W, s·B → y'; y'·HardSigmoid(y'; α/s)  (s ≠ 0).
  reindex();
  for (let i = 0; i < nodes.length; i++) {
    const m2 = nodes[i];
    if (!is(m2, "Mul") || m2.inputs.length !== 2) continue;
    const si = m2.inputs.findIndex((v) => scalar(v) !== null);
    if (si < 0) continue;
    const s = scalar(m2.inputs[si]!)!;
    const m1v = m2.inputs[1 - si]!;
    const m1I = producer.get(m1v);
    const m1 = m1I === undefined ? null : nodes[m1I];
    if (s === 0 || !is(m1, "Mul") || !only(m1v)) continue;
    const hsI = m1.inputs.map((v) => producer.get(v)).find((j) => j !== undefined && is(nodes[j], "HardSigmoid"));
    const hs = hsI === undefined ? null : nodes[hsI]!;
    if (!hs || !only(hs.outputs[0]!)) continue;
    const y = hs.inputs[0]!;
    if (!m1.inputs.includes(y) || (uses.get(y) ?? 0) !== 2 || graphOutputs.has(y)) continue;
    const convI = producer.get(y);
    const cn = convI === undefined ? null : nodes[convI];
    const p = is(cn, "Conv") ? convParams(cn) : null;
    if (!p || !cn) continue;
    const alpha = attrFloat(hs, "alpha") ?? 0.2;
    const beta = attrFloat(hs, "beta") ?? 0.5;
    setConv(convI!, cn, p.w.data.map((v) => v * s), p.w.dims, p.bias.map((v) => v * s));
    nodes[hsI!] = { ...hs, attrs: new Map([["alpha", floatAttr("alpha", alpha / s)], ["beta", floatAttr("beta", beta)]]), raw: null };
    nodes[m1I!] = { ...m1, outputs: [m2.outputs[0]!], raw: null };
    nodes[i] = null;
    stats.scaleIntoConv++;
  }

  // Drop the Constant nodes nobody reads any more; new constants go first (topological order).
  const kept = [...added, ...nodes.filter((n): n is TNode => n !== null)];
  const read = new Set<string>(graphOutputs);
  for (const n of kept) for (const x of n.inputs) read.add(x);
  const nodeBytes = kept.filter((n) => n.op !== "Constant" || n.domain || n.outputs.some((o) => read.has(o))).map(encodeNode);
  const firstNode = graphFields.findIndex((f) => f.no === 1);
  const graphParts: Uint8Array[] = [];
  graphFields.forEach((f, i) => {
    if (i === firstNode) graphParts.push(...nodeBytes);
    if (f.no !== 1) graphParts.push(f.raw);
  });
  const graph = concat(graphParts);
  const out = concat(top.map((f, i) => (i === gi ? lenField(7, graph) : f.raw)));
  return { model: out, stats };
}

/**
 * The model as the CPU provider should get it: rewritten as above, and quantized to int8 with `int8`
 * (int8.ts) where calibrated ranges exist. Without `switches.cpuRewrite` (HEADROOM_OCR_CPU_REWRITE=0,
 * for A/B measurements) the file loads unchanged. Returns the path unchanged when nothing matched.
 */
export async function cpuModel(
  file: string,
  opts: { int8: boolean; switches: Pick<TOcrSwitches, "cpuRewrite" | "modelCacheDir" | "int8HardSwish"> },
  log?: (msg: string, data?: object) => void,
): Promise<string | Uint8Array> {
  const { switches } = opts;
  if (!switches.cpuRewrite) return file;
  const t0 = performance.now();
  const { model, stats } = rewriteOnnxForCpu(await readFile(file));
  if (opts.int8) {
    try {
      const q = await int8Model(file, model, { cacheDir: switches.modelCacheDir, hardSwish: switches.int8HardSwish }, log);
      if (q) return q;
    } catch (err) {
      // A model the int8 path cannot handle still loads, as float.
      log?.("ocr int8 quantization failed; using float", { file, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  if (stats.hardSwish + stats.affineIntoConv + stats.scaleIntoConv === 0) return file;
  log?.("ocr model rewritten for cpu", { file, ...stats, ms: Math.round(performance.now() - t0) });
  return model;
}
