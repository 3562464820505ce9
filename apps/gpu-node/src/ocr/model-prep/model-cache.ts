/**
 * The on-disk cache of prepared models (switches.modelCacheDir, HEADROOM_MODEL_CACHE): a runner
 * recycle reloads every model, and preparing one again costs up to a second (int8: cold 1,080 ms
 * against 580 ms cached, docs/bench-ocr.md). Each caller names its file after everything its output
 * depends on (the original's hash, the pass, its version), so a stale file is never read.
 */
import { access, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * `file` when it exists; else what `make` returns, written to `file` (through a temporary name, so a
 * concurrent reader never sees half a model) and returned as that path, or as bytes where the cache
 * cannot be written. `make` returning null (nothing to prepare) gives null, and nothing is written.
 */
export async function cachedModel(file: string, make: () => Uint8Array | null): Promise<{ source: string | Uint8Array; hit: boolean } | null> {
  try {
    await access(file);
    return { source: file, hit: true };
  } catch {
    // not cached yet
  }
  const bytes = make();
  if (!bytes) return null;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    return { source: file, hit: false };
  } catch {
    return { source: bytes, hit: false };
  }
}
