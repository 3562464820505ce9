// `tsx packages/scheduler/src/main.ts`: the scheduler as its own process, as `npm start` runs it.
import { createPrismaClient } from "@headroom/db";
import { PgListener } from "@headroom/db/listener";
import { z } from "zod";
import { startSchedulerLoop } from "./loop.ts";

const env = z
  .object({ DATABASE_URL: z.string().min(1), HEADROOM_NODE_OFFLINE_MS: z.coerce.number().int().positive().default(15_000) })
  .parse(process.env);

const db = createPrismaClient(env.DATABASE_URL);
const listener = new PgListener(env.DATABASE_URL);
let lastError = "";
const loop = startSchedulerLoop(db, {
  nodeOfflineMs: env.HEADROOM_NODE_OFFLINE_MS,
  listener,
  onTick: (r) => {
    if (r.placed || r.expired || r.offline) console.log(JSON.stringify({ service: "scheduler", msg: "tick", ...r }));
    lastError = "";
  },
  onError: (err) => {
    const msg = err instanceof Error ? err.message : String(err);
    if (msg !== lastError) console.error(JSON.stringify({ service: "scheduler", level: "error", msg }));
    lastError = msg;
  },
});

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    void loop.stop().then(() => Promise.all([db.$disconnect(), listener.close()])).finally(() => process.exit(0));
  });
}
