import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { gpuDeviceMinors, isolationPossible, maskOtherGpus, parseDeviceMinor, procBusId } from "./gpu-isolation.ts";
import { Runner } from "./runner.ts";

// A fake /dev with three GPU nodes as plain files: after masking, the hidden ones are /dev/null (a char device).
const devDir = mkdtempSync(path.join(tmpdir(), "hr-dev-"));
for (const n of ["nvidia0", "nvidia1", "nvidia2", "nvidiactl", "nvidia-uvm"]) writeFileSync(path.join(devDir, n), "");
afterAll(() => rmSync(devDir, { recursive: true, force: true }));

const SCRIPTED = fileURLToPath(new URL("./test-children/scripted-child.ts", import.meta.url));
const log = pino({ level: "silent" });

describe("GPU isolation helpers", () => {
  it("lists GPU device minors only", () => {
    expect(gpuDeviceMinors(devDir)).toEqual([0, 1, 2]);
    expect(gpuDeviceMinors(path.join(devDir, "missing"))).toEqual([]);
  });
  it.each([
    // Captured on a 2×H200 host (driver 580), /proc/driver/nvidia/gpus/0000:00:06.0/information
    ["Model: \t\t NVIDIA H200\nIRQ:   \t\t 41\nGPU UUID: \t GPU-5100def9-f038-4317-b451-e8675a05c48e\nVideo BIOS: \t 96.00.a5.00.1a\nBus Type: \t PCIe\nDMA Size: \t 52 bits\nDMA Mask: \t 0xfffffffffffff\nBus Location: \t 0000:00:06.0\nDevice Minor: \t 0\nGPU Firmware: \t 580.159.04\nGPU Excluded:\t No\n", 0],
    ["Device Minor: \t 3\n", 3],
    ["Model: NVIDIA H200\n", null],
  ])("parseDeviceMinor", (text, minor) => expect(parseDeviceMinor(text)).toBe(minor));
  it.each([
    ["00000000:2A:00.0", "0000:2a:00.0"],
    ["00000000:00:06.0", "0000:00:06.0"],
    ["0000:18:00.0", "0000:18:00.0"],
  ])("procBusId(%s) = %s", (smi, proc) => expect(procBusId(smi)).toBe(proc));
});

const canUnshare = isolationPossible(devDir).ok;

describe.runIf(canUnshare)("a runner started through the mask", () => {
  it("sees only its own GPU node, keeps the control nodes, and keeps its pid and IPC", async () => {
    const runner = new Runner({ config: { providers: ["scripted"] }, log, childModulePath: SCRIPTED, launchWrapper: maskOtherGpus(1, devDir) });
    try {
      const ready = await runner.start();
      const ask = async (cmd: string) => (await runner.recognize(Buffer.from(cmd), { timeoutMs: 5_000 })).text;
      expect(await ask(`chardev:${devDir}/nvidia0`)).toBe("true");
      expect(await ask(`chardev:${devDir}/nvidia1`)).toBe("false");
      expect(await ask(`chardev:${devDir}/nvidia2`)).toBe("true");
      expect(await ask(`chardev:${devDir}/nvidiactl`)).toBe("false");
      // The pid the agent matches against nvidia-smi's per-process list is the runner's own.
      expect(await ask("who")).toBe(`who (pid ${ready.pid})`);
    } finally {
      await runner.stop();
    }
    // The namespace was the runner's alone: the agent's view is untouched.
    expect(gpuDeviceMinors(devDir)).toEqual([0, 1, 2]);
  });
});

describe("a launch wrapper that cannot isolate", () => {
  it("falls back to an unisolated runner instead of not serving", async () => {
    const runner = new Runner({ config: { providers: ["scripted"] }, log, childModulePath: SCRIPTED, launchWrapper: { command: "sh", args: ["-c", "exit 97", "x"] } });
    try {
      const ready = await runner.start();
      expect((await runner.recognize(Buffer.from("ok"), { timeoutMs: 5_000 })).text).toBe(`ok (pid ${ready.pid})`);
    } finally {
      await runner.stop();
    }
  });
});
