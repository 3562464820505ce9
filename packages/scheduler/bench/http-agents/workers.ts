// The benches' worker processes (worker.ts: SIMULATED agents or the submitter), forked from the
// bench's own entry with --worker (on a bench host the bench is one bundled file), and the
// request/reply channel to them over IPC.
import { fork, type ChildProcess } from "node:child_process";
import type { TWorkerReply, TWorkerRequest } from "./worker.ts";

export class WorkerSet {
  private readonly all: ChildProcess[] = [];
  private readonly pending = new Map<number, (r: TWorkerReply) => void>();
  private nextId = 1;

  /** A new worker: the running script again, with --worker. */
  spawn(): ChildProcess {
    const w = fork(process.argv[1]!, ["--worker"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    w.on("message", (m: TWorkerReply & { id: number }) => {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
    });
    this.all.push(w);
    return w;
  }

  /** Sends one request and resolves with its reply; a worker's error reply rejects. */
  ask(w: ChildProcess, req: TWorkerRequest): Promise<TWorkerReply> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, (r) => (r.ev === "error" ? reject(new Error(`worker: ${r.message}`)) : resolve(r)));
      w.send({ id, ...req });
    });
  }

  /** Asks every worker to stop, waiting up to `waitMs`, then kills those still running. */
  async stopAll(waitMs: number): Promise<void> {
    const stopped = this.all.map((w) => (w.connected ? Promise.race([this.ask(w, { cmd: "stop" }), new Promise((r) => setTimeout(r, waitMs))]) : null));
    await Promise.all(stopped).catch(() => {});
    for (const w of this.all) if (w.exitCode === null) w.kill("SIGKILL");
  }
}
