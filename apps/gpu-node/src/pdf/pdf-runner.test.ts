// A PDF through the runner's real child process: the page options travel in the child's config,
// pdf.js runs inside the child, and bad PDFs come back as INVALID_INPUT without killing it.
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { Runner, RunnerError } from "../runner/runner.ts";
import { encryptedPdf, textPdf } from "./test-pdfs.ts";

const runner = new Runner({ config: { providers: ["cpu"], threads: 2, pdfDpi: 100, maxPages: 2 }, log: pino({ level: "silent" }) });
afterAll(() => runner.stop());

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof RunnerError ? e.code : String(e)));

describe("PDF through the runner child (CPU)", { timeout: 120_000 }, () => {
  it("reads each page at the configured DPI; refuses over the configured cap and encrypted PDFs as INVALID_INPUT", async () => {
    const ready = await runner.start();
    const r = await runner.recognize(await textPdf([["Runner page one"], ["Runner page two"]]), { timeoutMs: 60_000 });
    // US Letter at 100 DPI
    expect(r.pages.map((p) => [p.page, p.widthPx, p.heightPx, p.text])).toEqual([
      [1, 850, 1100, "Runner page one"],
      [2, 850, 1100, "Runner page two"],
    ]);
    expect(await codeOf(runner.recognize(await textPdf([["1"], ["2"], ["3"]]), { timeoutMs: 60_000 }))).toBe("INVALID_INPUT");
    expect(await codeOf(runner.recognize(await encryptedPdf(), { timeoutMs: 60_000 }))).toBe("INVALID_INPUT");
    expect(runner.pid).toBe(ready.pid);
  });
});
