import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { limitedBody } from "./read-body";

/** A body that sends `chunks` pieces of `size` bytes, one every `everyMs`; `pulls` counts the reads. */
function trickle(chunks: number, size: number, everyMs: number, headers: Record<string, string> = {}) {
  const state = { sent: 0, pulls: 0 };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      state.pulls++;
      if (state.sent === chunks) return controller.close();
      await new Promise((r) => setTimeout(r, everyMs));
      state.sent++;
      controller.enqueue(new Uint8Array(size));
    },
  }, { highWaterMark: 0 });
  return { req: new Request("http://x/upload", { method: "POST", body, headers, duplex: "half" } as RequestInit), state };
}

const read = (s: ReadableStream<Uint8Array>) => new Response(s).arrayBuffer();

describe("limitedBody", () => {
  it("passes on a body that arrives within the time limit", async () => {
    expect((await read(limitedBody(trickle(3, 10, 5).req, 1000, 2000))).byteLength).toBe(30);
  });

  it("stops a trickling body at the time limit with UPLOAD_TIMEOUT (408)", async () => {
    const err = await read(limitedBody(trickle(1000, 1, 20).req, 1_000_000, 150)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("UPLOAD_TIMEOUT");
    expect((err as AppError).httpStatus).toBe(408);
  });

  it("refuses a body past the limit as it arrives (FILE_TOO_LARGE), reading no further", async () => {
    const t = trickle(10, 100, 1);
    const err = await read(limitedBody(t.req, 250, 5000)).catch((e: unknown) => e);
    expect((err as AppError).code).toBe("FILE_TOO_LARGE");
    expect(t.state.sent).toBe(3);
  });

  it("refuses a declared Content-Length over the limit before reading a byte", () => {
    const t = trickle(10, 100, 1, { "content-length": "1000" });
    expect(() => limitedBody(t.req, 250, 5000)).toThrow(expect.objectContaining({ code: "FILE_TOO_LARGE" }));
    expect(t.state.pulls).toBe(0);
  });

  it("reads the request only as fast as its reader takes the stream", async () => {
    const t = trickle(10, 100, 1);
    const reader = limitedBody(t.req, 5000, 5000).getReader();
    await new Promise((r) => setTimeout(r, 50));
    expect(t.state.pulls).toBe(0);
    await reader.read();
    expect(t.state.sent).toBe(1);
  });
});
