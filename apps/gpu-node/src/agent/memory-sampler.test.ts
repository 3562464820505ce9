import type { TMemoryReading } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import type { MemoryReader } from "../telemetry/index.ts";
import { MemorySampler } from "./memory-sampler.ts";

const at = (usedMiB: number): TMemoryReading => ({ usedMiB, totalMiB: 1000, freeMiB: 1000 - usedMiB, processMiB: usedMiB, utilPct: null, source: "host" });

describe("MemorySampler", () => {
  it("samples on the interval and reports before, peak and after", async () => {
    // A job whose memory rises to 700 MiB and settles at 400.
    const script = [300, 500, 700, 600];
    const reader: MemoryReader = { read: async () => at(script.shift() ?? 400) };
    const seen: number[] = [];
    const s = new MemorySampler(reader, at(200), () => 20, (r) => seen.push(r.usedMiB)).start();
    await new Promise((r) => setTimeout(r, 250));
    const { memory, after } = await s.stop();
    expect(seen.slice(0, 4)).toEqual([300, 500, 700, 600]);
    expect(memory).toEqual({ beforeMiB: 200, peakMiB: 700, afterMiB: 400 });
    expect(after.usedMiB).toBe(400);
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(seen.length).toBe(count); // stopped means stopped
  });

  it("a failing reader skips samples and falls back to the last reading for after", async () => {
    const reader: MemoryReader = { read: async () => Promise.reject(new Error("nvidia-smi wedged")) };
    const s = new MemorySampler(reader, at(250), () => 10, () => {}).start();
    await new Promise((r) => setTimeout(r, 50));
    expect((await s.stop()).memory).toEqual({ beforeMiB: 250, peakMiB: 250, afterMiB: 250 });
  });
});
