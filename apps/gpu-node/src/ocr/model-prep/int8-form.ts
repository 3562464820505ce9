/**
 * The float model in the form that int8 calibration measures and quantizeConvs quantizes: ai.onnx
 * opset 13 (upgrade-opset.ts) and each Conv → BatchNormalization folded into one Conv (same outputs up
 * to float rounding). ONNX Runtime folds BatchNorm itself for float convs, but not once the conv's
 * output is quantized.
 */
import { attrFloat, bytesOf, constantValue, constNode, decodeModel, DT, encodeModel, withoutDeadConstants, type TNode, type TOnnxModel } from "./onnx-model.ts";
import { upgradeOpset } from "./upgrade-opset.ts";

/** Conv → BatchNormalization (constant statistics, the conv's only reader) folded into the conv, in place. */
export function foldBatchNorms(m: TOnnxModel): number {
  const producer = new Map<string, TNode>();
  for (const n of m.nodes) for (const o of n.outputs) producer.set(o, n);
  const readers = new Map<string, number>();
  for (const n of m.nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  const value = (name: string) => constantValue(producer.get(name));
  let folded = 0;
  for (let i = 0; i < m.nodes.length; i++) {
    const bn = m.nodes[i]!;
    if (bn.op !== "BatchNormalization" || bn.domain || bn.outputs.length !== 1) continue;
    const conv = producer.get(bn.inputs[0]!);
    if (!conv || conv.op !== "Conv" || conv.domain || readers.get(bn.inputs[0]!) !== 1) continue;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map(value);
    const w = value(conv.inputs[1]!);
    const b = conv.inputs[2] ? value(conv.inputs[2]) : null;
    if (!gamma || !beta || !mean || !variance || !w || (conv.inputs[2] && !b)) continue;
    const eps = attrFloat(bn, "epsilon") ?? 1e-5;
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

/** The serialised float model at opset 13 with its BatchNorms folded and the weights nobody reads dropped. */
export function prepareForInt8(bytes: Uint8Array): Uint8Array {
  const m = decodeModel(bytes);
  const upgraded = upgradeOpset(m);
  if (upgraded) m.nodes = upgraded;
  foldBatchNorms(m);
  return encodeModel(m, { nodes: withoutDeadConstants(m, m.nodes), ...(upgraded ? { opset: 13 } : {}) });
}
