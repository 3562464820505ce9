/**
 * What the Markdown's tables cost: pageMarkdown on real OCR output (the lines order-ab.ts keeps with
 * --lines), with tables and without (paragraphs only, the peer), alternating in one process.
 *
 *   npx tsx apps/gpu-node/bench/order-ab.ts --lines /tmp/lines.json   # once: OCR of SROIE 000–059
 *   npx tsx apps/gpu-node/bench/markdown-cost.ts --lines /tmp/lines.json [--reps 50]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { TOcrLine } from "@headroom/protocol";
import { machine, machineLine } from "./ceiling-report.ts";
import { median } from "./ceiling-loop.ts";
import { pageMarkdown } from "../src/ocr/markdown.ts";

const { values: args } = parseArgs({ options: { lines: { type: "string" }, reps: { type: "string", default: "50" } } });
if (!args.lines) throw new Error("--lines FILE (written by bench/order-ab.ts --lines FILE) is required");
const cache = JSON.parse(readFileSync(args.lines, "utf8")) as Record<string, Array<{ quad: [number, number][]; text: string }>>;
const pages: TOcrLine[][] = Object.values(cache).map((ls) => ls.map((l) => ({ text: l.text, confidence: 1, box: l.quad })));
const ms = { tables: [] as number[], paragraphs: [] as number[] };
let tables = 0;
for (let r = 0; r < Number(args.reps); r++) {
  for (const lines of pages) {
    for (const side of r % 2 ? (["paragraphs", "tables"] as const) : (["tables", "paragraphs"] as const)) {
      const t0 = performance.now();
      const md = pageMarkdown(lines, { tables: side === "tables" });
      ms[side].push(performance.now() - t0);
      if (r === 0 && side === "tables") tables += md.split("\n").filter((l) => /^\| (---:?|:?---)/.test(l)).length;
    }
  }
}
const lines = pages.reduce((a, p) => a + p.length, 0);
console.log(`${machineLine(machine())}\n${pages.length} pages, ${lines} lines, ${args.reps} reps; ${tables} tables found in all\n`);
console.log("| Markdown | median ms/page | p99 ms/page |\n|---|---:|---:|");
for (const [k, v] of Object.entries(ms)) console.log(`| ${k} | ${median(v).toFixed(3)} | ${[...v].sort((a, b) => a - b)[Math.floor(0.99 * (v.length - 1))]!.toFixed(3)} |`);
