/**
 * Model rewrites applied at load, before a session is created on a provider that needs them.
 *
 * PP-OCRv4 rec is ONNX opset 9, and its 28 `Clip` nodes (the hard-swish activations) carry min/max
 * as attributes, the pre-opset-11 form. ONNX Runtime's WebGPU provider only has kernels for the
 * opset-11+ form, so each of those Clips runs on the CPU with a GPU↔CPU round trip, and recognition
 * on WebGPU ran slower than on the CPU (/work/shared/gpu/GPU-HOST.md). Bumping the opset would change
 * the meaning of other nodes in the model (Slice, Squeeze, ReduceMean moved attributes to inputs),
 * so the Clips are rewritten in place with ops of the same opset that WebGPU runs:
 *
 * - "hardsigmoid" (default): Clip(x, a, b) = HardSigmoid(x; α = 1/(b−a), β = −a/(b−a)) · (b−a) + a
 *   (the Add is left out when a = 0). HardSigmoid-6 and Mul-7 are WebGPU kernels.
 * - "minmax": Clip(x, a, b) = Max(Min(x, b), a), exact, but needs Min/Max kernels on the provider.
 *
 * The protobuf is edited at the wire level with protobufjs' Reader/Writer: every field this code
 * does not rewrite (weights, metadata, unknown future fields) is copied byte for byte, so no ONNX
 * schema is needed and nothing is lost in a round trip. Field numbers are those of onnx.proto.
 */
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import protobuf from "protobufjs/minimal.js";

const { Reader, Writer } = protobuf;

export type TClipRewrite = "hardsigmoid" | "minmax";
export const CLIP_REWRITES: readonly TClipRewrite[] = ["hardsigmoid", "minmax"];

// onnx.proto field numbers.
const MODEL = { graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, f: 2, type: 20 } as const;
const TENSOR = { dataType: 2, name: 8, rawData: 9 } as const;
const ATTR_TYPE_FLOAT = 1;
const TENSOR_FLOAT = 1;
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** Clip's defaults when an attribute is absent (opset 6–10): the float range. */
const FLOAT_LOWEST = -3.4028234663852886e38;
const FLOAT_MAX = 3.4028234663852886e38;

type TField = { no: number; wire: number; start: number; end: number; bytes?: Uint8Array; varint?: number; fixed32?: number };

function readFields(buf: Uint8Array): TField[] {
  const r = Reader.create(buf);
  const out: TField[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    const f: TField = { no, wire, start, end: start };
    if (wire === WIRE_BYTES) f.bytes = r.bytes();
    else if (wire === WIRE_VARINT) f.varint = Number(r.int64().toString());
    else if (wire === WIRE_FIXED32) f.fixed32 = r.float();
    else r.skipType(wire);
    f.end = r.pos;
    out.push(f);
  }
  return out;
}

const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8") : "");
const isOnnxDomain = (d: string) => d === "" || d === "ai.onnx";

/** The ai.onnx opset the model imports (0 if none is listed). */
export function onnxOpset(model: Uint8Array): number {
  for (const f of readFields(model)) {
    if (f.no !== MODEL.opsetImport || !f.bytes) continue;
    const fs = readFields(f.bytes);
    const domain = text(fs.find((x) => x.no === OPSET.domain)?.bytes);
    if (isOnnxDomain(domain)) return fs.find((x) => x.no === OPSET.version)?.varint ?? 0;
  }
  return 0;
}

type TNodeInfo = { opType: string; domain: string; inputs: string[]; outputs: string[]; name: string; floatAttrs: Map<string, number> };

function nodeInfo(bytes: Uint8Array): TNodeInfo {
  const info: TNodeInfo = { opType: "", domain: "", inputs: [], outputs: [], name: "", floatAttrs: new Map() };
  for (const f of readFields(bytes)) {
    if (f.no === NODE.opType) info.opType = text(f.bytes);
    else if (f.no === NODE.domain) info.domain = text(f.bytes);
    else if (f.no === NODE.input) info.inputs.push(text(f.bytes));
    else if (f.no === NODE.output) info.outputs.push(text(f.bytes));
    else if (f.no === NODE.name) info.name = text(f.bytes);
    else if (f.no === NODE.attribute && f.bytes) {
      const a = readFields(f.bytes);
      const f32 = a.find((x) => x.no === ATTR.f)?.fixed32;
      if (f32 !== undefined) info.floatAttrs.set(text(a.find((x) => x.no === ATTR.name)?.bytes), f32);
    }
  }
  return info;
}

