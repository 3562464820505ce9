/**
 * The CPU pass: exact activation fusions for the PaddleOCR ONNX exports.
 *
 * paddle2onnx spells hard-swish as four element-wise passes, x·Clip(x+3, 0, 6)/6, and PP-LCNetV3's
 * "learnable affine blocks" as a Mul and an Add after each activation. ONNX Runtime fuses neither,
 * and on the CPU those memory-bound passes cost more than the convolutions (docs/bench-ocr.md, round
 * 2: 0.81× the time, outputs equal to 4e-6). We rewrite, exactly in real arithmetic:
 *  - x·Clip(x+3, 0, 6)/6  →  x·HardSigmoid(x; α=1/6, β=1/2)            (4 passes → 2)
 *  - Conv → Mul(s) → Add(b), and Mul(s)·Add(b) feeding a 1×1 unpadded Conv  →  folded into the Conv
 *  - a block's scale after y·HardSigmoid(y)  →  folded into the Conv that makes y (HardSigmoid α/s).
 */
import { attrFloat, attrInts, attrString, constNode, constantValue, bytesOf, decodeModel, DT, encodeModel, floatAttr, graphValues, plainNode, withoutDeadConstants, type TFloatTensor, type TNode } from "./onnx-model.ts";

export type TFuseStats = { hardSwish: number; affineIntoConv: number; scaleIntoConv: number };

/** A serialised model with the fusions applied; a model without the patterns comes back byte for byte. */
export function fuseActivations(input: Uint8Array): { model: Uint8Array; stats: TFuseStats } {
  const m = decodeModel(input);
  const nodes: Array<TNode | null> = [...m.nodes];
  const graphOutputs = graphValues(m, "output");

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
    const t = constantValue(i === undefined ? null : nodes[i]);
    constCache.set(name, t);
    return t;
  };
  let fresh = 0;
  const addConstant = (base: string, t: TFloatTensor) => {
    const name = `${base}.rw${fresh++}`;
    added.push(constNode(name, t.dims, DT.float, bytesOf(t.data)));
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

  const stats: TFuseStats = { hardSwish: 0, affineIntoConv: 0, scaleIntoConv: 0 };

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
    setConv(i, cn, p.w.data.map((v) => v * s), p.w.dims, p.bias.map((v) => v * s + b), add[1].outputs[0]!);
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
    nodes[i] = plainNode("HardSigmoid", hs, [x], [hs], [["alpha", floatAttr("alpha", 1 / 6)], ["beta", floatAttr("beta", 0.5)]]);
    nodes[clip[0]] = null;
    nodes[mul[0]] = null;
    const out = div[1].outputs[0]!;
    nodes[div[0]] = plainNode("Mul", `${out}.mul`, [x, hs], [out]);
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
    if (!p || p.w.dims[2] !== 1 || p.w.dims[3] !== 1 || (k && k.some((v) => v !== 1)) || pads.some((v) => v !== 0)) continue;
    const autoPad = attrString(cn, "auto_pad");
    if (autoPad !== undefined && autoPad !== "NOTSET") continue;
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
    const bias = new Float32Array(p.cout);
    for (let o = 0; o < p.cout; o++) {
      let sum = 0;
      for (let c = 0; c < p.per; c++) sum += p.w.data[o * p.per + c]!;
      bias[o] = p.bias[o]! + b * sum;
    }
    setConv(i, cn, p.w.data.map((v) => v * s), p.w.dims, bias);
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

  if (stats.hardSwish + stats.affineIntoConv + stats.scaleIntoConv === 0) return { model: input, stats };
  // New constants go first (topological order); the Constants nobody reads any more are dropped.
  const kept = withoutDeadConstants(m, [...added, ...nodes.filter((n): n is TNode => n !== null)]);
  return { model: encodeModel(m, { nodes: kept }), stats };
}
