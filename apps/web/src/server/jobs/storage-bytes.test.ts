import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { assertKey, rechunk } from "./storage-bytes";

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return out;
}
async function* pieces(...sizes: number[]): AsyncIterable<Uint8Array> {
  let n = 0;
  for (const s of sizes) yield Uint8Array.from({ length: s }, () => n++ % 251);
}

describe("rechunk", () => {
  it.each([
    { name: "one small buffer", sizes: [5], chunk: 4, want: [4, 1] },
    { name: "pieces that straddle chunks", sizes: [3, 3, 3], chunk: 4, want: [4, 4, 1] },
    { name: "an exact multiple", sizes: [8], chunk: 4, want: [4, 4] },
    { name: "one piece of many chunks", sizes: [10], chunk: 3, want: [3, 3, 3, 1] },
    { name: "empty pieces", sizes: [0, 2, 0], chunk: 4, want: [2] },
    { name: "nothing at all", sizes: [], chunk: 4, want: [] },
  ])("$name: chunk sizes $want, bytes unchanged", async ({ sizes, chunk, want }) => {
    const got = await collect(rechunk(pieces(...sizes), chunk, 1_000));
    expect(got.map((c) => c.length)).toEqual(want);
    const all = Buffer.concat(got);
    expect([...all]).toEqual([...Buffer.concat(await collect(rechunk(pieces(...sizes), 1_000_000, 1_000)))]);
    expect(all.length).toBe(sizes.reduce((a, b) => a + b, 0));
  });

  it("stops with FILE_TOO_LARGE at the limit, before reading the rest of the source", async () => {
    let pulled = 0;
    async function* endless(): AsyncIterable<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(100);
      }
    }
    const err = await collect(rechunk(endless(), 64, 250)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("FILE_TOO_LARGE");
    expect(pulled).toBe(3);
  });

  it("keeps bytes a stream reuses after handing them over", async () => {
    const shared = new Uint8Array(3);
    async function* reusing(): AsyncIterable<Uint8Array> {
      for (const v of [1, 2]) {
        shared.fill(v);
        yield shared;
      }
    }
    const [c] = await collect(rechunk(reusing(), 100, 100));
    expect([...c!]).toEqual([1, 1, 1, 2, 2, 2]);
  });
});

describe("assertKey", () => {
  it.each(["../etc/passwd", "", "ABCDEF00-0000-0000-0000-000000000000", "0".repeat(36)])("refuses %j", (k) => {
    expect(() => assertKey(k)).toThrow(AppError);
  });
  it("accepts a generated key", () => {
    expect(() => assertKey("3f2b8c1e-5d7a-4e9b-8c2d-1a2b3c4d5e6f")).not.toThrow();
  });
});