/** Nodes of a model as { opType, inputs, outputs, float attributes }, for tests and diagnostics. */
export function listNodes(model: Uint8Array): Array<{ opType: string; inputs: string[]; outputs: string[]; floatAttrs: Record<string, number> }> {
  const graph = readFields(model).find((f) => f.no === MODEL.graph)?.bytes;
  if (!graph) return [];
  return readFields(graph)
    .filter((f) => f.no === GRAPH.node && f.bytes)
    .map((f) => {
      const n = nodeInfo(f.bytes!);
      return { opType: n.opType, inputs: n.inputs, outputs: n.outputs, floatAttrs: Object.fromEntries(n.floatAttrs) };
    });
}

function tagged(w: protobuf.Writer, no: number, wire: number): protobuf.Writer {
  return w.uint32((no << 3) | wire);
}

function floatAttr(name: string, value: number): Uint8Array {
  const w = Writer.create();
  tagged(w, ATTR.name, WIRE_BYTES).string(name);
  tagged(w, ATTR.f, WIRE_FIXED32).float(value);
  tagged(w, ATTR.type, WIRE_VARINT).int32(ATTR_TYPE_FLOAT);
  return w.finish();
}

function encodeNode(n: { opType: string; name: string; inputs: string[]; outputs: string[]; attrs?: Uint8Array[] }): Uint8Array {
  const w = Writer.create();
  for (const i of n.inputs) tagged(w, NODE.input, WIRE_BYTES).string(i);
  for (const o of n.outputs) tagged(w, NODE.output, WIRE_BYTES).string(o);
  tagged(w, NODE.name, WIRE_BYTES).string(n.name);
  tagged(w, NODE.opType, WIRE_BYTES).string(n.opType);
  for (const a of n.attrs ?? []) tagged(w, NODE.attribute, WIRE_BYTES).bytes(a);
  return w.finish();
}

/** A float32 scalar initializer (dims empty). */
function scalarInitializer(name: string, value: number): Uint8Array {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, value, true);
  const w = Writer.create();
  tagged(w, TENSOR.dataType, WIRE_VARINT).int32(TENSOR_FLOAT);
  tagged(w, TENSOR.name, WIRE_BYTES).string(name);
  tagged(w, TENSOR.rawData, WIRE_BYTES).bytes(raw);
  return w.finish();
}

export type TRewriteResult = { bytes: Uint8Array; rewritten: number; opset: number; strategy: TClipRewrite };

/**
 * Rewrite every attribute-form Clip (ai.onnx opset < 11) of the main graph. A model with none, or of
 * opset 11+, comes back unchanged (same bytes) with `rewritten: 0`.
 */
