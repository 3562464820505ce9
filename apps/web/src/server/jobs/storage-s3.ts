// Uploads in an S3-compatible bucket, for operators who already run one (AWS S3, MinIO, Ceph RGW,
// R2). Credentials come from the AWS SDK's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web
// identity token, an instance role), never from Headroom's configuration.
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, NotFound, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { assertKey, isStorageKey, missing, readWhole, rechunk, type TStoreSource } from "./storage-bytes";
import type { TStoredFile, UploadStore } from "./storage";

export type TS3StoreConfig = {
  bucket: string;
  /** Prepended to every key ("uploads/"), so one bucket can hold other things too. */
  prefix: string;
  region: string;
  /** Set for anything that is not AWS (MinIO, Ceph): its URL. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle: boolean;
};

/** 8 MiB parts: S3's multipart minimum is 5 MiB; lib-storage sends a smaller file as one PUT. */
const PART_BYTES = 8 * 1024 * 1024;

export class S3UploadStore implements UploadStore {
  private readonly s3: S3Client;

  constructor(
    private readonly c: TS3StoreConfig,
    private readonly maxBytes = Number.MAX_SAFE_INTEGER,
    client?: S3Client,
  ) {
    this.s3 = client ?? new S3Client({ region: c.region, forcePathStyle: c.forcePathStyle, ...(c.endpoint && { endpoint: c.endpoint }), maxAttempts: 3 });
  }

  /** A multipart upload streams the source; an aborted or failed one leaves no object under the key. */
  async put(source: TStoreSource, given?: string): Promise<string> {
    const key = given ?? randomUUID();
    assertKey(key);
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.c.bucket, Key: this.objectKey(key), Body: Readable.from(rechunk(source, PART_BYTES, this.maxBytes)), ContentType: "application/octet-stream" },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    await upload.done();
    return key;
  }

  async get(key: string): Promise<Buffer> {
    return readWhole((await this.open(key)).body);
  }

  async open(key: string): Promise<TStoredFile> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.c.bucket, Key: this.objectKey(key) }));
      if (!(res.Body instanceof Readable) || res.ContentLength === undefined) throw new Error(`S3 GetObject for ${key} returned no stream or length`);
      return { sizeBytes: res.ContentLength, body: res.Body };
    } catch (err) {
      if (err instanceof NoSuchKey || err instanceof NotFound) throw missing(key);
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.c.bucket, Key: this.objectKey(key) }));
  }

  keys(): AsyncIterable<string> {
    return this.listed(() => true);
  }

  /** ListObjectsV2 pages (1,000 keys each) carry LastModified, so no request per object. */
  storedBefore(before: Date): AsyncIterable<string> {
    return this.listed((modified) => modified !== undefined && modified.getTime() < before.getTime());
  }

  private async *listed(keep: (lastModified: Date | undefined) => boolean): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.c.bucket, Prefix: this.c.prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const key = o.Key?.slice(this.c.prefix.length) ?? "";
        if (isStorageKey(key) && keep(o.LastModified)) yield key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private objectKey(key: string): string {
    assertKey(key);
    return `${this.c.prefix}${key}`;
  }
}
