import { describe, expect, it } from "vitest";
import { gpuReading, parseComputeApps, parseDiscover, parseGpuQuery, selectGpu, type TGpuRow } from "./nvidia-smi.ts";

// Real output captured on an H200 (driver 580) with this project's queries; see GPU-HOST.md for the host.
const H200_IDLE = "0, 00000000:00:06.0, 0, 143771, 143156, 0\n";
const H200_BUSY = "0, 00000000:00:06.0, 2063, 143771, 141094, 2\n";
const H200_APPS = "418, 00000000:00:06.0, 2054\n";
const H200_DISCOVER = "0, 143771, NVIDIA H200\n";

describe("parseGpuQuery", () => {
  it("reads an idle H200 (used + free < total: the driver keeps a reserve)", () => {
    expect(parseGpuQuery(H200_IDLE)).toEqual([{ index: 0, busId: "00000000:00:06.0", usedMiB: 0, totalMiB: 143771, freeMiB: 143156, utilPct: 0 }]);
  });
  it("reads several GPUs, [N/A] utilisation (MIG) as null, and CRLF", () => {
    const text = "0, 00000000:18:00.0, 1200, 81559, 79800, 35\r\n1, 00000000:2A:00.0, 500, 81559, 80500, [N/A]\r\n";
    const rows = parseGpuQuery(text);
    expect(rows.map((r) => [r.index, r.busId, r.utilPct])).toEqual([
      [0, "00000000:18:00.0", 35],
      [1, "00000000:2a:00.0", null],
    ]);
  });
  it("fails loudly when memory is unavailable", () => {
    expect(() => parseGpuQuery("0, 00000000:18:00.0, [N/A], 81559, 79800, 0")).toThrow(/memory.used/);
  });
  it("empty output is no GPUs", () => expect(parseGpuQuery("\n")).toEqual([]));
});

describe("parseComputeApps", () => {
  it.each<[string, string, ReturnType<typeof parseComputeApps>]>([
    ["a real H200 row", H200_APPS, [{ pid: 418, busId: "00000000:00:06.0", usedMiB: 2054 }]],
    ["no processes (current drivers print nothing)", "", []],
    ["no processes (older drivers)", "No running processes found\n", []],
    ["a unit left on (query without nounits)", "418, 00000000:00:06.0, 2054 MiB\n", [{ pid: 418, busId: "00000000:00:06.0", usedMiB: 2054 }]],
    ["usage hidden (containers, MIG)", "77, 00000000:00:06.0, [N/A]\n", [{ pid: 77, busId: "00000000:00:06.0", usedMiB: null }]],
  ])("%s", (_n, text, expected) => expect(parseComputeApps(text)).toEqual(expected));
});

describe("parseDiscover", () => {
  it.each<[string, string, ReturnType<typeof parseDiscover>]>([
    ["one H200", H200_DISCOVER, [{ index: 0, totalMiB: 143771, name: "NVIDIA H200" }]],
    [
      "two H100s",
      "0, 81559, NVIDIA H100 80GB HBM3\n1, 81559, NVIDIA H100 80GB HBM3\n",
      [
        { index: 0, totalMiB: 81559, name: "NVIDIA H100 80GB HBM3" },
        { index: 1, totalMiB: 81559, name: "NVIDIA H100 80GB HBM3" },
      ],
    ],
    ["a comma in the name stays in the name", "0, 1024, Odd, Card\n", [{ index: 0, totalMiB: 1024, name: "Odd, Card" }]],
    ["nothing", "", []],
    ["garbage lines are skipped", "No devices were found\n", []],
  ])("%s", (_n, text, expected) => expect(parseDiscover(text)).toEqual(expected));
});

describe("selectGpu and gpuReading", () => {
  const two: TGpuRow[] = parseGpuQuery("0, 00000000:18:00.0, 1200, 81559, 79800, 35\n1, 00000000:2A:00.0, 3000, 81559, 78000, 90\n");

  it("selects by index, or the lone visible card when others are masked", () => {
    expect(selectGpu(two, 1)?.busId).toBe("00000000:2a:00.0");
    expect(selectGpu(two, 5)).toBeUndefined();
    expect(selectGpu(parseGpuQuery(H200_IDLE), 3)?.index).toBe(0);
  });

  it.each<[string, string, string | null, number[], number | null]>([
    ["the runner's row on a real H200", H200_BUSY, H200_APPS, [418], 2054],
    ["runner not on the GPU (CPU fallback)", H200_BUSY, "", [418], 0],
    ["someone else's process", H200_BUSY, "999, 00000000:00:06.0, 5000\n", [418], 0],
    ["per-process list unreadable", H200_BUSY, null, [418], null],
    ["runner down", H200_BUSY, H200_APPS, [], 0],
    ["usage hidden", H200_BUSY, "418, 00000000:00:06.0, [N/A]\n", [418], null],
    ["two slots' runners: their rows summed, a stranger's left out", H200_BUSY, "418, 00000000:00:06.0, 2054\n419, 00000000:00:06.0, 1500\n999, 00000000:00:06.0, 5000\n", [418, 419], 3554],
    ["a second runner not on the GPU (yet) adds nothing", H200_BUSY, H200_APPS, [418, 420], 2054],
    ["one runner's usage hidden makes the sum unknown", H200_BUSY, "418, 00000000:00:06.0, 2054\n419, 00000000:00:06.0, [N/A]\n", [418, 419], null],
    ["a pid listed twice in the set counts once", H200_BUSY, H200_APPS, [418, 418], 2054],
  ])("%s", (_n, gpuText, appsText, pids, processMiB) => {
    const gpu = parseGpuQuery(gpuText)[0]!;
    const r = gpuReading(gpu, appsText === null ? null : parseComputeApps(appsText), pids);
    expect(r).toEqual({ usedMiB: 2063, totalMiB: 143771, freeMiB: 141094, processMiB, utilPct: 2, source: "nvidia-smi" });
  });

  it("counts only the runners' rows on this card's bus", () => {
    const gpu = selectGpu(two, 1)!;
    const apps = parseComputeApps("42, 00000000:18:00.0, 700\n42, 00000000:2A:00.0, 900\n");
    expect(gpuReading(gpu, apps, [42]).processMiB).toBe(900);
  });

  it("two runners, one with a row on another card's bus too: only this bus's rows are summed", () => {
    const gpu = selectGpu(two, 1)!;
    const apps = parseComputeApps("42, 00000000:18:00.0, 700\n42, 00000000:2A:00.0, 900\n43, 00000000:2A:00.0, 400\n44, 00000000:18:00.0, 3000\n");
    expect(gpuReading(gpu, apps, [42, 43, 44]).processMiB).toBe(1300);
  });
});
