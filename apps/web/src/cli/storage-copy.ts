// `npm run -w @headroom/web storage:copy -- --from fs --to postgres`: copies every upload from one
// store to another under the same keys (see README, "Moving uploads between stores"). Both stores
// are configured by the usual variables (HEADROOM_UPLOAD_DIR, HEADROOM_S3_*, DATABASE_URL).
import { parseArgs } from "node:util";
import { z } from "zod";
import { env } from "@/env";
import { db } from "@/server/db";
import { copyStore } from "@/server/jobs/storage-copy";
import { createUploadStore } from "@/server/jobs/storage-select";

const ZKind = z.enum(["fs", "postgres", "s3"]);
const { values } = parseArgs({ options: { from: { type: "string" }, to: { type: "string" } } });
const from = ZKind.safeParse(values.from);
const to = ZKind.safeParse(values.to);
if (!from.success || !to.success || from.data === to.data) {
  process.stderr.write("usage: storage:copy --from fs|postgres|s3 --to fs|postgres|s3 (two different stores)\n");
  process.exit(2);
}
const e = env();
const report = await copyStore(createUploadStore({ ...e, HEADROOM_STORAGE: from.data }, db), createUploadStore({ ...e, HEADROOM_STORAGE: to.data }, db), (key, size) =>
  process.stdout.write(`copied ${key} (${size} bytes)\n`),
);
process.stdout.write(`${report.copied} copied (${report.bytes} bytes), ${report.skipped} already there\n`);
await db().$disconnect();
