// Where uploaded files live: HEADROOM_STORAGE picks one store for the replica (storage-select.ts).
// Every store hands out generated keys (a UUID; a name never comes from the client), streams in and
// out, refuses a file past the upload limit, and never serves a file that was not written whole.
import type { Readable } from "node:stream";
import { FsUploadStore } from "./storage-fs";

export type { TStoreSource } from "./storage-bytes";
import type { TStoreSource } from "./storage-bytes";

/** A stored file opened for reading: its size up front (for content-length) and its bytes as a stream. */
export type TStoredFile = { sizeBytes: number; body: Readable };

export interface UploadStore {
  /**
   * Stores the bytes under a new key, all or nothing: a failure leaves no readable file behind.
   * `key` is only for copying a file between stores under the key its job already names.
   */
  put(source: TStoreSource, key?: string): Promise<string>;
  /** The whole file in memory, for callers that need it whole anyway (page previews). */
  get(key: string): Promise<Buffer>;
  /** The file as a stream, without holding it whole (the agents' file download). */
  open(key: string): Promise<TStoredFile>;
  /** Removes the file; removing a missing key is not an error. */
  remove(key: string): Promise<void>;
  /** Every complete file's key, for moving files between stores (storage-copy.ts). */
  keys(): AsyncIterable<string>;
  /**
   * Keys of the complete files stored before `before` (the retention's orphan sweep): the disk
   * store's mtime, Postgres's createdAt, S3's LastModified. Half-written files are not listed.
   */
  storedBefore(before: Date): AsyncIterable<string>;
}

/**
 * `new UploadStore(dir)` is the disk store (storage-fs.ts), the one that tests and single-machine
 * callers construct directly; anything else gets its store from storage-select.ts.
 */
export const UploadStore = FsUploadStore;
