import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { readBodyLimited } from "./read-body";

/** A body that sends `chunks` pieces of `size` bytes, one every `everyMs`. */
function trickle(chunks: number, size: number, everyMs: number): Request {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === chunks) return controller.close();
      await new Promise((r) => setTimeout(r, everyMs));
      sent++;
      controller.enqueue(new Uint8Array(size));
    },
  });
  return new Request("http://x/upload", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBodyLimited", () => {
  it("reads a body that arrives within the time limit", async () => {
    const buf = await readBodyLimited(trickle(3, 10, 5), 1000, 2000);
    expect(buf.length).toBe(30);
  });

  it("stops a trickling body at the time limit with UPLOAD_TIMEOUT (408)", async () => {
    const err = await readBodyLimited(trickle(1000, 1, 20), 1_000_000, 150).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("UPLOAD_TIMEOUT");
    expect((err as AppError).httpStatus).toBe(408);
  });

  it("still refuses an oversized body before the time limit", async () => {
    const err = await readBodyLimited(trickle(10, 100, 1), 250, 5000).catch((e: unknown) => e);
    expect((err as AppError).code).toBe("FILE_TOO_LARGE");
  });
});
