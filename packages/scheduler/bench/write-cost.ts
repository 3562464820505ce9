// `npx tsx packages/scheduler/bench/write-cost.ts [--batch 250] [--rounds 6]`: what the tick's
// placement write costs the Postgres backend per job, and which part of it: the shipped statement
// against variants (no event rows, no record, GIN indexes / all secondary indexes / foreign keys
// dropped). Each variant places its own slice of the SIMULATED queue (1,000 nodes, bench/throughput.ts)
// inside a transaction that is rolled back, variants taking turns, so they see the same table. The
// backend's CPU comes from /proc/<pg_backend_pid()>/stat (embedded server on this machine).
import { parseArgs } from "node:util";
import { openBenchDatabase } from "./db.ts";
import { ownCpuMs } from "./process-cpu.ts";
import { buildFleet, buildJobs, insertFleetAndQueue } from "./throughput.ts";
import { seqUuid } from "./random.ts";
import { fmt, summarize, table } from "./stats.ts";
import { PeakModelCache } from "../src/history.ts";
import { planPlacements } from "../src/plan.ts";
import { writePlacements } from "../src/placement-writes.ts";

const { values: a } = parseArgs({ options: { batch: { type: "string", default: "250" }, rounds: { type: "string", default: "6" } } });
const batch = Number(a.batch), rounds = Number(a.rounds);

const UPDATE_ONLY = `
  WITH d AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(job_id uuid, node_id uuid, attempt int, peak_mib int, record jsonb))
  UPDATE "Job" j SET status = 'PLACED', "nodeId" = d.node_id, "placedAt" = now(), "predictedPeakMiB" = d.peak_mib,
    "unschedulableReason" = NULL, "headroomNeededMiB" = NULL, placement = CASE WHEN $2 THEN d.record END
  FROM d JOIN "Node" n ON n.id = d.node_id
  WHERE j.id = d.job_id AND j.status = 'QUEUED' AND j.attempt = d.attempt AND j."nodeId" IS NULL AND n.status = 'ONLINE' AND NOT n.drained`;
const SECONDARY = ["Job_storageKey_key", "Job_idempotencyKey_key", "Job_status_priority_createdAt_idx", "Job_nodeId_status_idx", "Job_createdAt_idx", "Job_status_headroomNeededMiB_idx", "Job_text_search_idx", "Job_fileName_trgm_idx"];
const drop = (names: string[]) => names.map((n) => `DROP INDEX "${n}"`);
const FKS = [`ALTER TABLE "Job" DROP CONSTRAINT "Job_nodeId_fkey"`, `ALTER TABLE "JobEvent" DROP CONSTRAINT "JobEvent_jobId_fkey"`, `ALTER TABLE "JobEvent" DROP CONSTRAINT "JobEvent_nodeId_fkey"`];

type TVariant = { name: string; ddl: string[]; write: "shipped" | "update" | "update-no-record" | "json" };

/** The shipped statement with the batch parsed as json (checked only) instead of jsonb (parsed into a tree), the record cast per row. */
const SHIPPED_JSON = `
  WITH d AS (SELECT * FROM json_to_recordset($1::json) AS d(job_id uuid, node_id uuid, attempt int, peak_mib int, record jsonb)),
  placed AS (
    UPDATE "Job" j SET status = 'PLACED', "nodeId" = d.node_id, "placedAt" = now(), "predictedPeakMiB" = d.peak_mib,
      "unschedulableReason" = NULL, "headroomNeededMiB" = NULL, placement = d.record
    FROM d JOIN "Node" n ON n.id = d.node_id
    WHERE j.id = d.job_id AND j.status = 'QUEUED' AND j.attempt = d.attempt AND j."nodeId" IS NULL AND n.status = 'ONLINE' AND NOT n.drained
    RETURNING j.id, j."nodeId", j.attempt, j."predictedPeakMiB"),
  events AS (INSERT INTO "JobEvent" ("jobId", type, "nodeId", attempt, data) SELECT id, 'placed', "nodeId", attempt, jsonb_build_object('predictedPeakMiB', "predictedPeakMiB") FROM placed)
  SELECT count(*) FROM placed`;
const VARIANTS: TVariant[] = [
  { name: "shipped (UPDATE + placed events)", ddl: [], write: "shipped" },
  { name: "shipped, batch parsed as json, not jsonb", ddl: [], write: "json" },
  { name: "UPDATE only, no events", ddl: [], write: "update" },
  { name: "UPDATE only, no record", ddl: [], write: "update-no-record" },
  { name: "shipped, GIN indexes dropped", ddl: drop(["Job_text_search_idx", "Job_fileName_trgm_idx"]), write: "shipped" },
  { name: "shipped, all secondary Job indexes dropped", ddl: drop(SECONDARY), write: "shipped" },
  { name: "shipped, foreign keys dropped", ddl: FKS, write: "shipped" },
];

const db = await openBenchDatabase(undefined, () => {});
try {
  const jobs = 10_000;
  await insertFleetAndQueue(db.url, buildFleet(1_000, 42), buildJobs(jobs, 42), false);
  const client = db.client();
  // Realistic rows (records included) for the first batch; each round re-targets them at its own jobs.
  const plan = await planPlacements(client, new Date(), batch, await new PeakModelCache().get(client));
  const cpu = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  let slice = 0;
  for (let r = 0; r < rounds; r++) {
    for (const v of VARIANTS) {
      const first = (slice++ % Math.floor(jobs / batch)) * batch;
      const rows = plan.placements.map((p, i) => ({ ...p, jobId: seqUuid(2, first + i) }));
      await client
        .$transaction(async (tx) => {
          const pid = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
          for (const s of v.ddl) await tx.$executeRawUnsafe(s);
          const c0 = ownCpuMs(pid);
          if (v.write === "shipped") await writePlacements(tx, rows, new Date());
          else if (v.write === "json") {
            const json = JSON.stringify(rows.map((p) => ({ job_id: p.jobId, node_id: p.nodeId, attempt: p.attempt, peak_mib: p.predictedPeakMiB, record: p.placement })));
            await tx.$queryRawUnsafe(SHIPPED_JSON, json);
          } else {
            const json = JSON.stringify(rows.map((p) => ({ job_id: p.jobId, node_id: p.nodeId, attempt: p.attempt, peak_mib: p.predictedPeakMiB, record: p.placement })));
            await tx.$executeRawUnsafe(UPDATE_ONLY, json, v.write === "update");
          }
          cpu.get(v.name)!.push((ownCpuMs(pid) - c0) / rows.length);
          throw new Error("rollback");
        }, { timeout: 60_000 })
        .catch((e: unknown) => {
          if (!(e instanceof Error && e.message === "rollback")) throw e;
        });
    }
  }
  console.log(`Placement write, batch ${batch}, ${rounds} rounds per variant; Postgres backend CPU per placed job (10 ms clock ticks, so a batch's figure is a multiple of ${fmt(10_000 / batch, 0)} µs):\n`);
  console.log(table(["variant", "median µs", "mean µs"], VARIANTS.map((v) => { const s = summarize(cpu.get(v.name)!); return [v.name, fmt(s.p50 * 1_000, 0), fmt(s.mean * 1_000, 0)]; })));
} finally {
  await db.close();
}
