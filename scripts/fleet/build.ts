// Decides whether the web app needs a production build: none yet, or a source file newer than it.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const SOURCE_DIRS = ["apps/web/src", "packages/db/src", "packages/policy/src", "packages/protocol/src", "packages/scheduler/src"];
const SOURCE_FILES = ["apps/web/next.config.ts", "apps/web/package.json", "package-lock.json"];

function newestMtimeMs(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p)) {
    if (e === "node_modules" || e === "generated") continue;
    newest = Math.max(newest, newestMtimeMs(path.join(p, e)));
  }
  return newest;
}

/** Where a build records the newest source time it was made from (taken before it started). */
const STAMP = "apps/web/.next/headroom-sources-mtime";

export function newestSourceMtimeMs(root: string): number {
  return Math.max(...[...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newestMtimeMs(path.join(root, p))));
}

/** Stale when there is no build, or a source changed after the moment the build started reading. */
export function webBuildIsStale(root: string): boolean {
  const stamp = path.join(root, STAMP);
  if (!existsSync(path.join(root, "apps/web/.next/BUILD_ID")) || !existsSync(stamp)) return true;
  return newestSourceMtimeMs(root) > Number(readFileSync(stamp, "utf8"));
}

/** Call with the time taken before the build began, once it has finished. */
export function stampWebBuild(root: string, sourcesMtimeMs: number): void {
  writeFileSync(path.join(root, STAMP), String(sourcesMtimeMs));
}
