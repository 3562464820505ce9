// The orphan sweep against a real Postgres, with the disk store on a real directory and the Postgres
// store: a file no job names goes once it is older than the grace; a young one and one a job names stay.
import { utimes, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { useTestDatabase } from "@headroom/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UploadStore } from "../jobs/storage";
import { FsUploadStore } from "../jobs/storage-fs";
import { PostgresUploadStore } from "../jobs/storage-postgres";
import { ORPHAN_GRACE_MS } from "./orphans";
import { runRetention, sweepOrphans } from "./run";

const t = useTestDatabase();
const MIN = 60_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "retention-orphans-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jobFor(key: string) {
  await t.db.job.create({ data: { fileName: "a.png", mimeType: "image/png", sizeBytes: 5, sha256: "0".repeat(64), storageKey: key } });
}

const present = async (store: UploadStore, key: string) => store.get(key).then(() => true, () => false);

type TAger = (key: string, at: Date) => Promise<void>;
const cases: { name: string; make: () => { store: UploadStore; age: TAger } }[] = [
  {
    name: "disk store",
    make: () => ({
      store: new FsUploadStore(dir),
      age: (key, at) => utimes(path.join(dir, key), at, at),
    }),
  },
  {
    name: "Postgres store",
    make: () => ({
      store: new PostgresUploadStore(t.db),
      age: async (key, at) => void (await t.db.storedFile.update({ where: { key }, data: { createdAt: at } })),
    }),
  },
];

describe.each(cases)("orphan sweep, $name", ({ make }) => {
  it("removes only old files that no job names, and counts them", async () => {
    const { store, age } = make();
    const now = new Date();
    const old = new Date(now.getTime() - ORPHAN_GRACE_MS - 5 * MIN);
    const young = new Date(now.getTime() - ORPHAN_GRACE_MS + 5 * MIN);
    const oldOrphans = [await store.put(Buffer.from("o1")), await store.put(Buffer.from("o2")), await store.put(Buffer.from("o3"))];
    const youngOrphan = await store.put(Buffer.from("young"));
    const oldReferenced = await store.put(Buffer.from("kept"));
    await jobFor(oldReferenced);
    for (const k of [...oldOrphans, oldReferenced]) await age(k, old);
    await age(youngOrphan, young);

    // batchKeys 2: the candidates span several batches, each one query.
    const r = await runRetention(t.db, store, { now, batchKeys: 2 });
    expect(r.orphansRemoved).toBe(3);
    for (const k of oldOrphans) expect(await present(store, k)).toBe(false);
    expect(await present(store, youngOrphan)).toBe(true);
    expect(await present(store, oldReferenced)).toBe(true);

    // A second pass finds nothing; the young orphan goes once it is past the grace.
    expect((await runRetention(t.db, store, { now })).orphansRemoved).toBe(0);
    expect(await sweepOrphans(t.db, store, new Date(now.getTime() + ORPHAN_GRACE_MS))).toEqual([youngOrphan]);
    expect(await present(store, oldReferenced)).toBe(true);
  });
});

describe("orphan sweep, disk store's temp files", () => {
  it("never lists a half-written .tmp (sweepStaleTemp's job)", async () => {
    const store = new FsUploadStore(dir);
    const tmp = path.join(dir, ".3f2b8c1e-5d7a-4e9b-8c2d-1a2b3c4d5e6f.tmp");
    await writeFile(tmp, "half");
    const long = new Date(Date.now() - 2 * ORPHAN_GRACE_MS);
    await utimes(tmp, long, long);
    expect(await sweepOrphans(t.db, store, new Date())).toEqual([]);
    expect(await readdir(dir)).toContain(path.basename(tmp));
  });
});
