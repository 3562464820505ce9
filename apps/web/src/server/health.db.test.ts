import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPrismaClient } from "@headroom/db";
import { useTestDatabase } from "@headroom/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { health, resetShippedMigrations } from "./health";

const t = useTestDatabase();
const MIGRATIONS = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));
afterEach(() => resetShippedMigrations());

describe("health", () => {
  it("is ok on a database with every shipped migration applied", async () => {
    expect(await health(t.db, MIGRATIONS)).toEqual({ status: "ok", database: "ok", migrations: "applied" });
  });

  it("is degraded, naming them, while migrations this build ships are not applied", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "headroom-migrations-"));
    try {
      await mkdir(path.join(dir, "20991231000000_from_the_future"));
      expect(await health(t.db, dir)).toEqual({ status: "degraded", database: "ok", migrations: "pending", pending: ["20991231000000_from_the_future"] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is ok but says unknown where the build carries no migrations to compare with", async () => {
    expect(await health(t.db, "/nonexistent/migrations")).toEqual({ status: "ok", database: "ok", migrations: "unknown" });
  });

  it("is degraded when the database does not answer", async () => {
    const dead = createPrismaClient("postgresql://nobody:x@127.0.0.1:1/none");
    try {
      expect(await health(dead, MIGRATIONS)).toMatchObject({ status: "degraded", database: "unreachable" });
    } finally {
      await dead.$disconnect();
    }
  });
});
