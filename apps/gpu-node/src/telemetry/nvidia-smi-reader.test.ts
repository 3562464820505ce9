// The streaming reader against a fake nvidia-smi on PATH (a shell script): stream rows say 1111 MiB
// used, one-shot answers 2222 MiB, so each reading shows where it came from. Every call is logged.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Backoff } from "../backoff.ts";
import { createMemoryReader } from "./index.ts";
import { NvidiaSmiReader, type TNvidiaSmiReaderOptions } from "./nvidia-smi-reader.ts";
import { alive } from "../test-support.ts";

// Control files beside the script: stream-dead (the stream exits), stream-hang (alive, prints
// nothing), only-gpu0 (a host whose other cards are masked: `-i N` fails for N ≠ 0), no-gpus.
const FAKE = `#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls.log"
gpu=0; prev=
for a in "$@"; do [ "$prev" = "-i" ] && gpu=$a; prev=$a; done
[ -f "$dir/no-gpus" ] && { echo "No devices were found" >&2; exit 6; }
if [ -f "$dir/only-gpu0" ] && [ "$gpu" != 0 ]; then echo "No devices were found" >&2; exit 6; fi
case "$*" in *--query-compute-apps*) cat "$dir/apps.csv"; exit 0;; esac
case "$*" in *-lms*)
  echo $$ > "$dir/stream.pid"
  while :; do
    [ -f "$dir/stream-dead" ] && exit 3
    [ -f "$dir/stream-hang" ] || echo "$gpu, 00000000:00:06.0, 1111, 143771, 141000, 5"
    sleep 0.05
  done;;
esac
echo "$gpu, 00000000:00:06.0, 2222, 143771, 140000, 7"
`;

