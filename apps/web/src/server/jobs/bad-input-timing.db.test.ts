// The timing case of the bad-input zoo, in its own file because its server runs with a short
// decode time limit (the zoo's other cases are checked under the default-like 10 s one): a valid
// image that takes long to decode gets 422 DECODE_TIMEOUT, while a small image is still accepted.
import { useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ZOO } from "./bad-input-cases";
import { useZooServer } from "./bad-input-test-server";

// 250 ms: a 50 × 20 PNG is checked in a few ms even on a busy 2-core machine, and the 36-megapixel
// interlaced PNG takes 560 ms on the idle 2-core dev machine and seconds on a busy one (a 16-megapixel
// one took 250–262 ms idle, right at the limit, and once passed it in CI). The pixel limit is the
// default 40 megapixels, so that the image is refused for its time alone.
const t = useTestDatabase();
const zoo = useZooServer(() => t, { decodeTimeoutMs: 250, maxPixels: 40_000_000 });

describe("POST /api/v1/jobs under a decode time limit", () => {
  it.each(ZOO.filter((c) => c.timing).map((c) => [c.kind, c] as const))("%s", async (_title, c) => {
    const before = await zoo.snapshot();
    const answer = await zoo.send(await c.request());
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: c.status, code: c.code });
    expect(answer.body.error!.message).toMatch(c.message);
    expect(await zoo.snapshot()).toEqual(before);
    // The limit is not a blanket refusal: a small image right after is accepted.
    const small = await sharp({ create: { width: 50, height: 20, channels: 3, background: "#fff" } }).png().toBuffer();
    expect((await zoo.send({ parts: [{ field: "file", name: "small.png", type: "image/png", bytes: small }] })).status).toBe(201);
  });
});
