// What checking one upload costs the control plane (issue 14): inspectUpload by default (magic
// bytes, the bomb scans, the header, and a full decode under the pixel limit) against its header
// check (HEADROOM_UPLOAD_CHECK=header: the same without the decode, which is left to the node), and
// the 8×8 resize that decoded every format before a PNG's last row was read instead, per kind of file. CPU is the whole process's (libvips runs on libuv's threads), per check,
// median of rounds that alternate the two.
//
//   cd apps/web && npx tsx bench/inspect-cost.ts [--rounds 5] [--out <dir>]
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { tinyPng } from "../../../packages/scheduler/bench/http-agents/png.ts";
import { fmt, machineLine, percentile, table } from "../../../packages/scheduler/bench/stats.ts";
import { inspectUpload } from "../src/server/jobs/inspect-upload.ts";

const { values: a } = parseArgs({ options: { rounds: { type: "string", default: "5" }, out: { type: "string" } } });
const ROUNDS = Number(a.rounds);
const LIMITS = { maxBytes: 25 * 1024 * 1024, maxPixels: 40_000_000 };
const here = path.dirname(new URL(import.meta.url).pathname);

/** An A4 page at 300 dpi with 60 lines of text: a scan's size, compressing like a clean one. */
async function a4Page(format: "png" | "jpeg"): Promise<Buffer> {
  const lines = Array.from({ length: 60 }, (_, i) => `<text x="150" y="${220 + i * 52}" font-family="DejaVu Sans" font-size="34">Line ${i + 1}: TOTAL ........ ${(i * 3.7).toFixed(2)} RM, qty ${i % 7}</text>`).join("");
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="2480" height="3508"><rect width="100%" height="100%" fill="white"/>${lines}</svg>`);
  const img = sharp(svg);
  return format === "png" ? img.png().toBuffer() : img.jpeg({ quality: 85 }).toBuffer();
}

const files: { label: string; bytes: Buffer }[] = [
  { label: "tiny PNG, 64×16 (the dispatch bench's)", bytes: tinyPng() },
  { label: "A4 at 300 dpi, PNG", bytes: await a4Page("png") },
  { label: "A4 at 300 dpi, JPEG q85", bytes: await a4Page("jpeg") },
];
const receipt = path.resolve(here, "../../../../shared/eval/sroie2019/img/000.jpg");
if (existsSync(receipt)) files.push({ label: "SROIE receipt 000.jpg (a phone photo)", bytes: readFileSync(receipt) });
else console.error(`[inspect-cost] ${receipt} is absent: the receipt row is left out`);

const headerOnly = (bytes: Buffer) => inspectUpload("bench", bytes, { ...LIMITS, imageCheck: "header" });
const shipped = (bytes: Buffer) => inspectUpload("bench", bytes, LIMITS);
/** The decode the check ran for every format before 2026-12-07 (a PNG now has its last row read instead). */
const resizeDecode = (bytes: Buffer) => sharp(bytes, { limitInputPixels: LIMITS.maxPixels, failOn: "truncated", pages: 1 }).resize(8, 8, { fit: "fill" }).raw().toBuffer();

/** CPU ms of the whole process per call, over enough calls to last ~0.5 s. */
async function cpuPerCall(fn: (b: Buffer) => Promise<unknown>, bytes: Buffer): Promise<number> {
  await fn(bytes);
  const t0 = performance.now();
  await fn(bytes);
  const n = Math.max(3, Math.min(2_000, Math.round(500 / Math.max(0.05, performance.now() - t0))));
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(bytes);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

const rows: string[][] = [];
for (const f of files) {
  const meta = await sharp(f.bytes).metadata();
  const ways = [shipped, headerOnly, resizeDecode];
  const ms: number[][] = ways.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    // Each round runs the three in another order, so drift on a shared machine spreads over all.
    for (let k = 0; k < ways.length; k++) {
      const i = (k + r) % ways.length;
      ms[i]!.push(await cpuPerCall(ways[i]!, f.bytes));
    }
  }
  const [fullMs, headMs, resizeMs] = ms.map((v) => percentile(v, 50)) as [number, number, number];
  rows.push([f.label, `${meta.width}×${meta.height}`, fmt(f.bytes.length / 1024, 1), fmt(fullMs), fmt(headMs), fmt(fullMs / headMs, 1) + "×", fmt(resizeMs), fmt(1000 / fullMs, 0)]);
  console.error(`[inspect-cost] ${f.label}: ${fmt(fullMs)} ms decode, ${fmt(headMs)} ms header, ${fmt(resizeMs)} ms the 8×8 resize alone`);
}

const report = [
  `# What checking one upload costs (\`cd apps/web && npx tsx bench/inspect-cost.ts --rounds ${ROUNDS}\`)`,
  "",
  table(["file", "pixels", "KiB", "imageCheck decode (the default) CPU ms", "imageCheck header CPU ms", "decode / header", "8×8 resize decode alone (the check's decode before 2026-12-07) CPU ms", "checks a second per core (decode)"], rows),
  "",
  `- CPU of the whole process (the event loop and libuv's threads, where libvips decodes) per check; median of ${ROUNDS} rounds that rotate the order of the three. The A4 pages are rendered here (60 lines of DejaVu Sans on white).`,
  machineLine(),
  "",
].join("\n");
console.log(report);
if (a.out) await writeFile(path.join(a.out, "inspect-cost.md"), report);
