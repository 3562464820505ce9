// Resident memory of the stack's processes, read from /proc by the process trees the soak started:
// each web replica's tree (Next and its workers), each scheduler's tree, and each agent's tree split
// into the agent itself and its OCR runners (a runner and whatever runs below it, e.g. its isolation
// wrapper). The grouping is pure and tested; readProcRss is the only part that touches /proc.
import { readdirSync, readFileSync } from "node:fs";
import { parseStat } from "../gpu-host/proc-tree.ts";

export type TProcRss = { pid: number; ppid: number; cmdline: string; rssKiB: number };
export type TRoot = { name: string; pid: number; kind: "web" | "scheduler" | "agent" };

/** The runner's entry module, as it appears on its command line. */
const RUNNER_MARK = /runner[/\\]child\.(ts|mjs|js)/;

/** VmRSS of /proc/<pid>/status, in KiB (kernel threads and zombies have none: 0). */
export function parseVmRssKiB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

export function readProcRss(procDir = "/proc"): TProcRss[] {
  const out: TProcRss[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const { pid, ppid } = parseStat(readFileSync(`${procDir}/${name}/stat`, "utf8"));
      const cmdline = readFileSync(`${procDir}/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      out.push({ pid, ppid, cmdline, rssKiB: parseVmRssKiB(readFileSync(`${procDir}/${name}/status`, "utf8")) });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * RSS in MiB per series: `<web name>`, `<scheduler name>`, `<agent name> agent` and `<agent name>
 * runners` (all its runners together: a spare warming up beside the serving one counts, as it holds
 * memory too). A root that is not running gives null, so a gap shows instead of a drop to zero.
 */
export function rssByRole(procs: readonly TProcRss[], roots: readonly TRoot[]): Record<string, number | null> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = new Map<number, TProcRss[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: Record<string, number | null> = {};
  for (const root of roots) {
    const top = byPid.get(root.pid);
    const own = root.kind === "agent" ? `${root.name} agent` : root.name;
    if (!top) {
      out[own] = null;
      if (root.kind === "agent") out[`${root.name} runners`] = null;
      continue;
    }
    let mainKiB = 0;
    let runnerKiB = 0;
    const stack: { p: TProcRss; inRunner: boolean }[] = [{ p: top, inRunner: false }];
    while (stack.length > 0) {
      const { p, inRunner } = stack.pop()!;
      const runner = root.kind === "agent" && (inRunner || RUNNER_MARK.test(p.cmdline));
      if (runner) runnerKiB += p.rssKiB;
      else mainKiB += p.rssKiB;
      for (const c of children.get(p.pid) ?? []) stack.push({ p: c, inRunner: runner });
    }
    out[own] = mainKiB / 1024;
    if (root.kind === "agent") out[`${root.name} runners`] = runnerKiB / 1024;
  }
  return out;
}
