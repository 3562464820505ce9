// `npm run -w @headroom/scheduler-app start` (tsx src/main.ts): the scheduler as its own process, as
// `npm start` runs it. The loop and the queue writes are @headroom/scheduler's; this is the process
// around them: configuration, a database client and a LISTEN connection, logs, and a clean stop.
import { createPrismaClient } from "@headroom/db";
import { PgListener } from "@headroom/db/listener";
import { startSchedulerLoop } from "@headroom/scheduler";
import { env } from "./env.ts";
import { logger } from "./logger.ts";

const config = env();
const log = logger();
const db = createPrismaClient(config.DATABASE_URL, { preparedStatements: config.HEADROOM_DB_PREPARED_STATEMENTS, directQueries: config.HEADROOM_DB_DIRECT_QUERIES });
const listener = new PgListener(config.DATABASE_URL);
// The same error every tick (the database down) is logged once, not ten times a second.
let lastError = "";
const loop = startSchedulerLoop(db, {
  nodeOfflineMs: config.HEADROOM_NODE_OFFLINE_MS,
  listener,
  onTick: (r) => {
    if (r.placed || r.expired || r.offline) log.info(r, "tick");
    lastError = "";
  },
  onError: (err) => {
    const msg = err instanceof Error ? err.message : String(err);
    if (msg !== lastError) log.error({ err }, "tick failed");
    lastError = msg;
  },
});
log.info({ nodeOfflineMs: config.HEADROOM_NODE_OFFLINE_MS }, "scheduler started");

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    log.info({ signal: sig }, "stopping");
    void loop
      .stop()
      .then(() => Promise.all([db.$disconnect(), listener.close()]))
      .finally(() => process.exit(0));
  });
}
