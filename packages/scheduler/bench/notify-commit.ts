// What NOTIFY costs a committing transaction. Postgres serialises the commits of transactions that
// queued a notification (one global lock, held through the commit record's flush), and every submit
// and every completion notifies the queue channel; at 1,000 jobs/s that is 2,000 such commits a
// second. This measures, on one embedded Postgres, C concurrent clients committing a one-row INSERT
// with and without a `pg_notify` in the same transaction (a LISTEN connection attached, as the
// scheduler's is), and with the NOTIFY sent after the commit on its own, alternating, and reports
// the rate and the latency of the whole (BEGIN to the last answer).
//
//   npx tsx packages/scheduler/bench/notify-commit.ts [--clients 16] [--seconds 5] [--rounds 2] [--out <dir>: also writes <dir>/notify-commit.md]
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openBenchDatabase } from "./db.ts";
import { closedLoop, machineLine, rateRow, table } from "./stats.ts";

const { values: a } = parseArgs({ options: { clients: { type: "string", default: "16" }, seconds: { type: "string", default: "5" }, rounds: { type: "string", default: "2" }, out: { type: "string" } } });
const clients = Number(a.clients);
const seconds = Number(a.seconds);
const log = (m: string) => console.error(`[notify-commit] ${m}`);

const db = await openBenchDatabase(process.env.DATABASE_URL, log);
try {
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query("CREATE TABLE notify_bench (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload text)");
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  let heard = 0;
  listener.on("notification", () => void heard++);
  await listener.query("LISTEN notify_bench");
  const pool = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    }),
  );
  type TMode = "none" | "in-transaction" | "after-commit";
  const run = (mode: TMode) =>
    closedLoop(clients, seconds, async (i) => {
      const c = pool[i]!;
      await c.query("BEGIN");
      await c.query("INSERT INTO notify_bench (payload) VALUES ('x')");
      if (mode === "in-transaction") await c.query("SELECT pg_notify('notify_bench', '')");
      await c.query("COMMIT");
      // Its own transaction, which wrote no other WAL: its commit does not wait for a flush.
      if (mode === "after-commit") await c.query("SELECT pg_notify('notify_bench', '')");
    });
  const rows: string[][] = [];
  for (let r = 0; r < Number(a.rounds); r++) {
    for (const mode of ["none", "in-transaction", "after-commit"] as const) {
      const label = { none: "INSERT only", "in-transaction": "INSERT + pg_notify, one transaction (as shipped)", "after-commit": "INSERT, commit, then pg_notify on its own" }[mode];
      const row = rateRow(r + 1, label, await run(mode), seconds);
      rows.push(row);
      log(`round ${r + 1}, ${label}: ${row[2]}/s, p99 ${row[4]} ms`);
    }
  }
  const report = [
    table(["round", "transaction", "jobs/s", "p50 ms", "p99 ms", "max ms"], rows),
    "",
    `- ${clients} clients, ${seconds} s per row, one LISTEN connection (heard ${heard} notifications); ${db.where}; ${db.settings}; Postgres ${db.postgresVersion}.`,
    machineLine(),
  ].join("\n");
  console.log(report);
  if (a.out) await writeFile(path.join(a.out, "notify-commit.md"), `${report}\n`);
  await Promise.all([...pool, listener, admin].map((c) => c.end()));
} finally {
  await db.close();
}
