// A fleet run waits minutes for agents to come online; one that exits at start (a config error, such
// as more runner slots than the agent allows) is reported at once, with its exit and its last log
// lines, instead of after the wait runs out.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { TChild } from "./processes.ts";

/** The last `n` lines of a file, reading at most its last 64 KiB; [] where it does not exist. */
export function tailLines(file: string, n: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString("utf8").split("\n").filter((l) => l.trim().length > 0).slice(-n);
  } finally {
    closeSync(fd);
  }
}

/** An error naming the first of `children` that has exited, with the tail of its log; null while all run. */
export function earlyExit(children: ReadonlyArray<{ name: string; child: TChild; logFile: string }>, lines = 15): Error | null {
  const dead = children.find((c) => c.child.proc.exitCode !== null || c.child.proc.signalCode !== null);
  if (!dead) return null;
  const how = dead.child.proc.signalCode ? `signal ${dead.child.proc.signalCode}` : `code ${dead.child.proc.exitCode}`;
  const tail = tailLines(dead.logFile, lines);
  return new Error(`${dead.name} exited (${how}) before it came online; the last ${tail.length} lines of ${dead.logFile}:\n${tail.map((l) => `  ${l}`).join("\n")}`);
}
