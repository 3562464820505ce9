// A bench worker process: hosts a share of the SIMULATED agents, or the submitter, and answers the
// orchestrator's requests over the IPC channel (`fork`). Spreading the agents over a few processes
// keeps each event loop light, so the numbers are the control plane's, not the simulator's; each
// worker reports its own CPU and event-loop delay so a starved simulator would show.
import { setMaxListeners } from "node:events";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Recorder, type TRecords } from "./recorder.ts";
import { SimAgent } from "./sim-agent.ts";
import { offerJobs, type TOfferResult } from "./submitter.ts";
import { tinyPng } from "./png.ts";

export type TWorkerRequest =
  | { cmd: "agents"; bases: string[]; enrollToken: string; first: number; count: number; workMs: number; startDelayMs: number }
  | { cmd: "take" }
  | { cmd: "offer"; bases: string[]; apiKey: string; ratePerS: number; durationS: number; maxOutstanding: number }
  | { cmd: "stop" };

export type TTaken = { records: TRecords; claims: [string, number][]; cpuMs: number; loopDelayP99Ms: number; completed: number };
export type TWorkerReply =
  | { ev: "ready"; registered: number; failed: string[] }
  | { ev: "taken"; taken: TTaken }
  | { ev: "offered"; result: TOfferResult; records: TRecords }
  | { ev: "stopped" }
  | { ev: "error"; message: string };

export async function workerMain(): Promise<void> {
  const rec = new Recorder();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every agent's timers and long-poll listen to it
  const agents: SimAgent[] = [];
  const runs: Promise<void>[] = [];
  let claims: [string, number][] = [];
  let cpu0 = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const reply = (id: number, r: TWorkerReply) => process.send!({ id, ...r });

  const handle = async (m: TWorkerRequest): Promise<TWorkerReply> => {
    switch (m.cmd) {
      case "agents": {
        const failed: string[] = [];
        const indices = Array.from({ length: m.count }, (_, k) => m.first + k);
        // Registers a few at a time: a thousand at once is a start-up storm no real fleet makes.
        for (let k = 0; k < indices.length; k += 10) {
          await Promise.all(
            indices.slice(k, k + 10).map(async (i) => {
              const a = new SimAgent({
                base: m.bases[i % m.bases.length]!,
                enrollToken: m.enrollToken,
                name: `sim-agent-${String(i).padStart(5, "0")}`,
                workMs: m.workMs,
                startReportDelayMs: m.startDelayMs,
                rec,
                onClaim: (jobId, at) => claims.push([jobId, at]),
                signal: stop.signal,
              });
              // The real agent retries a failed registration with backoff; so does this one, a few times.
              for (let attempt = 1; ; attempt++) {
                try {
                  await a.register();
                  agents.push(a);
                  runs.push(a.run());
                  break;
                } catch (err) {
                  if (attempt === 5) {
                    failed.push(`sim-agent-${i}: ${(err as Error).message}`);
                    break;
                  }
                  await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
                }
              }
            }),
          );
        }
        return { ev: "ready", registered: agents.length, failed };
      }
      case "take": {
        const used = process.cpuUsage(cpu0);
        cpu0 = process.cpuUsage();
        const taken: TTaken = {
          records: rec.take(),
          claims,
          cpuMs: (used.user + used.system) / 1_000,
          loopDelayP99Ms: delay.percentile(99) / 1e6,
          completed: agents.reduce((n, a) => n + a.completed, 0),
        };
        claims = [];
        delay.reset();
        return { ev: "taken", taken };
      }
      case "offer": {
        const result = await offerJobs({ ...m, png: tinyPng(), rec });
        return { ev: "offered", result, records: rec.take() };
      }
      case "stop": {
        stop.abort();
        await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(r, 5_000))]);
        return { ev: "stopped" };
      }
    }
  };

  process.on("message", (msg: TWorkerRequest & { id: number }) => {
    handle(msg).then(
      (r) => {
        reply(msg.id, r);
        if (r.ev === "stopped") setTimeout(() => process.exit(0), 50);
      },
      (err: unknown) => reply(msg.id, { ev: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  // The orchestrator gone (killed): nothing left to answer to.
  process.on("disconnect", () => process.exit(0));
}
