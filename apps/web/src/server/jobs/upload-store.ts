import path from "node:path";
import { env } from "@/env";
import { UploadStore } from "./storage";

let store: UploadStore | undefined;
export function uploadStore(): UploadStore {
  const e = env();
  store ??= new UploadStore(e.HEADROOM_UPLOAD_DIR ?? path.join(e.HEADROOM_DATA_DIR, "uploads"));
  return store;
}
