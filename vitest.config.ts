import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One config for every workspace's unit and integration tests; Playwright (e2e/) has its own.
export default defineConfig({
  // apps/web's `@/` path alias, so its tests load modules exactly as Next does.
  resolve: { alias: { "@/": fileURLToPath(new URL("apps/web/src/", import.meta.url)) } },
  test: {
    include: ["apps/**/src/**/*.test.ts", "apps/**/bench/**/*.test.ts", "packages/**/src/**/*.test.ts", "packages/**/bench/**/*.test.ts", "scripts/**/*.test.ts", "deploy/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.next/**", "e2e/**"],
    // Starts one Postgres for the run and a migrated template that each file clones.
    globalSetup: ["packages/db/src/test-global-setup.ts"],
    // Child processes rather than threads: native addons (onnxruntime, pg) and process-level
    // state (signals, child processes) are not safe to share between worker threads.
    pool: "forks",
    // OCR on a CPU node may take ~30 s per test; database hooks include cloning and migrating.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // A stray `.only` must not silently skip the rest of the suite in CI.
    allowOnly: !process.env.CI,
  },
});
