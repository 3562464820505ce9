// `npm run seed:history`: a realistic week of history for the dashboard benchmark and for trying
// the UI at scale: 100,000 jobs over 7 days on 8 nodes, and one memory sample every 5 s per node
// for 7 days (8 × 120,960 ≈ 968k rows), plus cleanups and sweeps (one node leaking ~80 MiB/h).
//
//   npm run seed:history -- --database-url postgresql://…   (or DATABASE_URL=…)
//   npm run seed:history                                    (an embedded Postgres in a temp dir, kept)
//
// Every row is made inside Postgres by INSERT … SELECT generate_series, so nothing crosses the wire
// but the statements. Re-running replaces the previous seed (nodes named seed-gpu-*, jobs whose
// storageKey starts with seed-).
import { chmod, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { migrate, startDatabase } from "@headroom/db/bootstrap";

export type TSeedOptions = { jobs: number; nodes: number; days: number; sampleEveryS: number; nowMs: number; log?: (msg: string) => void };
export const SEED_DEFAULTS: Omit<TSeedOptions, "nowMs"> = { jobs: 100_000, nodes: 8, days: 7, sampleEveryS: 5 };

/** Words the fake OCR text is drawn from; "zanzibar" is put in about one job in a thousand, for a selective search. */
const WORDS = [
  "invoice", "total", "amount", "due", "date", "customer", "receipt", "payment", "order", "number", "tax", "vat", "net", "gross",
  "shipping", "address", "street", "city", "phone", "email", "account", "balance", "credit", "debit", "bank", "transfer", "reference",
  "item", "quantity", "price", "discount", "subtotal", "thank", "you", "page", "signature", "contract", "agreement", "party", "terms",
  "delivery", "product", "service", "hours", "rate", "report", "summary", "annual", "quarter", "march", "april", "2026", "2025", "eur", "usd",
];

export async function seedHistory(url: string, o: TSeedOptions): Promise<{ jobs: number; samples: number; events: number; nodeIds: string[] }> {
  const log = o.log ?? (() => {});
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const now = new Date(o.nowMs).toISOString();
    const spanS = o.days * 86_400;
    await c.query(`DELETE FROM "Job" WHERE "storageKey" LIKE 'seed-%'`);
    await c.query(`DELETE FROM "Node" WHERE "name" LIKE 'seed-gpu-%'`); // samples and events cascade

    const nodes = await c.query<{ id: string }>(
      `INSERT INTO "Node" ("id", "name", "hostname", "kind", "gpuIndex", "gpuName", "provider", "tokenHash", "status", "totalMiB", "usedMiB", "freeMiB", "maxConcurrent", "lastHeartbeatAt")
       SELECT gen_random_uuid(), 'seed-gpu-' || g, 'seed-host-' || (g / 4), 'GPU', g % 4, 'NVIDIA H100 80GB HBM3', 'webgpu', 'seed-' || gen_random_uuid(), 'OFFLINE', 81559, 0, 81559, 2, NULL
       FROM generate_series(0, $1::int - 1) AS g ORDER BY g RETURNING "id"`,
      [o.nodes],
    );
    const nodeIds = nodes.rows.map((r) => r.id);
    log(`nodes: ${nodeIds.length}`);

    // Jobs: evenly spread over the window, newest first by i. 90 % images, 10 % PDFs; 93 % succeeded.
    let t = performance.now();
    await c.query(
      `INSERT INTO "Job" ("id", "status", "fileName", "mimeType", "sizeBytes", "sha256", "widthPx", "heightPx", "pages", "storageKey", "nodeId", "attempt",
                          "predictedPeakMiB", "observedPeakMiB", "memBeforeMiB", "memAfterMiB", "text", "errorCode", "errorMessage", "createdAt", "placedAt", "startedAt", "finishedAt", "runAfter")
       SELECT gen_random_uuid(), s.status::"JobStatus",
              CASE WHEN s.pdf THEN 'contract-' || i || '.pdf' ELSE 'scan-' || lpad(i::text, 6, '0') || '.png' END,
              CASE WHEN s.pdf THEN 'application/pdf' ELSE 'image/png' END,
              20000 + (i * 7919) % 3000000, md5(i::text) || md5((i + 1)::text), 1240 + (i % 5) * 200, 1754 + (i % 3) * 300,
              CASE WHEN s.pdf THEN 1 + i % 12 ELSE 1 END, 'seed-' || gen_random_uuid(), n.ids[1 + i % $3::int], 1,
              800 + (i * 37) % 4000, s.peak, 2000 + (i * 13) % 20000, 2100 + (i * 17) % 20000,
              CASE WHEN s.status = 'SUCCEEDED' THEN
                (SELECT string_agg(w.words[1 + ((i * 31 + k * 7919) % array_length(w.words, 1))], ' ') FROM generate_series(1, 20 + i % 60) AS k)
                || CASE WHEN i % 1000 = 7 THEN ' zanzibar' ELSE '' END
              END,
              CASE WHEN s.status = 'FAILED' THEN 'GPU_OOM' END, CASE WHEN s.status = 'FAILED' THEN 'out of memory' END,
              s.created, s.created + interval '200 milliseconds', s.created + interval '500 milliseconds',
              CASE WHEN s.status IN ('SUCCEEDED', 'FAILED') THEN s.created + interval '500 milliseconds' + ((300 + (i * 7907) % 20000) * interval '1 millisecond') END,
              s.created
       FROM generate_series(0, $1::int - 1) AS i
       CROSS JOIN (SELECT $4::text[] AS words) AS w
       CROSS JOIN (SELECT $5::uuid[] AS ids) AS n
       CROSS JOIN LATERAL (SELECT
           i % 10 = 3 AS pdf,
           CASE WHEN i % 50 = 1 THEN 'FAILED' WHEN i % 100 = 2 THEN 'CANCELED' ELSE 'SUCCEEDED' END AS status,
           1500 + (i * 53) % 9000 AS peak,
           $2::timestamp - (i * ($6::float8 / $1::int)) * interval '1 second' AS created) AS s`,
      [o.jobs, now, o.nodes, WORDS, nodeIds, spanS],
    );
    log(`jobs: ${o.jobs} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // Samples: a slow daily wave plus a sawtooth that a cleanup resets every 10 min, per node.
    t = performance.now();
    const perNode = Math.floor(spanS / o.sampleEveryS);
    for (const [k, id] of nodeIds.entries()) {
      await c.query(
        `INSERT INTO "MemorySample" ("nodeId", "at", "usedMiB", "totalMiB", "processMiB", "utilPct")
         SELECT $1::uuid, $2::timestamp - (i * $3::int) * interval '1 second',
                least(81559, 6000 + $5::int * 900 + ((sin(i / 2000.0 + $5::int) + 1) * 15000)::int + (i % 120) * 250 + (i * 7919) % 700),
                81559, 4000 + (i % 120) * 200, ((i * 13) % 100)::float8
         FROM generate_series(0, $4::int - 1) AS i`,
        [id, now, o.sampleEveryS, perNode, k],
      );
    }
    log(`samples: ${perNode * nodeIds.length} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // Cleanups every 10 min and sweeps every 30 min; node 0's memory after cleanup climbs ~80 MiB/h.
    const cleanups = Math.floor(spanS / 600);
    const ev = await c.query(
      `INSERT INTO "NodeEvent" ("nodeId", "type", "beforeMiB", "afterMiB", "freedMiB", "createdAt")
       SELECT n.id, CASE WHEN i % 3 = 0 THEN 'sweep' ELSE 'cleanup' END, a.after + 24000, a.after, 24000, $2::timestamp - (i * 600 + n.k * 7) * interval '1 second'
       FROM unnest($1::uuid[]) WITH ORDINALITY AS n(id, k)
       CROSS JOIN generate_series(0, $3::int - 1) AS i
       CROSS JOIN LATERAL (SELECT CASE WHEN n.k = 1 THEN 30000 - (i * 80 / 6) ELSE 6000 + (i * 7919) % 400 END AS after) AS a`,
      [nodeIds, now, cleanups],
    );
    await c.query(`ANALYZE "Job"; ANALYZE "MemorySample"; ANALYZE "NodeEvent"`);
    return { jobs: o.jobs, samples: perNode * nodeIds.length, events: ev.rowCount ?? 0, nodeIds };
  } finally {
    await c.end();
  }
}

/** DATABASE_URL/--database-url, or a fresh embedded Postgres under a temp dir (migrated). */
export async function databaseFor(urlArg: string | undefined, log: (msg: string) => void): Promise<{ url: string; stop: () => Promise<void>; dataDir: string | null }> {
  if (urlArg) return { url: urlArg, stop: async () => {}, dataDir: null };
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "headroom-bench-"));
  // mkdtemp makes it 0700; Postgres runs as its own user when we are root and must reach its data dir.
  await chmod(dataDir, 0o755);
  const db = await startDatabase({ dataDir, log: (m) => (/ERROR|FATAL/.test(m) ? log(m.trimEnd()) : undefined) });
  await migrate(db.url);
  log(`embedded Postgres in ${dataDir}`);
  return { url: db.url, stop: db.stop, dataDir };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "database-url": { type: "string" }, jobs: { type: "string" }, keep: { type: "boolean" } } });
  const log = (m: string) => console.log(`[seed] ${m}`);
  const db = await databaseFor(values["database-url"] ?? process.env.DATABASE_URL, log);
  try {
    const out = await seedHistory(db.url, { ...SEED_DEFAULTS, jobs: values.jobs ? Number(values.jobs) : SEED_DEFAULTS.jobs, nowMs: Date.now(), log });
    log(`done: ${out.jobs} jobs, ${out.samples} samples, ${out.events} node events`);
    if (db.dataDir) log(`the embedded server stops now; its data stays in ${db.dataDir}`);
  } finally {
    await db.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
