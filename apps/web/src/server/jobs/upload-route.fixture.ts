// The real POST /api/v1/jobs handler for a test file: its environment (a test database, files on
// disk in a temp dir, and the file's own settings), the app's one client set to the file's test
// database, fresh API keys, and a small PNG to send.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PrismaClient } from "@headroom/db";
import sharp from "sharp";
import { afterAll, beforeAll } from "vitest";
import { generateApiKey } from "../auth/secrets";

type TPost = (req: Request, ctx: object) => Promise<Response>;

export function useUploadRoute(t: { db: PrismaClient; url: string }, env: Record<string, string>) {
  const state = { dir: "", png: Buffer.alloc(0), post: null as TPost | null };

  beforeAll(async () => {
    state.dir = await mkdtemp(path.join(tmpdir(), "headroom-upload-route-"));
    Object.assign(process.env, { DATABASE_URL: t.url, HEADROOM_ENROLL_TOKEN: "upload-route-enrolment-token-0123", HEADROOM_STORAGE: "fs", HEADROOM_UPLOAD_DIR: state.dir, LOG_LEVEL: "silent", ...env });
    (globalThis as { headroomDb?: unknown }).headroomDb = t.db;
    state.png = await sharp({ create: { width: 48, height: 24, channels: 3, background: "#ffffff" } }).png().toBuffer();
    state.post = ((await import("../../app/api/v1/jobs/route")) as unknown as { POST: TPost }).POST;
  });

  afterAll(async () => {
    delete (globalThis as { headroomDb?: unknown }).headroomDb;
    await rm(state.dir, { recursive: true, force: true });
  });

  return {
    POST: (req: Request) => state.post!(req, {}),
    /** The upload directory (HEADROOM_STORAGE=fs). */
    dir: () => state.dir,
    png: () => state.png,
    /** A fresh viewer API key, so that no per-key limit of another test is in the way. */
    async apiKey(): Promise<string> {
      const { key, prefix, hash } = generateApiKey();
      await t.db.apiKey.create({ data: { name: "upload-route", prefix, keyHash: hash, role: "VIEWER" } });
      return key;
    },
  };
}