export function rewriteAttributeClips(model: Uint8Array, strategy: TClipRewrite = "hardsigmoid"): TRewriteResult {
  const opset = onnxOpset(model);
  const unchanged: TRewriteResult = { bytes: model, rewritten: 0, opset, strategy };
  if (opset >= 11) return unchanged;
  const top = readFields(model);
  const graphField = top.find((f) => f.no === MODEL.graph);
  if (!graphField?.bytes) return unchanged;

  const graph = Writer.create();
  const initializers: Uint8Array[] = [];
  let rewritten = 0;
  for (const f of readFields(graphField.bytes)) {
    const raw = graphField.bytes.subarray(f.start, f.end);
    const n = f.no === GRAPH.node && f.bytes ? nodeInfo(f.bytes) : null;
    if (!n || n.opType !== "Clip" || !isOnnxDomain(n.domain) || n.inputs.length !== 1 || n.outputs.length !== 1) {
      graph.raw(raw);
      continue;
    }
    const lo = n.floatAttrs.get("min") ?? FLOAT_LOWEST;
    const hi = n.floatAttrs.get("max") ?? FLOAT_MAX;
    const p = `headroom.clip${rewritten}.${n.name || n.outputs[0]}`;
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    const nodes: Uint8Array[] = [];
    if (strategy === "minmax") {
      initializers.push(scalarInitializer(`${p}.max`, hi), scalarInitializer(`${p}.min`, lo));
      nodes.push(encodeNode({ opType: "Min", name: `${p}.Min`, inputs: [x, `${p}.max`], outputs: [`${p}.upper`] }));
      nodes.push(encodeNode({ opType: "Max", name: `${p}.Max`, inputs: [`${p}.upper`, `${p}.min`], outputs: [y] }));
    } else {
      const range = hi - lo;
      if (!(range > 0 && Number.isFinite(range))) {
        // An open or empty range has no HardSigmoid form; leave that node as it is.
        graph.raw(raw);
        continue;
      }
      const attrs = [floatAttr("alpha", 1 / range), floatAttr("beta", -lo / range)];
      const scaledOut = lo === 0 ? y : `${p}.scaled`;
      initializers.push(scalarInitializer(`${p}.range`, range));
      nodes.push(encodeNode({ opType: "HardSigmoid", name: `${p}.HardSigmoid`, inputs: [x], outputs: [`${p}.unit`], attrs }));
      nodes.push(encodeNode({ opType: "Mul", name: `${p}.Mul`, inputs: [`${p}.unit`, `${p}.range`], outputs: [scaledOut] }));
      if (lo !== 0) {
        initializers.push(scalarInitializer(`${p}.min`, lo));
        nodes.push(encodeNode({ opType: "Add", name: `${p}.Add`, inputs: [scaledOut, `${p}.min`], outputs: [y] }));
      }
    }
    for (const node of nodes) tagged(graph, GRAPH.node, WIRE_BYTES).bytes(node);
    rewritten++;
  }
  if (rewritten === 0) return unchanged;
  for (const init of initializers) tagged(graph, GRAPH.initializer, WIRE_BYTES).bytes(init);

  const out = Writer.create();
  for (const f of top) {
    if (f === graphField) tagged(out, MODEL.graph, WIRE_BYTES).bytes(graph.finish());
    else out.raw(model.subarray(f.start, f.end));
  }
  return { bytes: out.finish(), rewritten, opset, strategy };
}

/** Bumped whenever the rewrite's output changes, so stale cache files are not reused. */
const REWRITE_VERSION = 1;

/**
 * The model at `file` with its attribute-form Clips rewritten, as a path to a cached copy on disk
 * (keyed by the original's hash and the strategy, so a runner recycle reuses it). Where the cache
 * cannot be written, the rewritten bytes are returned instead. A model with nothing to rewrite comes
 * back as its own path. `rewritten` is the number of Clips rewritten, null when the cache had it.
 */
export async function preparedModel(
  file: string,
  strategy: TClipRewrite,
  cacheDir: string,
): Promise<{ source: string | Uint8Array; rewritten: number | null; cached: boolean; ms: number }> {
  const t0 = performance.now();
  const original = await readFile(file);
  const hash = createHash("sha256").update(original).digest("hex").slice(0, 16);
  const cached = path.join(cacheDir, `${path.basename(file, ".onnx")}.${hash}.clip-${strategy}.v${REWRITE_VERSION}.onnx`);
  const ms = () => Math.round(performance.now() - t0);
  try {
    await access(cached);
    return { source: cached, rewritten: null, cached: true, ms: ms() };
  } catch {
    // not cached yet
  }
  const r = rewriteAttributeClips(original, strategy);
  if (r.rewritten === 0) return { source: file, rewritten: 0, cached: false, ms: ms() };
  try {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, r.bytes);
    await rename(tmp, cached);
    return { source: cached, rewritten: r.rewritten, cached: false, ms: ms() };
  } catch {
    return { source: r.bytes, rewritten: r.rewritten, cached: false, ms: ms() };
  }
}
