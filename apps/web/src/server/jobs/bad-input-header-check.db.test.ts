// The bad-input zoo with HEADROOM_UPLOAD_CHECK=header: every case is refused as with the full decode
// (the same status, code and message, nothing stored or touched), since none of them needs the
// decode to be found. What the header check does let through is an image whose pixel data alone is
// damaged: that is queued, and the node fails it as INVALID_INPUT (gpu-node's image/decode.test.ts
// and the runner's input-error mapping).
import { randomBytes } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ZOO } from "./bad-input-cases";
import { useZooServer } from "./bad-input-test-server";

const t = useTestDatabase();
const zoo = useZooServer(() => t, { decodeTimeoutMs: 10_000, imageCheck: "header" });

describe("POST /api/v1/jobs with the header check", () => {
  it.each(ZOO.filter((c) => !c.timing && !c.custom).map((c) => [`${c.group}: ${c.kind}`, c] as const))("still refuses %s", async (_title, c) => {
    await zoo.expectRefused(c);
  });

  it("queues a PNG cut in its image data for the node to decode, with its header's size", async () => {
    const whole = await sharp(randomBytes(300 * 200 * 3), { raw: { width: 300, height: 200, channels: 3 } }).png().toBuffer();
    const answer = await zoo.send({ parts: [{ field: "file", name: "cut.png", type: "image/png", bytes: whole.subarray(0, Math.floor(whole.length * 0.9)) }] });
    expect(answer.status).toBe(201);
    const job = await t.db.job.findUniqueOrThrow({ where: { id: answer.body.jobs![0]!.id } });
    expect(job).toMatchObject({ status: "QUEUED", widthPx: 300, heightPx: 200 });
  });
});