const dir = mkdtempSync(join(tmpdir(), "fake-nvidia-smi-"));
const savedPath = process.env.PATH;
const calls = () => (existsSync(join(dir, "calls.log")) ? readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n").filter(Boolean) : []);
const streamCalls = () => calls().filter((c) => c.includes("-lms"));
const appsCalls = () => calls().filter((c) => c.includes("--query-compute-apps"));
// Eventually-true conditions with a generous deadline: behaviour, not speed, is under test.
const eventually = (fn: () => unknown) => vi.waitFor(fn, { timeout: 15_000, interval: 20 });

beforeAll(() => {
  writeFileSync(join(dir, "nvidia-smi"), FAKE);
  chmodSync(join(dir, "nvidia-smi"), 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const readers: NvidiaSmiReader[] = [];
// Long stale/first-row windows unless a test is about them, so a loaded machine cannot trip them.
function reader(o: Partial<TNvidiaSmiReaderOptions> = {}): NvidiaSmiReader {
  const r = new NvidiaSmiReader({ gpuIndex: 0, runnerPids: () => [4242], intervalMs: () => 50, staleAfterMs: 60_000, firstRowWaitMs: 60_000, appsMaxAgeMs: 60_000, ...o });
  readers.push(r);
  return r;
}
beforeEach(() => {
  for (const f of ["calls.log", "stream-dead", "stream-hang", "only-gpu0", "no-gpus", "stream.pid"]) rmSync(join(dir, f), { force: true });
  writeFileSync(join(dir, "apps.csv"), "4242, 00000000:00:06.0, 777\n999, 00000000:00:06.0, 5000\n");
});
afterEach(() => {
  for (const r of readers.splice(0)) r.close();
});

describe("NvidiaSmiReader", () => {
  it("reads from one stream across many reads, restricted to its GPU", async () => {
    const r = reader();
    const first = await r.read();
    expect(first).toEqual({ usedMiB: 1111, totalMiB: 143771, freeMiB: 141000, processMiB: 777, utilPct: 5, source: "nvidia-smi" });
    for (let i = 0; i < 30; i++) expect((await r.read()).usedMiB).toBe(1111);
    expect(streamCalls()).toEqual([`--query-gpu=index,pci.bus_id,memory.used,memory.total,memory.free,utilization.gpu --format=csv,noheader,nounits -i 0 -lms 50`]);
    for (const c of calls()) expect(c).toMatch(/ -i 0( |$)/);
  });

  it("concurrent first reads start one stream", async () => {
    const r = reader();
    await Promise.all(Array.from({ length: 10 }, () => r.read()));
    expect(streamCalls()).toHaveLength(1);
  });

  it("queries the per-process list at most once per window, again for a new runner, never without one", async () => {
    let pids: number[] = [4242];
    const r = reader({ runnerPids: () => pids });
    for (let i = 0; i < 20; i++) expect((await r.read()).processMiB).toBe(777);
    expect(appsCalls()).toHaveLength(1);
    pids = [999]; // the runner was recycled
    expect((await r.read()).processMiB).toBe(5000);
    expect(appsCalls()).toHaveLength(2);
    pids = [];
    expect((await r.read()).processMiB).toBe(0);
    expect(appsCalls()).toHaveLength(2);
  });

  it("sums every runner's rows, and queries again whenever the set of pids changes, not when its order does", async () => {
    writeFileSync(join(dir, "apps.csv"), "4242, 00000000:00:06.0, 777\n4343, 00000000:00:06.0, 600\n999, 00000000:00:06.0, 5000\n4545, 00000000:00:06.0, 300\n");
    let pids: number[] = [4242];
    const r = reader({ runnerPids: () => pids });
    expect((await r.read()).processMiB).toBe(777);
    expect(appsCalls()).toHaveLength(1);
    pids = [4242, 4343]; // a second slot's runner came up
    expect((await r.read()).processMiB).toBe(1377);
    expect(appsCalls()).toHaveLength(2);
    pids = [4343, 4242]; // the same runners, listed in another order: the cached list still serves
    for (let i = 0; i < 5; i++) expect((await r.read()).processMiB).toBe(1377);
    expect(appsCalls()).toHaveLength(2);
    pids = [4242, 4545]; // slot 1's runner recycled: same count, other pid
    expect((await r.read()).processMiB).toBe(1077);
    expect(appsCalls()).toHaveLength(3);
    pids = [4242, 4545, 4646]; // a third slot's runner, not on the GPU yet: no row of its own, but a new set
    expect((await r.read()).processMiB).toBe(1077);
    expect(appsCalls()).toHaveLength(4);
  });

  it("re-queries the per-process list once the window has passed", async () => {
    const r = reader({ appsMaxAgeMs: 0 });
    await r.read();
    await r.read();
    expect(appsCalls()).toHaveLength(2);
  });

  it("a dead stream falls back to one-shot reads and is restarted with a backoff", async () => {
    const r = reader({ restartBackoff: new Backoff(20, 100) });
    expect((await r.read()).usedMiB).toBe(1111);
    writeFileSync(join(dir, "stream-dead"), "");
    await eventually(async () => expect((await r.read()).usedMiB).toBe(2222));
    const oneShot = calls().filter((c) => !c.includes("-lms") && !c.includes("compute-apps"));
    expect(oneShot.length).toBeGreaterThan(0);
    for (const c of oneShot) expect(c).toMatch(/ -i 0$/);
    rmSync(join(dir, "stream-dead"));
    await eventually(async () => expect((await r.read()).usedMiB).toBe(1111));
    expect(streamCalls().length).toBeGreaterThanOrEqual(2);
  });

  it("a stream that stops printing is killed, read() falls back, and a new stream takes over", async () => {
    const r = reader({ staleAfterMs: 300, restartBackoff: new Backoff(20, 100) });
    expect((await r.read()).usedMiB).toBe(1111);
    const wedged = Number(readFileSync(join(dir, "stream.pid"), "utf8"));
    writeFileSync(join(dir, "stream-hang"), "");
    await eventually(async () => expect((await r.read()).usedMiB).toBe(2222));
    await eventually(() => expect(alive(wedged)).toBe(false));
    rmSync(join(dir, "stream-hang"));
    await eventually(async () => expect((await r.read()).usedMiB).toBe(1111));
    expect(streamCalls().length).toBeGreaterThanOrEqual(2);
  });

  it("a new sample interval restarts the stream with it", async () => {
    let intervalMs = 50;
    const r = reader({ intervalMs: () => intervalMs });
    await r.read();
    intervalMs = 100;
    await r.read();
    expect(streamCalls().map((c) => c.split(" ").at(-1))).toEqual(["50", "100"]);
  });

  it("close() kills the stream; reads after it are one-shot", async () => {
    const r = reader();
    await r.read();
    const pid = r.streamPid!;
    expect(alive(pid)).toBe(true);
    r.close();
    await eventually(() => expect(alive(pid)).toBe(false));
    expect((await r.read()).usedMiB).toBe(2222);
    expect(streamCalls()).toHaveLength(1);
  });

  it("where the other cards are masked, the lone visible card is ours and -i names it", async () => {
    writeFileSync(join(dir, "only-gpu0"), "");
    const r = reader({ gpuIndex: 3 });
    expect((await r.read()).usedMiB).toBe(1111);
    expect(streamCalls()[0]).toMatch(/ -i 0 -lms 50$/);
  });

  it("createMemoryReader gives a GPU node this reader, streaming at the sample interval in force", async () => {
    const r = createMemoryReader({ gpuIndex: 0, cpuBudgetMiB: 0, runnerPids: () => [4242], sampleIntervalMs: () => 50 });
    try {
      expect((await r.read()).usedMiB).toBe(1111);
      expect(streamCalls()).toHaveLength(1);
      expect(streamCalls()[0]).toMatch(/ -lms 50$/);
    } finally {
      r.close?.();
    }
  });

  it("no GPU at all is an error from read(), and starts no stream", async () => {
    writeFileSync(join(dir, "no-gpus"), "");
    await expect(reader().read()).rejects.toThrow(/nvidia-smi/);
    expect(streamCalls()).toEqual([]);
  });
});
