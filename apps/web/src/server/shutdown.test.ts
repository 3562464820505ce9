// A web replica told to stop (SIGTERM, as Kubernetes does) finishes what it is serving: the real
// production server (Next's standalone server.js, the control-plane image's entry; else `next start`
// on the regular build) holds an agent's long-poll claim, gets SIGTERM in the middle of it, still
// answers it, refuses new connections meanwhile, and exits once it is done. Needs a web build
// (`next build`, or deploy/containers/stage.sh for the standalone one); without one it is skipped.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useTestDatabase } from "@headroom/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { sha256Hex } from "@/server/agent/node-auth";

const WEB = fileURLToPath(new URL("../..", import.meta.url));
const STANDALONE = path.join(WEB, ".next-standalone/standalone/apps/web/server.js");
const NEXT_BIN = path.join(WEB, "../../node_modules/next/dist/bin/next");
const server = existsSync(STANDALONE) ? { args: [STANDALONE], what: "standalone server.js" } : existsSync(path.join(WEB, ".next/BUILD_ID")) ? { args: [NEXT_BIN, "start"], what: "next start" } : null;

const t = useTestDatabase();

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(!server)(`web replica on SIGTERM (${server?.what ?? "no web build: skipped"})`, () => {
  let web: ChildProcess | undefined;
  afterAll(() => {
    if (web && web.exitCode === null) web.kill("SIGKILL");
  });

  it("finishes the request in flight, takes no new ones, then exits", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    web = spawn(process.execPath, [...server!.args, ...(server!.what === "next start" ? ["-p", String(port), "-H", "127.0.0.1"] : [])], {
      cwd: WEB,
      env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: String(port), HOSTNAME: "127.0.0.1", DATABASE_URL: t.url, HEADROOM_ENROLL_TOKEN: "x".repeat(32), HEADROOM_STORAGE: "postgres", LOG_LEVEL: "silent", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    let exitedAt = 0;
    const exited = new Promise<number | null>((r) => web!.once("exit", (code) => ((exitedAt = Date.now()), r(code))));
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 300 || web.exitCode !== null) throw new Error("the web server did not come up");
      await new Promise((r) => setTimeout(r, 100));
    }

    const token = `hn_${randomUUID()}`;
    await t.db.node.create({ data: { name: "n", hostname: "h", kind: "CPU", tokenHash: sha256Hex(token), status: "ONLINE", totalMiB: 1000, usedMiB: 0, freeMiB: 1000, maxConcurrent: 1, lastHeartbeatAt: new Date() } });
    // An empty queue: the claim waits its full 4 s, like an idle agent's long-poll.
    const t0 = Date.now();
    const claim = fetch(`${base}/api/agent/v1/claim`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ waitMs: 4_000 }) }).then((r) => ({ status: r.status, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 1_000));
    web.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    const late = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => `answered ${r.status}`, (e: Error) => `refused: ${(e.cause as { code?: string } | undefined)?.code ?? e.message}`);

    const answered = await claim;
    expect(answered.status).toBe(204);
    expect(answered.at - t0).toBeGreaterThanOrEqual(3_900);
    expect(late).toBe("refused: ECONNREFUSED");
    expect(await exited).toBe(143); // Next exits 128 + SIGTERM once its server has closed
    expect(exitedAt).toBeGreaterThanOrEqual(answered.at - 50);
  }, 60_000);
});
