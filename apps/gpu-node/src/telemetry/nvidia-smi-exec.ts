// Running nvidia-smi: one-shot queries (execFile, with a timeout) and the long-lived -lms stream.
import { execFile, spawn, type ChildProcess } from "node:child_process";

// A healthy nvidia-smi answers in well under a second; a wedged driver can hang it for minutes,
// and a reading that late is useless for admission anyway.
const NVIDIA_SMI_TIMEOUT_MS = 5_000;

export const CSV_FORMAT = "--format=csv,noheader,nounits";

export function runNvidiaSmi(args: string[], timeoutMs = NVIDIA_SMI_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("nvidia-smi", args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nvidia-smi ${args.join(" ")} failed: ${String(stderr).trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Starts a long-lived nvidia-smi (e.g. with `-lms`) that cannot outlive this process: it is killed
 * on our exit, and if we die without running exit handlers (SIGKILL, OOM) its next write hits a
 * closed pipe and SIGPIPE ends it (checked on an H200 host: it exits 141 at its next row). It does
 * not keep our event loop alive. nvidia-smi flushes each row when piped (checked, driver 580).
 */
export function spawnNvidiaSmiStream(args: string[], onLine: (line: string) => void, onExit: () => void): ChildProcess {
  const child = spawn("nvidia-smi", args, { stdio: ["ignore", "pipe", "ignore"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    process.off("exit", killOnExit);
    onExit();
  };
  child.on("error", end); // ENOENT: no nvidia-smi on PATH
  child.on("exit", end);
  let partial = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  });
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}
