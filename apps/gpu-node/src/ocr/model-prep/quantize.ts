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
 * Activation ranges come from calibration (bench/int8-calibrate.ts, on rendered text, never on the
 * eval receipts) and are stored per model hash in `int8-ranges.json`, so loading is deterministic.
 *
 * The float model is first brought to opset 13 with BatchNorms folded (int8-form.ts prepareForInt8).
 */
import { attrFloat, bytesOf, constantValue, constNode, decodeModel, DT, encodeModel, graphValues, intAttr, modelOpset, plainNode, withoutDeadConstants, type TField, type TNode } from "./onnx-model.ts";

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
    const alpha = attrFloat(hs, "alpha") ?? 0.2, beta = attrFloat(hs, "beta") ?? 0.5;
    if (alpha > 0 && beta > 0) out.set(y, { y, hs, mul, alpha, beta });
  }
  return out;
}

/** The tensors whose ranges calibration must measure: Conv inputs and outputs, and hard-swish outputs after a Conv. */
export function convActivations(bytes: Uint8Array): string[] {
  const m = decodeModel(bytes);
  const names = new Set<string>();
  for (const n of m.nodes) {
    if (n.op !== "Conv" || n.domain) continue;
    names.add(n.inputs[0]!);
    names.add(n.outputs[0]!);
  }
  for (const h of hardSwishes(m.nodes).values()) names.add(h.mul.outputs[0]!);
  return [...names];
}

export type TRanges = Record<string, [number, number]>;
export type TQuantStats = { convs: number; tensors: number; skipped: number; hardSwish: number };

/** uint8 asymmetric scale and zero point for a range (always containing 0). */
export function uint8Params(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min), hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale: Math.fround(scale), zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/**
 * QDQ-quantize every Conv whose input and output ranges are known (see the file comment). The model
 * must be at opset ≥ 13 (prepareForInt8). Returns the new model and what was quantized.
 */
export function quantizeConvs(
  bytes: Uint8Array,
  ranges: TRanges,
  opts: { hardSwish?: boolean; biasShift?: Record<string, readonly number[]> } = {},
): { model: Uint8Array; stats: TQuantStats } {
  const m = decodeModel(bytes);
  if (modelOpset(m) < 13) throw new Error("quantizeConvs needs opset 13 (prepareForInt8 first)");
  const producer = new Map<string, TNode>();
  for (const n of m.nodes) for (const o of n.outputs) producer.set(o, n);
  const graphOutputs = graphValues(m, "output");

  const head: TNode[] = [];
  const qTensors = new Set<string>();
  const convs = new Map<TNode, TNode>();
  let skipped = 0;
  for (const n of m.nodes) {
    if (n.op !== "Conv" || n.domain) continue;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const w = constantValue(producer.get(n.inputs[1]!));
    const b = n.inputs[2] ? constantValue(producer.get(n.inputs[2])) : null;
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
  const graphInputs = graphValues(m, "input");
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
  // Without the float weights the quantized convs no longer read.
  return { model: encodeModel(m, { nodes: withoutDeadConstants(m, out) }), stats: { convs: convs.size, tensors: qTensors.size, skipped, hardSwish: swishes.length } };
}
