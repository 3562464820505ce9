// processCpuS against a real process tree: a live child's CPU is its parent's once, not twice (the
// dispatch bench charged Postgres's live backends twice until session 12).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { hostBusyS, processCpuS } from "./process-cpu.ts";

const ownCpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

it.runIf(process.platform === "linux")("counts a live child's CPU once in its parent's", async () => {
  // A shell whose child burns half a second of CPU, says so, and waits: both alive when the tree is read.
  const burn = "for (let u = process.cpuUsage(); u.user + u.system < 500000; u = process.cpuUsage()) {} console.log('burnt'); setInterval(() => {}, 1000)";
  const parent = spawn("sh", ["-c", `${JSON.stringify(process.execPath)} -e ${JSON.stringify(burn)} & echo $!; wait`], { stdio: ["ignore", "pipe", "ignore"] });
  let childPid = 0;
  try {
    const lines: string[] = [];
    await new Promise<void>((resolve) =>
      parent.stdout.on("data", (d: Buffer) => {
        lines.push(...d.toString().split("\n").filter(Boolean));
        if (lines.includes("burnt")) resolve();
      }),
    );
    childPid = Number(lines[0]);
    const child = ownCpuS(childPid);
    const tree = processCpuS(parent.pid!)!;
    // /proc counts whole 10 ms ticks, so it may read a little under what the child measured itself;
    // 0.4 s is still twice the margin below, so a second count of the child cannot hide in it.
    expect(child).toBeGreaterThan(0.4);
    expect(tree).toBeGreaterThanOrEqual(child);
    expect(tree).toBeLessThan(child + 0.2); // the shell itself uses next to nothing
  } finally {
    if (childPid) process.kill(childPid, "SIGKILL");
    parent.kill("SIGKILL");
  }
});

it.runIf(process.platform === "linux")("counts this process's CPU in the whole host's busy time", () => {
  const host0 = hostBusyS()!;
  const own0 = ownCpuS(process.pid);
  const start = process.cpuUsage();
  for (let d = process.cpuUsage(start); d.user + d.system < 300_000; d = process.cpuUsage(start)) {} // 0.3 s of CPU
  const own = ownCpuS(process.pid) - own0;
  expect(own).toBeGreaterThan(0.2);
  // The host was busy at least while this process was (ticks round, hence the margin).
  expect(hostBusyS()! - host0).toBeGreaterThan(own - 0.05);
});
