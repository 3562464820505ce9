// Exports one window of a fleet's database as a one-phase TFleetRun (gzipped JSON), e.g.
//   npx tsx scripts/fleet-report/export-cli.ts --database-url postgresql://… --label local \
//     --since 2026-11-27T08:00:00Z [--until …] [--nodes a,b] [--append] --out run.json.gz
// With --append the phase is added to an existing file, so a run's phases can be exported one by one.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { createPrismaClient } from "@headroom/db";
import { exportWindow, type TFleetRun } from "./export.ts";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    label: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    nodes: { type: "string" },
    out: { type: "string" },
    append: { type: "boolean", default: false },
  },
});
const url = values["database-url"];
const since = values.since ? new Date(values.since) : null;
const until = values.until ? new Date(values.until) : new Date();
if (!url || !values.label || !values.out || !since || Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) {
  console.error("usage: export-cli.ts --database-url URL --label NAME --since ISO [--until ISO] [--nodes a,b] [--append] --out FILE.json.gz");
  process.exit(2);
}

const db = createPrismaClient(url, { poolMax: 4 });
try {
  const dump = await exportWindow(db, { label: values.label, since, until, nodeNames: values.nodes?.split(",").filter(Boolean) });
  const previous = values.append && existsSync(values.out) ? (JSON.parse(gunzipSync(await readFile(values.out)).toString("utf8")) as TFleetRun) : null;
  const gpus = dump.nodes.flatMap((n) => (n.kind === "GPU" ? [{ index: n.gpuIndex ?? 0, name: n.gpuName ?? "GPU", totalMiB: n.totalMiB }] : []));
  const run: TFleetRun = previous ?? {
    host: { name: os.hostname(), gpus, cpuCores: os.cpus().length, date: new Date().toISOString() },
    // Without the database URL: it holds the password.
    command: `export-cli --label ${values.label} --since ${since.toISOString()} --until ${until.toISOString()}${values.nodes ? ` --nodes ${values.nodes}` : ""}`,
    phases: [],
  };
  run.phases.push({ ...dump, config: { source: "export-cli" } });
  await writeFile(values.out, gzipSync(JSON.stringify(run)));
  console.log(`${values.out}: phase ${dump.label}: ${dump.jobs.length} jobs, ${dump.jobEvents.length} job events, ${dump.nodeEvents.length} node events, ${dump.samples.length} samples (of ${dump.samplesInWindow}), ${dump.nodes.length} nodes`);
} finally {
  await db.$disconnect();
}
