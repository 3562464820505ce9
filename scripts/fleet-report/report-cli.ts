// npm run fleet:report -- --in run-a.json.gz [--in run-b.json.gz] --out-md docs/fleet-report.md --charts docs/fleet
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { renderMemoryChartPng } from "./memory-chart.ts";
import { chartJobs, renderReport, runNames, type TNamedRun } from "./report.ts";
import type { TFleetRun } from "./types.ts";

const { values } = parseArgs({
  options: { in: { type: "string", multiple: true }, "out-md": { type: "string" }, charts: { type: "string" } },
});
const inputs = values.in ?? [];
if (inputs.length === 0 || !values["out-md"] || !values.charts) {
  console.error("usage: npm run fleet:report -- --in run.json.gz [--in …] --out-md docs/fleet-report.md --charts docs/fleet");
  process.exit(2);
}
const outMd = path.resolve(values["out-md"]);
const chartsDir = path.resolve(values.charts);

async function readRun(file: string): Promise<TFleetRun> {
  const raw = await readFile(file);
  return JSON.parse((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as TFleetRun;
}

const names = runNames(inputs);
const runs: TNamedRun[] = await Promise.all(inputs.map(async (file, i) => ({ name: names[i]!, run: await readRun(file) })));

await mkdir(chartsDir, { recursive: true });
for (const c of chartJobs(runs)) {
  const phase = runs.find((r) => r.name === c.runName)!.run.phases.find((p) => p.label === c.phaseLabel)!;
  await writeFile(path.join(chartsDir, c.fileName), await renderMemoryChartPng(phase, c.title));
  console.log(`chart ${path.relative(process.cwd(), path.join(chartsDir, c.fileName))}`);
}
const href = (fileName: string) => path.relative(path.dirname(outMd), path.join(chartsDir, fileName)).split(path.sep).join("/");
await mkdir(path.dirname(outMd), { recursive: true });
await writeFile(outMd, renderReport(runs, href));
console.log(`report ${path.relative(process.cwd(), outMd)}`);
