// CPU time of processes from /proc (Linux), for the benches: a Postgres backend's own (what a
// statement cost the server), and a process tree's (what the dispatch bench charges each part of the
// stack: a web replica, the scheduler, Postgres).
import { readdirSync, readFileSync } from "node:fs";

/** /proc/<pid>/stat's fields from the state on (index 0 = state, 1 = ppid, 11 = utime, 12 = stime, 13/14 = reaped children's); null when gone. */
function readStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** CPU milliseconds (user + system) of the process itself, without its children; 0 when it is gone. */
export function ownCpuMs(pid: number): number {
  const f = readStat(pid);
  return f ? (Number(f[11]) + Number(f[12])) * 10 : 0; // USER_HZ 100
}

/**
 * CPU seconds (user + system) of a process and everything below it, each counted once: its own and
 * its reaped children's, plus its live descendants' own (tsx runs the scheduler in a child node
 * process; Postgres serves each connection from a child of the postmaster). Null when the process is
 * gone.
 */
export function processCpuS(pid: number): number | null {
  const f = readStat(pid);
  if (!f) return null;
  let total = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  const children = new Map<number, number[]>();
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    const st = readStat(Number(p));
    if (st) children.set(Number(st[1]), [...(children.get(Number(st[1])) ?? []), Number(p)]);
  }
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const c = stack.pop()!;
    const st = readStat(c);
    if (st) total += (Number(st[11]) + Number(st[12])) / 100;
    stack.push(...(children.get(c) ?? []));
  }
  return total;
}

/**
 * CPU seconds the whole machine has been busy (every core's user, nice, system, irq, softirq and
 * steal time from /proc/stat's first line), so a phase can say how much of the host was left; null
 * off Linux.
 */
export function hostBusyS(): number | null {
  try {
    const [, ...f] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / 100; // USER_HZ 100
  } catch {
    return null;
  }
}
