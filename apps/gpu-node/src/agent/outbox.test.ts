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
});
