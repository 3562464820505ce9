// Moving uploads between stores (HEADROOM_STORAGE fs -> postgres, postgres -> s3, ...): every file
// is copied under the key its job already names, streamed, and checked by size. Files already in the
// target are skipped, so an interrupted copy is simply run again.
import type { AppError } from "@headroom/protocol";
import type { UploadStore } from "./storage";

export type TCopyReport = { copied: number; skipped: number; bytes: number };

export async function copyStore(from: UploadStore, to: UploadStore, onFile: (key: string, sizeBytes: number) => void = () => {}): Promise<TCopyReport> {
  const report: TCopyReport = { copied: 0, skipped: 0, bytes: 0 };
  for await (const key of from.keys()) {
    if (await exists(to, key)) {
      report.skipped++;
      continue;
    }
    const file = await from.open(key);
    await to.put(file.body, key);
    const copied = await to.open(key);
    copied.body.destroy();
    if (copied.sizeBytes !== file.sizeBytes) throw new Error(`copy of ${key} has ${copied.sizeBytes} bytes, the source ${file.sizeBytes}`);
    report.copied++;
    report.bytes += file.sizeBytes;
    onFile(key, file.sizeBytes);
  }
  return report;
}

async function exists(store: UploadStore, key: string): Promise<boolean> {
  try {
    (await store.open(key)).body.destroy();
    return true;
  } catch (err) {
    if ((err as AppError).code === "NOT_FOUND") return false;
    throw err;
  }
}
