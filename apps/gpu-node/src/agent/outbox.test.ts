import type { TMemoryReading, TNodeEventsRequest, TSamplesRequest } from "@headroom/protocol";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { Outbox } from "./outbox.ts";

const reading: TMemoryReading = { usedMiB: 10, totalMiB: 100, freeMiB: 90, processMiB: 5, utilPct: null, source: "host" };

function client(failFirst: number) {
  let calls = 0;
  const sent = { events: [] as TNodeEventsRequest["events"], samples: [] as TSamplesRequest["samples"] };
  const maybeFail = () => {
    if (calls++ < failFirst) throw new Error("unreachable");
  };
  return {
    sent,
    events: async (b: TNodeEventsRequest) => (maybeFail(), void sent.events.push(...b.events)),
    samples: async (b: TSamplesRequest) => (maybeFail(), void sent.samples.push(...b.samples)),
  };
}

describe("Outbox", () => {
  it("keeps events and samples while the control plane is unreachable, then sends them in order", async () => {
    const c = client(1);
    const box = new Outbox(c, pino({ level: "silent" }));
    box.event("cleanup", { beforeMiB: 900, afterMiB: 300, data: { freedMiB: 600 } });
    box.sample(reading, "j1");
    await box.flush();
    expect(box.pending).toEqual({ samples: 1, events: 1 });
    box.event("sweep");
    await box.flush();
    expect(box.pending).toEqual({ samples: 0, events: 0 });
    expect(c.sent.events.map((e) => [e.type, e.beforeMiB, e.afterMiB])).toEqual([
      ["cleanup", 900, 300],
      ["sweep", null, null],
    ]);
    expect(c.sent.samples).toEqual([expect.objectContaining({ usedMiB: 10, totalMiB: 100, processMiB: 5, jobId: "j1" })]);
  });

  it("splits samples into the protocol's 5000-per-request batches", async () => {
    const c = client(0);
    const batches: number[] = [];
    const box = new Outbox({ events: c.events, samples: async (b) => void batches.push(b.samples.length) }, pino({ level: "silent" }));
    for (let i = 0; i < 12_001; i++) box.sample(reading, null);
    await box.flush();
    expect(batches).toEqual([5000, 5000, 2001]);
  });

  it("samples taken by a carrying request while a flush is in flight are neither sent twice nor lost", async () => {
    let release!: () => void;
    const posted: TSamplesRequest["samples"][] = [];
    let fail = true;
    const box = new Outbox(
      {
        events: async () => {},
        samples: async (b) => {
          await new Promise<void>((r) => (release = r));
          if (fail) throw new Error("unreachable");
          posted.push(b.samples);
        },
      },
      pino({ level: "silent" }),
    );
    const at = (ms: number) => new Date(Date.UTC(2026, 11, 7, 8, 0, 0, ms));
    box.sample(reading, "a", at(0));
    box.sample(reading, "a", at(250));
    const flushing = box.flush();
    await new Promise((r) => setImmediate(r));
    // In flight: the first two are not the outbox's to hand out.
    box.sample(reading, "b", at(500));
    const carried = box.takeSamples();
    expect(carried.map((s) => s.at)).toEqual([at(500).toISOString()]);
    release();
    await flushing; // failed: those two come back
    box.putBack(carried); // the carrying request failed too
    expect(box.pending.samples).toBe(3);
    fail = false;
    const again = box.flush();
    await new Promise((r) => setImmediate(r));
    release();
    await again;
    // Each once (the order of a batch does not matter: every sample carries its time).
    expect(posted.flat().map((s) => [s.jobId, s.at]).sort()).toEqual([
      ["a", at(0).toISOString()],
      ["a", at(250).toISOString()],
      ["b", at(500).toISOString()],
    ]);
  });
});
