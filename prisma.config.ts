// Prisma 7 CLI configuration. Here migrations run through the WebAssembly engine
// (`npm run db:migrate`, packages/db); this file lets `prisma migrate deploy` apply the same
// committed migrations wherever the native schema engine is available.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Read lazily so that commands needing no database (e.g. `prisma generate`) work without it.
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
