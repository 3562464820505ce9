/**
 * The WebGPU ceiling: the det and rec models alone, in a bare loop on random inputs, with no
 * pipeline around them, so the fleet's numbers can be read against what the card can do at all.
 * Models are opened as the agent opens them (openSessions; rec with its WebGPU Clip rewrite).
 *
 *   npm run bench:gpu-ceiling -w @headroom/gpu-node -- [--provider webgpu|cpu] [--layouts NCHW,NHWC]
 *     [--rec-batches 1,8,32,64,128,256] [--rec-widths 320,640,1280] [--det-sizes 960x960,1280x1280,1600x1152 (W×H)]
 *     [--det-batches 1,4] [--reps 10] [--profile] [--graph-capture] [--manifest FILE] [--threads N] [--out DIR]
 *   GPU host: bash scripts/gpu-host/bench.sh ceiling [same args]
 *
 * --profile: one ORT-profiled rec run at 64×320 (after 2 warm-ups), top 15 op types by kernel time.
 * --graph-capture: rec 64×320 and the first det size on WebGPU with enableGraphCapture, its time
 * and its output against the same input without capture, or the error.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { defaultManifest, loadManifest, ocrSwitchesFromEnv, type TOcrManifest } from "../src/ocr/index.ts";
import { detRange, errorRow, maxRelDiff, randomNchw, REC_RANGE, rowFor, timeRuns, WARMUPS, type TCeilingRow } from "./ceiling-loop.ts";
import { profileFileFor, profileTable, readProfile, summariseProfile, type TProfileSummary } from "./ceiling-profile.ts";
import { ceilingTable, machine, machineLine } from "./ceiling-report.ts";
import { openCeilingSessions, releaseAll, type TExtraOptions } from "./ceiling-sessions.ts";

const { values: args } = parseArgs({
  options: {
    provider: { type: "string", default: "webgpu" },
    layouts: { type: "string", default: "NCHW,NHWC" },
    "rec-batches": { type: "string", default: "1,8,32,64,128,256" },
    "rec-widths": { type: "string", default: "320,640,1280" },
    "det-sizes": { type: "string", default: "960x960,1280x1280,1600x1152" },
    "det-batches": { type: "string", default: "1,4" },
    reps: { type: "string", default: "10" },
    profile: { type: "boolean", default: false },
    "graph-capture": { type: "boolean", default: false },
    manifest: { type: "string" },
    threads: { type: "string", default: String(os.availableParallelism()) },
    out: { type: "string" },
  },
});

const ints = (s: string) => s.split(",").filter(Boolean).map(Number);
const reps = Number(args.reps);
const provider = args.provider;
if (provider !== "webgpu" && provider !== "cpu") throw new Error(`--provider must be webgpu or cpu, not ${provider}`);
const layouts = args.layouts.split(",").filter(Boolean).map((l) => l.toUpperCase());
for (const l of layouts) if (l !== "NCHW" && l !== "NHWC") throw new Error(`--layouts takes NCHW and NHWC, not ${l}`);
const detShapes = args["det-sizes"].split(",").filter(Boolean).flatMap((s) => {
  const [w, h] = s.toLowerCase().split("x").map(Number);
  return ints(args["det-batches"]).map((b) => [b, 3, h!, w!] as [number, number, number, number]);
});
const manifest: TOcrManifest = args.manifest ? await loadManifest(args.manifest) : defaultManifest();
const recShapes = ints(args["rec-widths"]).flatMap((w) => ints(args["rec-batches"]).map((b) => [b, 3, manifest.rec.inputHeightPx, w] as [number, number, number, number]));
const load = { threads: Number(args.threads) || undefined, switches: ocrSwitchesFromEnv(process.env) };
const outDir = args.out ? path.resolve(args.out) : undefined;
if (outDir) mkdirSync(outDir, { recursive: true });

// Each layout set explicitly on every WebGPU session: the agent's own choice differs by stage
// (manifest rec.webgpu.layout), so "the agent's options" would measure a mix.
const variants: Array<{ name: string; extra: TExtraOptions }> =
  provider === "cpu"
    ? [{ name: "cpu", extra: {} }]
    : layouts.map((l) => ({ name: `webgpu ${l}`, extra: { preferredLayout: l as "NCHW" | "NHWC" } }));

const m = machine();
console.log(`# WebGPU ceiling: bare det and rec loops (${manifest.name})\n\n${machineLine(m)}\n`);
const report: Record<string, unknown> = { startedAt: new Date().toISOString(), command: process.argv.slice(2), machine: m, reps, warmups: WARMUPS, manifest: manifest.name };
const save = () => outDir && writeFileSync(path.join(outDir, "gpu-ceiling.json"), JSON.stringify(report, null, 2));
const rows: TCeilingRow[] = [];
const opened: Array<Record<string, unknown>> = [];
report.rows = rows;
report.variants = opened;

let seed = 1;
const inputFor = (stage: "det" | "rec", dims: [number, number, number, number]) => {
  const r = stage === "det" ? detRange(manifest.det.mean, manifest.det.std) : REC_RANGE;
  return randomNchw(dims, r.lo, r.hi, seed++);
};

for (const v of variants) {
  const t0 = performance.now();
  let s;
  try {
    s = await openCeilingSessions(manifest, provider, load, v.extra);
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0]!;
    console.log(`${v.name}: could not open the models: ${reason}`);
    opened.push({ variant: v.name, error: reason, notes: (err as { providerNotes?: unknown }).providerNotes });
    continue;
  }
  const createMs = Math.round(performance.now() - t0);
  console.log(`${v.name}: opened in ${createMs} ms, stages on ${JSON.stringify(s.stageProvider)}`);
  opened.push({ variant: v.name, createMs, stageProvider: s.stageProvider, notes: s.notes, recOptions: s.optionsSeen.at(-1) });
  for (const [stage, shapes] of [["det", detShapes], ["rec", recShapes]] as const) {
    for (const dims of shapes) {
      const session = s.sessions[stage];
      try {
        const { ms } = await timeRuns(session, inputFor(stage, dims), dims, reps);
        rows.push(rowFor(v.name, stage, dims, ms));
      } catch (err) {
        rows.push(errorRow(v.name, stage, dims, err));
      }
      const r = rows.at(-1)!;
      console.error(`  ${v.name} ${stage} ${dims.join("×")}: ${r.error ?? `${r.medianMs.toFixed(1)} ms`}`);
      save();
    }
  }
  await releaseAll(s.sessions);
}
console.log(`\n${ceilingTable(rows, reps)}\n`);
save();

const first = variants[0]!;
const rec64: [number, number, number, number] = [64, 3, manifest.rec.inputHeightPx, 320];

if (args.profile) {
  // Profiling slows every kernel a little, so it gets its own sessions and is not in the table above.
  const profileDir = outDir ? path.join(outDir, "profile") : mkdtempSync(path.join(os.tmpdir(), "ceiling-profile-"));
  mkdirSync(profileDir, { recursive: true });
  let summary: TProfileSummary | { error: string };
  try {
    const s = await openCeilingSessions(manifest, provider, load, { ...first.extra, profileDir });
    try {
      await timeRuns(s.sessions.rec, inputFor("rec", rec64), rec64, 1);
      s.sessions.rec.endProfiling();
      const file = profileFileFor(s.profilePrefix.get(s.sessions.rec)!);
      if (!file) throw new Error(`ORT wrote no profile under ${profileDir}`);
      summary = { ...summariseProfile(readProfile(file)), file } as TProfileSummary;
      console.log(`## Profile: ${first.name}, rec ${rec64.join("×")}, one run after ${WARMUPS} warm-ups (${file})\n\n${profileTable(summary)}\n`);
    } finally {
      await releaseAll(s.sessions);
    }
  } catch (err) {
    summary = { error: (err as Error).message.split("\n")[0]! };
    console.log(`## Profile failed: ${summary.error}\n`);
  }
  report.profile = summary;
  save();
}

if (args["graph-capture"]) {
  const results: Array<Record<string, unknown>> = [];
  if (provider !== "webgpu") {
    results.push({ skipped: "enableGraphCapture is a WebGPU option; run with --provider webgpu" });
  } else {
    const det1 = detShapes.find((d) => d[0] === 1) ?? detShapes[0];
    const t0 = performance.now();
    try {
      const gc = await openCeilingSessions(manifest, provider, load, { ...first.extra, enableGraphCapture: true });
      const createMs = Math.round(performance.now() - t0);
      const plain = await openCeilingSessions(manifest, provider, load, first.extra);
      for (const [stage, dims] of [["rec", rec64], ...(det1 ? [["det", det1]] : [])] as Array<["det" | "rec", [number, number, number, number]]>) {
        const data = inputFor(stage, dims);
        try {
          const captured = await timeRuns(gc.sessions[stage], data, dims, reps);
          const reference = await timeRuns(plain.sessions[stage], data, dims, reps);
          const row = rowFor(`${first.name} graph capture`, stage, dims, captured.ms);
          rows.push(row);
          results.push({ stage, dims, createMs, ok: true, medianMs: row.medianMs, withoutCaptureMedianMs: rowFor("", stage, dims, reference.ms).medianMs, maxRelDiff: maxRelDiff(captured.output, reference.output) });
        } catch (err) {
          results.push({ stage, dims, createMs, ok: false, runError: (err as Error).message.split("\n")[0] });
        }
      }
      await Promise.all([releaseAll(gc.sessions), releaseAll(plain.sessions)]);
    } catch (err) {
      results.push({ ok: false, createError: (err as Error).message.split("\n")[0], createMs: Math.round(performance.now() - t0) });
    }
  }
  console.log("## Graph capture\n");
  for (const r of results) console.log(`- ${JSON.stringify(r)}`);
  report.graphCapture = results;
  save();
}
if (outDir) console.log(`\nwrote ${path.join(outDir, "gpu-ceiling.json")}`);
// Exit non-zero only when nothing could be measured at all.
if (!rows.some((r) => !r.error)) process.exitCode = 1;
