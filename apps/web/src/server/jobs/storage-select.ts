// The one store a replica uses, picked by HEADROOM_STORAGE (env.ts). Every store enforces the upload
// limit on what it is given, so a stream can never store more than an upload may be.
import path from "node:path";
import type { PrismaClient } from "@headroom/db";
import type { TEnv } from "@/env";
import type { UploadStore } from "./storage";
import { FsUploadStore } from "./storage-fs";
import { PostgresUploadStore } from "./storage-postgres";
import { S3UploadStore } from "./storage-s3";

type TStorageEnv = Pick<
  TEnv,
  "HEADROOM_STORAGE" | "HEADROOM_DATA_DIR" | "HEADROOM_UPLOAD_DIR" | "HEADROOM_MAX_UPLOAD_BYTES" | "HEADROOM_S3_BUCKET" | "HEADROOM_S3_PREFIX" | "HEADROOM_S3_REGION" | "HEADROOM_S3_ENDPOINT" | "HEADROOM_S3_FORCE_PATH_STYLE"
>;

export function createUploadStore(e: TStorageEnv, db: () => PrismaClient): UploadStore {
  const max = e.HEADROOM_MAX_UPLOAD_BYTES;
  switch (e.HEADROOM_STORAGE) {
    case "fs":
      return new FsUploadStore(e.HEADROOM_UPLOAD_DIR ?? path.join(e.HEADROOM_DATA_DIR, "uploads"), max);
    case "postgres":
      return new PostgresUploadStore(db(), max);
    case "s3":
      return new S3UploadStore(
        { bucket: e.HEADROOM_S3_BUCKET!, prefix: e.HEADROOM_S3_PREFIX, region: e.HEADROOM_S3_REGION, endpoint: e.HEADROOM_S3_ENDPOINT, forcePathStyle: e.HEADROOM_S3_FORCE_PATH_STYLE },
        max,
      );
  }
}
