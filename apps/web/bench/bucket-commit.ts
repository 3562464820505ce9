// What one API key's upload bucket costs at a thousand uploads a second. Every upload takes a token
// from its key's row in RateLimitBucket (auth/rate-limit.ts), and the row lock of that upsert is held
// until its commit. This measures, on one embedded Postgres, C concurrent clients taking tokens
// through PgTokenBucketLimiter: all on one key as shipped (the commit does not wait for the WAL
// flush: a crash forgets the last few spends, which only refunds tokens), each on its own key (the
// same statement without the hot row), and on one key committing durably (durableCommit: the peer,
// as it was before, one key's spends queued behind each other's WAL flushes), taking turns, and
// reports the rate and latency of each.
//
//   npx tsx apps/web/bench/bucket-commit.ts [--clients 16] [--seconds 5] [--rounds 2] [--out <dir>: also writes <dir>/bucket-commit.md]
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { openBenchDatabase } from "../../../packages/scheduler/bench/db.ts";
import { closedLoop, machineLine, rateRow, table } from "../../../packages/scheduler/bench/stats.ts";
import { PgTokenBucketLimiter } from "../src/server/auth/rate-limit.ts";

const { values: a } = parseArgs({ options: { clients: { type: "string", default: "16" }, seconds: { type: "string", default: "5" }, rounds: { type: "string", default: "2" }, out: { type: "string" } } });
const clients = Number(a.clients);
const seconds = Number(a.seconds);
const log = (m: string) => console.error(`[bucket-commit] ${m}`);

const db = await openBenchDatabase(process.env.DATABASE_URL, log);
try {
  const prisma = db.client(clients);
  // A bucket that never runs dry: the bench measures the statement, not the refusals.
  const limiter = new PgTokenBucketLimiter("bench", { capacity: 1e12, refillMs: 60_000 });
  const durable = new PgTokenBucketLimiter("bench-durable", { capacity: 1e12, refillMs: 60_000, durableCommit: true });
  type TMode = "one key (shipped)" | "a key per client" | "one key, durable commit (before)";
  const take = (mode: TMode, client: number) => {
    if (mode === "a key per client") return limiter.take(prisma, `key-${client}`);
    if (mode === "one key (shipped)") return limiter.take(prisma, "key");
    return durable.take(prisma, "key");
  };
  const run = (mode: TMode) =>
    closedLoop(clients, seconds, async (client) => {
      if (!(await take(mode, client)).ok) throw new Error("the bench's bucket ran dry");
    });
  const rows: string[][] = [];
  for (let r = 0; r < Number(a.rounds); r++) {
    for (const mode of ["one key (shipped)", "a key per client", "one key, durable commit (before)"] as const) {
      const row = rateRow(r + 1, mode, await run(mode), seconds);
      rows.push(row);
      log(`round ${r + 1}, ${mode}: ${row[2]}/s, p99 ${row[4]} ms`);
    }
  }
  const report = [
    table(["round", "tokens taken from", "takes/s", "p50 ms", "p99 ms", "max ms"], rows),
    "",
    `- ${clients} clients (a Prisma pool of ${clients}), ${seconds} s per row; ${db.where}; ${db.settings}; Postgres ${db.postgresVersion}.`,
    machineLine(),
  ].join("\n");
  console.log(report);
  if (a.out) await writeFile(path.join(a.out, "bucket-commit.md"), `${report}\n`);
} finally {
  await db.close();
}
