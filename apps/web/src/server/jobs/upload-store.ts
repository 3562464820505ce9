import { env } from "@/env";
import { db } from "@/server/db";
import type { UploadStore } from "./storage";
import { createUploadStore } from "./storage-select";

let store: UploadStore | undefined;
export function uploadStore(): UploadStore {
  const e = env();
  store ??= createUploadStore(e, db);
  return store;
}
