// `npx tsx packages/scheduler/bench/sweep-cost.ts`: what the offline and lease sweeps add to a tick
// at 10,000 SIMULATED nodes with 20,000 running jobs and nothing queued, ticks with and without them
// alternating. Why the loop sweeps at most once a second (loop.ts) while it may tick ten times.
import pg from "pg";
import { openBenchDatabase } from "./db.ts";
import { schedulerTick } from "../src/tick.ts";
import { PeakModelCache } from "../src/history.ts";
import { seqUuid } from "./random.ts";
const db = await openBenchDatabase(undefined, () => {});
const c = db.client();
try {
  const cl = new pg.Client({ connectionString: db.url }); cl.on("error", () => {}); await cl.connect();
  const n = 10_000;
  const ids = Array.from({ length: n }, (_, i) => seqUuid(1, i));
  await cl.query(`INSERT INTO "Node" (id, name, hostname, kind, "tokenHash", status, "maxConcurrent", "totalMiB", "usedMiB", "freeMiB", "lastHeartbeatAt") SELECT id, 'n' || id, 'sim', 'GPU', 't' || id, 'ONLINE', 16, 81920, 8000, 73920, now() FROM unnest($1::uuid[]) id`, [ids]);
  await cl.query(`INSERT INTO "Job" (id, "fileName", "mimeType", "sizeBytes", sha256, "storageKey", status, "nodeId", attempt, "leaseExpiresAt", "predictedPeakMiB") SELECT gen_random_uuid(), 'f', 'image/png', 1, '0', 'k' || g, 'RUNNING', ($1::uuid[])[1 + g % ${n}], 1, now() + interval '1 hour', 500 FROM generate_series(0, ${n * 2 - 1}) g`, [ids]);
  await cl.query(`ANALYZE`); await cl.end();
  const peakModels = new PeakModelCache();
  const t = { true: [] as number[], false: [] as number[] };
  for (let i = 0; i < 40; i++) {
    const sweep = i % 2 === 0;
    const t0 = performance.now();
    await schedulerTick(c, { nodeOfflineMs: 3_600_000, peakModels, sweep });
    (sweep ? t.true : t.false).push(performance.now() - t0);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(1);
  console.log(`10,000 nodes, 20,000 running jobs, empty queue: tick with sweeps p50 ${med(t.true)} ms, without ${med(t.false)} ms (20 each, alternating)`);
} finally {
  await db.close();
}
