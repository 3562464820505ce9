// What a run of the real stack needs around it, shared by `npm run chaos` and `npm run soak`: a
// current web build, an empty work directory, a stack stopped however the run ends, and the commit
// that ran.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { newestSourceMtimeMs, stampWebBuild, webBuildIsStale } from "../fleet/build.ts";
import type { ChaosStack } from "./stack.ts";

/** Builds `tree`'s web app first when its sources are newer than its build. */
export function ensureWebBuild(tree: string, log: (msg: string) => void): void {
  if (!webBuildIsStale(tree)) return;
  log(`building the web app in ${tree} (next build, a few minutes on 2 cores)…`);
  const mtime = newestSourceMtimeMs(tree);
  execFileSync(process.execPath, [path.join(tree, "node_modules/next/dist/bin/next"), "build"], { cwd: path.join(tree, "apps/web"), stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  stampWebBuild(tree, mtime);
}

/** `dir` made empty. The stack mounts a tmpfs on uploads/ when run as root; a killed run may have left it mounted. */
export function freshWorkDir(dir: string): string {
  const work = path.resolve(dir);
  if (existsSync(work)) {
    const uploads = path.join(work, "uploads");
    if (readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === uploads)) execFileSync("umount", [uploads]);
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(work, { recursive: true });
  return work;
}

/**
 * Runs `main` and exits with its code. The stack it hands to `hold` is stopped once, however the run
 * ends: its end, an error (exit 1), Ctrl-C (130) or SIGTERM (143).
 */
export function runWithStack(name: string, log: (msg: string) => void, main: (hold: (s: ChaosStack) => ChaosStack) => Promise<number>): void {
  let stack: ChaosStack | null = null;
  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      await stack?.stop().catch((e: Error) => log(`teardown: ${e.message}`));
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));
  main((s) => (stack = s)).then(
    (code) => shutdown(code),
    (err: unknown) => {
      console.error(`[${name}] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return shutdown(1);
    },
  );
}

/** " (commit abc1234)" for the checkout `dir`, from git or the marker a bundled copy carries; "" when neither says. */
export function gitHead(dir: string): string {
  try {
    return ` (commit ${execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()})`;
  } catch {
    const marker = path.join(dir, ".chaos-commit");
    return existsSync(marker) ? ` (commit ${readFileSync(marker, "utf8").trim()})` : "";
  }
}
