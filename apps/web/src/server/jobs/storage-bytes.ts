// The byte plumbing every store shares: key checks, the errors a store raises, and regrouping a
// stream into fixed-size chunks under the upload limit.
import { AppError } from "@headroom/protocol";

/** What put() accepts: a whole buffer, or any stream of bytes (a request body, a file, a store's body). */
export type TStoreSource = Buffer | Uint8Array | AsyncIterable<Uint8Array>;

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keys are ours (randomUUID); anything else is a bug or tampering, never a path to follow. */
export function assertKey(key: string): void {
  if (!KEY.test(key)) throw new AppError("INVALID_INPUT", `bad storage key ${JSON.stringify(key.slice(0, 64))}`);
}

export function isStorageKey(key: string): boolean {
  return KEY.test(key);
}

export function missing(key: string): AppError {
  return new AppError("NOT_FOUND", `stored file ${key} is missing`);
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError("FILE_TOO_LARGE", `File exceeds the ${maxBytes}-byte upload limit`);
}

/** The source as a stream of byte arrays, whatever it was given as. */
/** A stored file's whole body in memory: get() for stores that stream (open() is what they serve). */
export async function readWhole(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
  return Buffer.concat(parts);
}

export async function* bytesOf(source: TStoreSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const part of source) yield part;
}

/**
 * Regroups a byte stream into chunks of exactly `chunkBytes` (the last one shorter), counting the
 * total against `maxBytes` as it goes, so an oversized upload stops at the limit rather than at its end.
 */
export async function* rechunk(source: TStoreSource, chunkBytes: number, maxBytes: number): AsyncIterable<Buffer> {
  let parts: Buffer[] = [];
  let pending = 0;
  let total = 0;
  for await (const raw of bytesOf(source)) {
    let part = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    total += part.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    while (pending + part.length >= chunkBytes) {
      const take = chunkBytes - pending;
      parts.push(part.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      pending = 0;
      part = part.subarray(take);
    }
    if (part.length > 0) {
      // Copied: a stream may reuse the buffer it handed us once we ask for the next one.
      parts.push(Buffer.from(part));
      pending += part.length;
    }
  }
  if (pending > 0) yield Buffer.concat(parts);
}
