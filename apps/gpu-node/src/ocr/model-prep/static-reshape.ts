/**
 * The WebGPU pass for reshape targets computed at run time. PP-OCRv4 rec (its SVTR neck) builds five
 * Reshape targets as Concat(constants, Cast(Slice(Cast(Shape(x))))): one element, the sequence length,
 * read from a tensor's shape. ONNX Runtime places those Casts on WebGPU, so every run copies the
 * element back to the host before the Reshape (MemcpyToHost in the profile), and each copy waits for
 * all GPU work queued before it: five stalls per batch (docs/gpu-runs.md, issue 11).
 *
 * A target with exactly one such element and no -1 says the same thing with -1 there: Reshape infers
 * the one missing dimension from the element count, which is what the computed value was. The shape
 * arithmetic then has no reader left and is removed.
 */
import { attrInts, constantInts, decodeModel, DT, encodeModel, graphValues, initializerField, tensorBytes, type TNode } from "./onnx-model.ts";

export type TStaticReshapeResult = { bytes: Uint8Array; rewritten: number; removed: number };

export function staticReshapeTargets(model: Uint8Array): TStaticReshapeResult {
  const m = decodeModel(model);
  const byOutput = new Map(m.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const through = (name: string): TNode | undefined => {
    let n = byOutput.get(name);
    while (n && n.op === "Cast") n = byOutput.get(n.inputs[0]!);
    return n;
  };
  /** One element of a shape: Slice(…Shape) of length one on axis 0, through Casts. */
  const isShapeElement = (name: string): boolean => {
    const slice = through(name);
    if (!slice || slice.op !== "Slice" || slice.inputs.length !== 1) return false;
    const [starts, ends, axes] = [attrInts(slice, "starts"), attrInts(slice, "ends"), attrInts(slice, "axes") ?? [0]];
    if (starts?.length !== 1 || ends?.length !== 1 || axes.length !== 1 || axes[0] !== 0 || ends[0]! - starts[0]! !== 1) return false;
    return through(slice.inputs[0]!)?.op === "Shape";
  };

  const initializers: Uint8Array[] = [];
  let rewritten = 0;
  const nodes = m.nodes.map((n) => {
    if (n.op !== "Reshape" || n.domain || n.inputs.length !== 2) return n;
    const concat = byOutput.get(n.inputs[1]!);
    if (!concat || concat.op !== "Concat") return n;
    const parts = concat.inputs.map((i) => constantInts(through(i)) ?? (isShapeElement(i) ? null : undefined));
    if (parts.some((p) => p === undefined) || parts.filter((p) => p === null).length !== 1) return n;
    const target = parts.flatMap((p) => p ?? [-1]);
    if (target.filter((v) => v === -1).length !== 1) return n;
    const name = `headroom.static_shape${rewritten++}.${n.name || n.outputs[0]}`;
    initializers.push(initializerField(tensorBytes(name, [target.length], DT.int64, new Uint8Array(BigInt64Array.from(target.map(BigInt)).buffer))));
    return { ...n, inputs: [n.inputs[0]!, name], raw: null };
  });
  if (rewritten === 0) return { bytes: model, rewritten: 0, removed: 0 };
  const live = withoutUnread(nodes, graphValues(m, "output"));
  return { bytes: encodeModel(m, { nodes: live, extraGraph: initializers }), rewritten, removed: nodes.length - live.length };
}

/** `nodes` without those whose outputs nothing reads (ONNX ops have no side effects), repeatedly. */
function withoutUnread(nodes: readonly TNode[], graphOutputs: ReadonlySet<string>): TNode[] {
  let kept = [...nodes];
  for (;;) {
    const read = new Set(graphOutputs);
    for (const n of kept) for (const x of n.inputs) read.add(x);
    const next = kept.filter((n) => n.outputs.some((o) => read.has(o)));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}
