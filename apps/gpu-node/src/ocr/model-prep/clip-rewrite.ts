/**
 * The WebGPU pass: attribute-form Clips rewritten with ops of the same opset that WebGPU runs.
 *
 * PP-OCRv4 rec is ONNX opset 9, and its 28 `Clip` nodes (the hard-swish activations) carry min/max
 * as attributes, the pre-opset-11 form. ONNX Runtime's WebGPU provider only has kernels for the
 * opset-11+ form, so each of those Clips runs on the CPU with a GPU↔CPU round trip, and recognition
 * on WebGPU ran slower than on the CPU (docs/gpu-runs.md). Bumping the opset would change the meaning
 * of other nodes in the model (Slice, Squeeze, ReduceMean moved attributes to inputs), so the Clips
 * are rewritten in place:
 *
 * - "hardsigmoid" (default): Clip(x, a, b) = HardSigmoid(x; α = 1/(b−a), β = −a/(b−a)) · (b−a) + a
 *   (the Add is left out when a = 0). HardSigmoid-6 and Mul-7 are WebGPU kernels.
 * - "minmax": Clip(x, a, b) = Max(Min(x, b), a), exact, but needs Min/Max kernels on the provider.
 */
import { attrFloat, decodeModel, DT, encodeModel, floatAttr, initializerField, modelOpset, plainNode, tensorBytes, type TNode } from "./onnx-model.ts";

export type TClipRewrite = "hardsigmoid" | "minmax";
export const CLIP_REWRITES: readonly TClipRewrite[] = ["hardsigmoid", "minmax"];

/** Clip's defaults when an attribute is absent (opset 6–10): the float range. */
const FLOAT_LOWEST = -3.4028234663852886e38;
const FLOAT_MAX = 3.4028234663852886e38;

/** A float32 scalar initializer (dims empty). */
const scalar = (name: string, value: number) => initializerField(tensorBytes(name, [], DT.float, new Uint8Array(Float32Array.of(value).buffer)));

export type TRewriteResult = { bytes: Uint8Array; rewritten: number; opset: number; strategy: TClipRewrite };

/**
 * Rewrite every attribute-form Clip (ai.onnx opset < 11) of the main graph. A model with none, or of
 * opset 11+, comes back unchanged (the same bytes) with `rewritten: 0`.
 */
export function rewriteAttributeClips(model: Uint8Array, strategy: TClipRewrite = "hardsigmoid"): TRewriteResult {
  const m = decodeModel(model);
  const opset = modelOpset(m);
  const unchanged: TRewriteResult = { bytes: model, rewritten: 0, opset, strategy };
  if (opset >= 11) return unchanged;
  const nodes: TNode[] = [];
  const initializers: Uint8Array[] = [];
  let rewritten = 0;
  for (const n of m.nodes) {
    if (n.op !== "Clip" || (n.domain !== "" && n.domain !== "ai.onnx") || n.inputs.length !== 1 || n.outputs.length !== 1) {
      nodes.push(n);
      continue;
    }
    const lo = attrFloat(n, "min") ?? FLOAT_LOWEST;
    const hi = attrFloat(n, "max") ?? FLOAT_MAX;
    const p = `headroom.clip${rewritten}.${n.name || n.outputs[0]}`;
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    if (strategy === "minmax") {
      initializers.push(scalar(`${p}.max`, hi), scalar(`${p}.min`, lo));
      nodes.push(plainNode("Min", `${p}.Min`, [x, `${p}.max`], [`${p}.upper`]));
      nodes.push(plainNode("Max", `${p}.Max`, [`${p}.upper`, `${p}.min`], [y]));
    } else {
      const range = hi - lo;
      if (!(range > 0 && Number.isFinite(range))) {
        // An open or empty range has no HardSigmoid form; leave that node as it is.
        nodes.push(n);
        continue;
      }
      const scaledOut = lo === 0 ? y : `${p}.scaled`;
      initializers.push(scalar(`${p}.range`, range));
      nodes.push(plainNode("HardSigmoid", `${p}.HardSigmoid`, [x], [`${p}.unit`], [["alpha", floatAttr("alpha", 1 / range)], ["beta", floatAttr("beta", -lo / range)]]));
      nodes.push(plainNode("Mul", `${p}.Mul`, [`${p}.unit`, `${p}.range`], [scaledOut]));
      if (lo !== 0) {
        initializers.push(scalar(`${p}.min`, lo));
        nodes.push(plainNode("Add", `${p}.Add`, [scaledOut, `${p}.min`], [y]));
      }
    }
    rewritten++;
  }
  if (rewritten === 0) return unchanged;
  return { bytes: encodeModel(m, { nodes, extraGraph: initializers }), rewritten, opset, strategy };
}
