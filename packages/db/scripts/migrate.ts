// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL, or to the embedded Postgres
// under <repo>/.data (the one `npm start` uses, started and stopped around the run).
import path from "node:path";
import { migrate, startDatabase } from "../src/bootstrap.ts";
import { repoRoot } from "../src/schema-engine.ts";

const db = await startDatabase({
  dataDir: path.join(repoRoot, ".data"),
  databaseUrl: process.env.DATABASE_URL || undefined,
  log: (msg) => process.env.DEBUG && console.error(`[postgres] ${msg}`),
});
try {
  const { applied } = await migrate(db.url);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
} finally {
  await db.stop();
}
