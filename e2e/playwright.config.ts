// End-to-end tests drive the real stack, started by the same script as `npm start`, in Debian's
// Chromium (browser downloads are impossible here). Its own data dir and ports keep it apart from a
// fleet you may have running.
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { E2E } from "./fixtures/stack.ts";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig({
  testDir: "./tests",
  forbidOnly: true,
  retries: 0,
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  outputDir: "../test-results/e2e",
  use: {
    baseURL: E2E.baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: `node ${path.join(root, "node_modules/tsx/dist/cli.mjs")} scripts/start.ts`,
    cwd: root,
    url: `${E2E.baseURL}/api/health`,
    timeout: 360_000,
    reuseExistingServer: false,
    stdout: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      HEADROOM_PORT: String(E2E.port),
      HEADROOM_DB_PORT: String(E2E.dbPort),
      HEADROOM_DATA_DIR: E2E.dataDir,
      HEADROOM_MAX_UPLOAD_BYTES: String(E2E.maxUploadBytes),
      HEADROOM_MAX_PIXELS: String(E2E.maxPixels),
      HEADROOM_UPLOAD_BUFFER_BYTES: String(E2E.uploadBufferBytes),
      HEADROOM_UPLOAD_QUEUE_WAIT_MS: String(E2E.uploadQueueWaitMs),
      HEADROOM_ADMIN_PASSWORD: E2E.adminPassword,
      HEADROOM_API_KEY: E2E.apiKey,
      HEADROOM_AGENTS: "cpu",
      LOG_LEVEL: "warn",
    },
  },
});
