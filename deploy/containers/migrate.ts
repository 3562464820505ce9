// The migration Job's entry (bundled to /app/bin/migrate.mjs in the control-plane image): applies
// prisma/migrations and makes sure the admin, the first API key and the fleet settings row exist,
// the same steps `npm start` takes before it starts the web app. Safe to run again at every upgrade.
import { createPrismaClient } from "@headroom/db";
import { migrate } from "@headroom/db/bootstrap";
import { z } from "zod";
import { ensureBootstrapCredentials } from "../../apps/web/src/server/auth/bootstrap.ts";

const ZMigrateEnv = z.object({
  DATABASE_URL: z.string().min(1),
  HEADROOM_ADMIN_EMAIL: z.string().email(),
  HEADROOM_ADMIN_PASSWORD: z.string().min(8, "must have at least 8 characters"),
  HEADROOM_API_KEY: z.string().min(16, "must have at least 16 characters"),
  /** Where the image keeps prisma/migrations (set in its environment); bundled, the package's own default points nowhere. */
  HEADROOM_MIGRATIONS_DIR: z.string().min(1).optional(),
});

const parsed = ZMigrateEnv.safeParse(process.env);
if (!parsed.success) {
  process.stderr.write(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}\n`);
  process.exit(2);
}
const env = parsed.data;
const { applied } = await migrate(env.DATABASE_URL, env.HEADROOM_MIGRATIONS_DIR ? { migrationsDir: env.HEADROOM_MIGRATIONS_DIR } : {});
console.log(JSON.stringify({ service: "migrate", msg: applied.length ? "applied migrations" : "schema up to date", applied }));
const db = createPrismaClient(env.DATABASE_URL);
try {
  await ensureBootstrapCredentials(db, { adminEmail: env.HEADROOM_ADMIN_EMAIL, adminPassword: env.HEADROOM_ADMIN_PASSWORD, apiKey: env.HEADROOM_API_KEY });
  await db.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
  console.log(JSON.stringify({ service: "migrate", msg: "admin, API key and fleet settings in place" }));
} finally {
  await db.$disconnect();
}
