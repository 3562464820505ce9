// The design we did not ship, measured on the same trace: placement at claim time. There is no tick;
// an agent's claim asks "what fits me" and takes, in one statement, the first queued job (priority,
// then age) whose predicted peak fits the node's headroom now, under the same rules placement applies
// (cap, admission %, minimum free, concurrency limit). The node row is locked for the statement, so
// two claims of one node cannot both spend the same headroom; claims of different nodes run side by
// side with SKIP LOCKED on the jobs. The predicted peak must be on the job at submit (the prior here).
//
// The SIMULATED driver: `workers` connections claim for the nodes in turn (as long-polls arriving),
// skipping a node once it is full or once a claim for it found nothing that fits.
import { performance } from "node:perf_hooks";
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import type { PrismaClient } from "@headroom/db";
import pg from "pg";
import { pgLoadSince, pgMark } from "./pg-load.ts";
import { summarize, type TSummary } from "./stats.ts";

export type TClaimTimeResult = { nodes: number; jobs: number; workers: number; budgetMs: number; claimed: number; totalMs: number; claimMs: TSummary; emptyClaims: number; walBytes: number; pgCpuS: number | null };

const T = DEFAULT_THRESHOLDS;
const LEASE_MS = 30_000;

export const CLAIM_WHAT_FITS = `
  WITH node AS (
    SELECT n.id, n."totalMiB" AS total, n."usedMiB" + COALESCE(r.reserved, 0) AS busy_mib, COALESCE(r.jobs, 0) AS jobs, n."maxConcurrent",
           LEAST(floor(n."totalMiB" * $2::float8 / 100), n."totalMiB" - $3::int) - n."usedMiB" - COALESCE(r.reserved, 0) AS headroom
    FROM "Node" n
    LEFT JOIN LATERAL (SELECT sum("predictedPeakMiB") AS reserved, count(*) AS jobs FROM "Job"
                       WHERE "nodeId" = n.id AND status IN ('PLACED', 'RUNNING')) r ON true
    WHERE n.id = $1::uuid AND n.status = 'ONLINE' AND NOT n.drained
    FOR UPDATE OF n
  ), next AS (
    SELECT j.id FROM "Job" j, node
    WHERE j.status = 'QUEUED' AND j."runAfter" <= now() AND node.jobs < node."maxConcurrent"
      AND j."predictedPeakMiB" <= node.headroom
      AND (node.busy_mib + j."predictedPeakMiB") * 100.0 / node.total <= $4::float8
      AND node.total - node.busy_mib - j."predictedPeakMiB" >= $3::int
    ORDER BY j.priority DESC, j."createdAt" ASC
    LIMIT 1
    FOR UPDATE OF j SKIP LOCKED
  ), claimed AS (
    UPDATE "Job" j SET status = 'RUNNING', "nodeId" = $1::uuid, attempt = j.attempt + 1, "placedAt" = now(),
           "leaseExpiresAt" = now() + $5::int * interval '1 millisecond'
    FROM next WHERE j.id = next.id
    RETURNING j.id, j.attempt
  ), event AS (
    INSERT INTO "JobEvent" ("jobId", type, "nodeId", attempt, data)
    SELECT id, 'claimed', $1::uuid, attempt, jsonb_build_object('leaseMs', $5::int) FROM claimed
  )
  SELECT id FROM claimed`;

export async function benchClaimTime(url: string, db: PrismaClient, nodes: number, jobs: number, budgetMs: number, workers = 8): Promise<TClaimTimeResult> {
  const ids = (await db.node.findMany({ select: { id: true, maxConcurrent: true }, orderBy: { name: "asc" } })).map((n) => ({ ...n, left: n.maxConcurrent, done: false }));
  const pool = new pg.Pool({ connectionString: url, max: workers });
  const times: number[] = [];
  let claimed = 0;
  let emptyClaims = 0;
  let cursor = 0;
  const mark = await pgMark(db);
  const start = performance.now();
  const nextNode = () => {
    for (let k = 0; k < ids.length; k++) {
      const n = ids[cursor++ % ids.length]!;
      if (!n.done && n.left > 0) return n;
    }
    return null;
  };
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (claimed < jobs && performance.now() - start < budgetMs) {
          const n = nextNode();
          if (!n) return;
          n.left--; // held while the claim runs, so two workers never claim the node's last slot twice
          const t = performance.now();
          const r = await pool.query(CLAIM_WHAT_FITS, [n.id, T.memoryCapPct, T.admissionMinFreeMiB, T.admissionMaxUsagePct, LEASE_MS]);
          times.push(performance.now() - t);
          if (r.rowCount === 1) claimed++;
          else {
            n.left++;
            n.done = true;
            emptyClaims++;
          }
        }
      }),
    );
  } finally {
    await pool.end();
  }
  const totalMs = performance.now() - start;
  const load = await pgLoadSince(db, mark);
  return { nodes, jobs, workers, budgetMs, claimed, totalMs, claimMs: summarize(times), emptyClaims, walBytes: load.walBytes, pgCpuS: load.cpuS };
}
