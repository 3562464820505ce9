// Decides whether the web app needs a production build: none yet, or a source file newer than it.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCE_DIRS = ["apps/web/src", "packages/db/src", "packages/protocol/src", "packages/scheduler/src"];
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

export function webBuildIsStale(root: string): boolean {
  const buildId = path.join(root, "apps/web/.next/BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return [...SOURCE_DIRS, ...SOURCE_FILES].some((p) => newestMtimeMs(path.join(root, p)) > built);
}
