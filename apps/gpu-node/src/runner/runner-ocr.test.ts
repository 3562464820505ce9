// The runner with its real child (src/runner/child.ts) and the real OCR engine on the CPU provider:
// the model loads once in the child, answers over IPC, and bad bytes come back as INVALID_INPUT.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { renderPng } from "../../test-fixtures/render-text.ts";
import { DEFAULT_OCR_SWITCHES } from "../ocr/switches.ts";
import { parseVmRssMiB } from "../telemetry/host-memory.ts";
import { Runner, RunnerError } from "./runner.ts";

const runner = new Runner({ config: { providers: ["bogus", "cpu"], threads: 2 }, log: pino({ level: "silent" }) });
afterAll(() => runner.stop());

const rssMiB = async (pid: number) => parseVmRssMiB(await readFile(`/proc/${pid}/status`, "utf8")) ?? 0;

describe("Runner with the real OCR child (CPU)", { timeout: 120_000 }, () => {
  it("loads the model once, reports provider notes, and recognises text", async () => {
    const ready = await runner.start();
    expect(ready.provider).toBe("cpu");
    expect(ready.model).toBe("pp-ocrv4");
    expect(ready.providerNotes).toEqual([expect.objectContaining({ provider: "bogus", ok: false }), { provider: "cpu", ok: true }]);
    const png = await renderPng([{ text: "Headroom runner 42", sizePx: 40 }]);
    const r = await runner.recognize(png, { timeoutMs: 60_000 });
    expect(r.text).toBe("Headroom runner 42");
    expect(r.provider).toBe("cpu");
    // The model lives in the child, not in this process.
    expect(await rssMiB(ready.pid)).toBeGreaterThan(50);
  });

  it("undecodable bytes fail as INVALID_INPUT and the same child keeps serving", async () => {
    const pid = runner.pid;
    const err = await runner.recognize(Buffer.from("definitely not an image"), { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnerError);
    expect((err as RunnerError).code).toBe("INVALID_INPUT");
    const png = await renderPng([{ text: "still here", sizePx: 40 }]);
    expect((await runner.recognize(png, { timeoutMs: 60_000 })).text).toBe("still here");
    expect(runner.pid).toBe(pid);
  });

  it("recycle gives a fresh child with the model loaded again", async () => {
    const before = runner.pid!;
    const { unavailableMs, ready } = await runner.recycle();
    expect(ready.pid).not.toBe(before);
    expect(unavailableMs).toBeGreaterThan(0);
    const png = await renderPng([{ text: "after recycle", sizePx: 40 }]);
    expect((await runner.recognize(png, { timeoutMs: 60_000 })).text).toBe("after recycle");
  });

  it("the child uses the OCR switches from its config, not its environment", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "runner-switches-"));
    const own = new Runner({ config: { providers: ["cpu"], threads: 2, ocrSwitches: { ...DEFAULT_OCR_SWITCHES, modelCacheDir: dir } }, log: pino({ level: "silent" }), keepSpare: false });
    try {
      await own.start();
      // The default manifest runs rec int8 on the CPU; its quantized model is cached where the config says.
      expect((await readdir(dir)).filter((f) => f.includes(".int8-"))).toHaveLength(1);
    } finally {
      await own.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
