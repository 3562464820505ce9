// Finding an agent's runner process from outside the agent, through /proc (Linux). The fleet run
// kills it with -9 to show what a crash mid-job does.
import { readdirSync, readFileSync } from "node:fs";

export type TProc = { pid: number; ppid: number; cpuTicks: number; cmdline: string };

/** One /proc/<pid>/stat line: the command name is in parentheses and may itself hold spaces or ')'. */
export function parseStat(stat: string): { pid: number; ppid: number; cpuTicks: number } {
  const close = stat.lastIndexOf(")");
  const rest = stat.slice(close + 2).split(" ");
  // After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  return { pid: Number(stat.slice(0, stat.indexOf(" "))), ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

export function readProcs(procDir = "/proc"): TProc[] {
  const procs: TProc[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseStat(readFileSync(`${procDir}/${name}/stat`, "utf8"));
      const cmdline = readFileSync(`${procDir}/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      procs.push({ ...s, cmdline });
    } catch {
      // exited while we looked
    }
  }
  return procs;
}

/** The processes below `rootPid` whose command line contains `marker`, busiest first (the runner serving jobs before its idle warm spare). */
export function descendantsMatching(procs: readonly TProc[], rootPid: number, marker: string): TProc[] {
  const children = new Map<number, TProc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: TProc[] = [];
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop()!;
    // The isolation wrapper (unshare … sh -c … node child.mjs) also names the module; only node itself counts.
    if (p.cmdline.includes(marker) && !/^(unshare|sh) /.test(p.cmdline)) found.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return found.sort((a, b) => b.cpuTicks - a.cpuTicks);
}
