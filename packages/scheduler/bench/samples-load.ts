// `npx tsx packages/scheduler/bench/samples-load.ts`: what memory samples cost Postgres, per row, as
// the agents send them today: one POST a second per node with 4 samples per busy slot (250 ms
// sampleIntervalMs), stored by the real telemetry handler (`storeSamples`, one multi-row INSERT),
// against the same rows sent 60 at a time (one flush a minute, a batching we could choose).
// SIMULATED nodes (rows only); the handler, the database and its WAL are real. Prints Markdown.
import { performance } from "node:perf_hooks";
import { storeSamples } from "../src/store/samples.ts";
import { openBenchDatabase } from "./db.ts";
import { pgLoadSince, pgMark } from "./pg-load.ts";
import { seqUuid } from "./random.ts";
import { fmt, machine, table } from "./stats.ts";

const NODES = 50;
const ROWS = 20_000;

const db = await openBenchDatabase(process.env.DATABASE_URL || undefined, () => {});
try {
  const client = db.client(4);
  await client.node.createMany({
    data: Array.from({ length: NODES }, (_, i) => ({ id: seqUuid(5, i), name: `sim-${i}`, hostname: "simulated", kind: "GPU" as const, tokenHash: `sim-${i}`, totalMiB: 81_920, usedMiB: 8_000, freeMiB: 73_920 })),
  });
  const rows: string[][] = [];
  for (const perRequest of [4, 60]) {
    const mark = await pgMark(client);
    const t0 = performance.now();
    for (let sent = 0, k = 0; sent < ROWS; sent += perRequest, k++) {
      const at = new Date(Date.now() + k).toISOString();
      const samples = Array.from({ length: perRequest }, () => ({ at, usedMiB: 8_000 + (k % 500), totalMiB: 81_920, processMiB: 2_000, utilPct: 55.5, jobId: null }));
      await storeSamples(client, seqUuid(5, k % NODES), { samples });
    }
    const ms = performance.now() - t0;
    const load = await pgLoadSince(client, mark);
    rows.push([
      `${perRequest} per request`,
      fmt(ROWS, 0),
      fmt(ROWS / perRequest, 0),
      `${fmt(load.walBytes / ROWS, 0)} B`,
      load.cpuS === null ? "–" : `${fmt((load.cpuS * 1e6) / ROWS, 1)} µs`,
      `${fmt((ms * 1_000) / ROWS, 1)} µs`,
    ]);
  }
  const [size] = await client.$queryRaw<{ bytes: number }[]>`SELECT pg_total_relation_size('"MemorySample"')::float8 AS bytes`;
  console.log(
    [
      table(["batching", "rows", "INSERT statements", "WAL per row", "Postgres CPU per row", "wall per row"], rows),
      "",
      `- On disk after both runs: ${fmt(size!.bytes / (2 * ROWS), 0)} B per row, table and its indexes (pkey, (nodeId, at), (jobId)).`,
      `- Machine: ${machine("").slice(0, 2).join("; ")}; load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" / ")}.`,
    ].join("\n"),
  );
} finally {
  await db.close();
}
