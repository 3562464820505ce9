/**
 * A model brought to ai.onnx opset 13 without changing its meaning, for the int8 pass: QuantizeLinear
 * with a per-channel `axis` needs opset 13, while rec and cls are opset 9 and det opset 11. The few ops
 * whose form changed on the way are rewritten (Slice-1 and Squeeze-1 attributes become inputs;
 * Softmax-1's flatten-to-2-D semantics become Flatten → Softmax → Reshape, exact), and a model with
 * any other op whose meaning changed is refused, so an unexpected model is never silently changed.
 */
import { attrInt, attrInts, constNode, DT, int64Raw, intAttr, plainNode, modelOpset, type TNode, type TOnnxModel } from "./onnx-model.ts";

/** Ops of these models whose ai.onnx semantics are the same from their opset to 13. */
const SAME_TO_13 = new Set([
  "Conv", "ConvTranspose", "BatchNormalization", "HardSigmoid", "Mul", "Add", "Sub", "Div", "Pow", "Sqrt",
  "GlobalAveragePool", "AveragePool", "MaxPool", "Relu", "Sigmoid", "Resize", "Concat", "Constant", "Shape",
  "Cast", "Reshape", "Transpose", "ReduceMean", "MatMul", "Flatten", "Identity",
]);

/** The nodes of `m` at opset `target` (13), or null when the model is there already. Throws on an unknown op. */
export function upgradeOpset(m: TOnnxModel, target = 13): TNode[] | null {
  const from = modelOpset(m);
  if (from >= target) return null;
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
      const axis = attrInt(n, "axis") ?? 1;
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
  return out;
}
