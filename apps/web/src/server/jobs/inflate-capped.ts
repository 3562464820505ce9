// Counts what a zlib (deflate) stream inflates to without holding it, and stops as soon as it passes
// a cap: how the upload check finds a compression bomb without becoming one.
import { createInflate } from "node:zlib";

/** Deflate never compresses better than about 1032:1, so `n` compressed bytes inflate to at most this. */
export const maxInflatedFrom = (compressedBytes: number) => compressedBytes * 1032 + 1024;

export type TInflated = { overCap: boolean; inflatedBytes: number; bytes: Buffer | null };

/**
 * Inflates `data` and counts the output, stopping past `capBytes`. With `keep`, the output (at most
 * the cap) is returned too. Damaged data ends the count where the damage is: whatever decoder meets
 * it later stops there as well.
 */
export function inflateCapped(data: Uint8Array, capBytes: number, keep = false): Promise<TInflated> {
  return new Promise((resolve) => {
    // Large output chunks: the count needs no small pieces, and each chunk is a trip through JS.
    const z = createInflate({ chunkSize: 1024 * 1024 });
    const kept: Buffer[] = [];
    let n = 0;
    let settled = false;
    const finish = (overCap: boolean) => {
      if (settled) return;
      settled = true;
      z.destroy();
      resolve({ overCap, inflatedBytes: n, bytes: keep && !overCap ? Buffer.concat(kept) : null });
    };
    z.on("data", (chunk: Buffer) => {
      n += chunk.length;
      if (n > capBytes) return finish(true);
      if (keep) kept.push(chunk);
    });
    z.on("end", () => finish(false));
    z.on("error", () => finish(false));
    z.end(data);
  });
}
