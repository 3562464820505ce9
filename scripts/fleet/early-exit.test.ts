import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { earlyExit, tailLines } from "./early-exit.ts";
import { startChild, stopChildren } from "./processes.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "early-exit-"));

describe("tailLines", () => {
  it("gives the last lines, skipping blank ones, and [] for a missing file", () => {
    const f = path.join(dir, "t.log");
    writeFileSync(f, Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n") + "\n\n");
    expect(tailLines(f, 3)).toEqual(["line 47", "line 48", "line 49"]);
    expect(tailLines(path.join(dir, "none.log"), 3)).toEqual([]);
  });
});

describe("earlyExit", () => {
  it("names an agent that exited at start, with its code and last log lines; null while all run", async () => {
    const logOf = (name: string) => path.join(dir, `${name}.log`);
    const bad = startChild("bad", process.execPath, ["-e", "console.error('config: HEADROOM_RUNNER_SLOTS 10 is above 8'); process.exit(2)"], { cwd: dir, env: process.env, logFile: logOf("bad") });
    const good = startChild("good", process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { cwd: dir, env: process.env, logFile: logOf("good") });
    const agents = [{ name: "good", child: good, logFile: logOf("good") }];
    expect(earlyExit(agents)).toBeNull();
    await bad.exited;
    await new Promise((r) => setTimeout(r, 50)); // the log's pipe flushes after exit
    const err = earlyExit([...agents, { name: "bad", child: bad, logFile: logOf("bad") }]);
    expect(err?.message).toMatch(/^bad exited \(code 2\) before it came online/);
    expect(err?.message).toContain("HEADROOM_RUNNER_SLOTS 10 is above 8");
    await stopChildren([good], 1_000);
  });
});
