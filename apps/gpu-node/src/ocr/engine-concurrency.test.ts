/**
 * Several jobs in flight in one engine (the multi-job runner): crops on worker threads, lines of every
 * page sharing rec batches. The real models on the CPU; each job must read exactly what it reads alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPng } from "../../test-fixtures/render-text.ts";
import { createOcrEngine, type OcrEngine } from "./index.ts";

const DOCS = [
  ["Invoice 2026-0042", "Total due 1,234.50 EUR", "Pay within 30 days"],
  ["Headroom keeps every GPU alive", "one runner, many jobs"],
  ["GST 6% 12.40", "CASH 100.00", "CHANGE 3.60", "Thank you"],
  ["Memory headroom first", "then the queue age", "and priority last"],
];
let serial: OcrEngine;
let parallel: OcrEngine;
let images: Buffer[];

beforeAll(async () => {
  serial = (await createOcrEngine({ providers: ["cpu"], threads: 1, maxJobs: 1, cropWorkers: 0 })).engine;
  parallel = (await createOcrEngine({ providers: ["cpu"], threads: 1, maxJobs: 3, cropWorkers: 2 })).engine;
  images = await Promise.all(DOCS.map((lines) => renderPng(lines.map((text) => ({ text, sizePx: 36 })))));
}, 60_000);
afterAll(async () => Promise.all([serial?.release(), parallel?.release()]));

describe("an engine with several jobs in flight (real models, CPU)", { timeout: 60_000 }, () => {
  it("reads every job as it reads it alone, with crops on worker threads", async () => {
    const alone = [];
    for (const img of images) alone.push((await serial.recognize(img)).text);
    expect(alone).toEqual(DOCS.map((d) => d.join("\n")));
    const together = await Promise.all([...images, ...images].map((img) => parallel.recognize(img)));
    expect(together.map((r) => r.text)).toEqual([...alone, ...alone]);
  });

  it("fails only the job that was aborted", async () => {
    const ac = new AbortController();
    const gone = parallel.recognize(images[0]!, { signal: ac.signal });
    const kept = parallel.recognize(images[1]!);
    ac.abort(new Error("canceled by the test"));
    await expect(gone).rejects.toThrow("canceled by the test");
    expect((await kept).text).toBe(DOCS[1]!.join("\n"));
  });
});
