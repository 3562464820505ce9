// One runner per GPU. Vulkan (and so the WebGPU provider) ignores CUDA_VISIBLE_DEVICES: two runners
// on a 2-GPU host both landed on GPU 0 (GPU-HOST.md). What works is what container runtimes do:
// hide the other /dev/nvidiaK nodes. The runner is started in its own mount namespace where every
// other GPU's device node is bind-mounted over by /dev/null; /dev/nvidiactl and /dev/nvidia-uvm stay.
// The agent itself keeps the full view, so nvidia-smi still reports the real index and per-process rows.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { GPU_QUERY_FIELDS, parseGpuQuery, runNvidiaSmi, selectGpu } from "../telemetry/index.ts";

export type TLaunchWrapper = { command: string; args: string[] };

const GPU_NODE = /^nvidia(\d+)$/;

/** GPU device nodes (minor numbers) under devDir. */
export function gpuDeviceMinors(devDir = "/dev"): number[] {
  try {
    return readdirSync(devDir)
      .flatMap((n) => {
        const m = GPU_NODE.exec(n);
        return m?.[1] === undefined ? [] : [Number(m[1])];
      })
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/**
 * The wrapper that starts a command with only GPU `keepMinor` visible. `unshare -m` runs the command
 * in place (no fork), and `sh` ends in `exec`, so the runner keeps the pid the agent sees, which
 * is the pid nvidia-smi lists. The IPC channel's fd survives the execs.
 */
export function maskOtherGpus(keepMinor: number, devDir = "/dev"): TLaunchWrapper {
  const script = [
    `for d in "$HEADROOM_DEV_DIR"/nvidia[0-9]*; do`,
    `  case "$d" in "$HEADROOM_DEV_DIR/nvidia$HEADROOM_KEEP_MINOR") continue ;; esac`,
    `  [ -e "$d" ] || continue`,
    `  mount --bind /dev/null "$d" || exit 97`,
    `done`,
    `exec "$@"`,
  ].join("\n");
  // The values are written into the script, not passed as arguments, so "$@" is exactly the runner's command line.
  const prelude = `HEADROOM_DEV_DIR='${devDir.replace(/'/g, "")}'; HEADROOM_KEEP_MINOR=${Math.trunc(keepMinor)}\n`;
  return { command: "unshare", args: ["--mount", "--propagation", "private", "sh", "-c", prelude + script, "headroom-runner"] };
}

/** The /dev/nvidiaK minor of the GPU with this PCI bus id, from the driver's /proc entry. */
export function parseDeviceMinor(information: string): number | null {
  const m = /^Device Minor:\s*(\d+)\s*$/m.exec(information);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** nvidia-smi prints an 8-digit PCI domain ("00000000:18:00.0"); /proc/driver/nvidia uses 4 ("0000:18:00.0"). */
export function procBusId(nvidiaSmiBusId: string): string {
  return nvidiaSmiBusId.toLowerCase().replace(/^0{4}(?=[0-9a-f]{4}:)/, "");
}

export function deviceMinorForBusId(busId: string): number | null {
  try {
    return parseDeviceMinor(readFileSync(`/proc/driver/nvidia/gpus/${procBusId(busId)}/information`, "utf8"));
  } catch {
    return null;
  }
}

/**
 * Whether the runner of a GPU node can and should be isolated: more than one GPU node is visible,
 * and we may create a mount namespace (root, unshare on PATH). Returns why not, for the log.
 */
export function isolationPossible(devDir = "/dev"): { ok: true } | { ok: false; reason: string } {
  if (gpuDeviceMinors(devDir).length < 2) return { ok: false, reason: "only one GPU device node is visible" };
  if (process.getuid?.() !== 0) return { ok: false, reason: "masking GPU device nodes needs root" };
  try {
    execFileSync("unshare", ["--version"], { stdio: "ignore" });
  } catch {
    return { ok: false, reason: "unshare is not installed" };
  }
  return existsSync(devDir) ? { ok: true } : { ok: false, reason: `${devDir} does not exist` };
}

/**
 * The launch wrapper for the runner of GPU `gpuIndex`, or null (with the reason) where isolation is
 * not possible or not needed (one visible GPU, e.g. one container per GPU).
 */
export async function runnerIsolationFor(gpuIndex: number): Promise<{ wrapper: TLaunchWrapper | null; note: string }> {
  const possible = isolationPossible();
  if (!possible.ok) return { wrapper: null, note: `runner not isolated: ${possible.reason}` };
  let busId = "";
  try {
    busId = selectGpu(parseGpuQuery(await runNvidiaSmi([`--query-gpu=${GPU_QUERY_FIELDS}`, "--format=csv,noheader,nounits"])), gpuIndex)?.busId ?? "";
  } catch {
    // fall through: the index is the usual minor number
  }
  const minor = (busId ? deviceMinorForBusId(busId) : null) ?? gpuIndex;
  return { wrapper: maskOtherGpus(minor), note: `runner sees only /dev/nvidia${minor} (GPU ${gpuIndex}${busId ? `, ${busId}` : ""})` };
}
