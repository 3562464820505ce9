// What large uploads at once cost one replica's memory: a server process (the API port, the real
// upload handler, a real Postgres, files on disk) is started afresh for each level, and a client sends
// `--uploads` uploads of a `--mib` MiB noise PNG, that many at once (`--levels`, 1 being the peer: one
// at a time). Printed per level: the server's RSS before, its peak RSS (getrusage, the process's
// whole life, hence a fresh process each time), the uploads taken (201) and the wall time.
//
//   cd apps/web && npx tsx bench/upload-flood-memory.ts [--uploads 32] [--levels 1,4,16,32] [--mib 12] [--rounds 2]
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { machineLine } from "../../../packages/scheduler/bench/stats.ts";

type TServerMsg = { ev: "ready"; port: number; key: string; rssMiB: number } | { ev: "rss"; peakMiB: number };

if (process.argv[2] === "--server") {
  // One server process, a fresh one per level: getrusage's peak RSS covers the process's whole life.
  const { openBenchDatabase } = await import("../../../packages/scheduler/bench/db.ts");
  const bench = await openBenchDatabase(process.env.BENCH_DATABASE_URL, () => {});
  const dir = mkdtempSync(path.join(os.tmpdir(), "headroom-flood-"));
  Object.assign(process.env, { DATABASE_URL: bench.url, LOG_LEVEL: "silent", HEADROOM_ENROLL_TOKEN: "bench-enroll-token-0000000000", HEADROOM_UPLOADS_PER_MINUTE: "100000000", HEADROOM_MAX_QUEUED_JOBS: "100000000", HEADROOM_STORAGE: "fs", HEADROOM_UPLOAD_DIR: dir });
  const { createApiPortServer } = await import("../src/server/api-port/server.ts");
  const { createApiKey } = await import("../src/server/admin/api-keys.ts");
  const { db } = await import("../src/server/db.ts");
  const { key } = await createApiKey(db(), { name: "flood", role: "ADMIN" }, null);
  const server = createApiPortServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const send = (m: TServerMsg) => process.send!(m);
  process.on("message", async (m: { cmd: "rss" | "stop" }) => {
    if (m.cmd === "rss") return send({ ev: "rss", peakMiB: process.resourceUsage().maxRSS / 1024 });
    server.close();
    await bench.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  send({ ev: "ready", port: (server.address() as AddressInfo).port, key, rssMiB: process.memoryUsage().rss / 2 ** 20 });
} else {
  const { values: a } = parseArgs({ options: { uploads: { type: "string", default: "32" }, levels: { type: "string", default: "1,4,16,32" }, mib: { type: "string", default: "12" }, rounds: { type: "string", default: "2" } } });
  const sharp = (await import("sharp")).default;
  // Random pixels stored without compression: the PNG is about as large as its pixels.
  const side = Math.ceil(Math.sqrt((Number(a.mib) * 2 ** 20) / 3));
  const png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  console.log(`${machineLine()}\nEach upload: a ${side}×${side} PNG of ${(png.length / 2 ** 20).toFixed(1)} MiB; ${a.uploads} uploads per level.\n`);
  console.log("| uploads at once | round | server RSS before | server peak RSS | taken (201) | other answers | wall s |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (let round = 1; round <= Number(a.rounds); round++) {
    for (const level of a.levels.split(",").map(Number)) {
      const child = fork(new URL(import.meta.url).pathname, ["--server"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      const next = () => new Promise<TServerMsg>((r) => child.once("message", r));
      const ready = (await next()) as Extract<TServerMsg, { ev: "ready" }>;
      const counts = { taken: 0, other: 0 };
      let i = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (i < Number(a.uploads)) {
          i++;
          const form = new FormData();
          form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "flood.png");
          const r = await fetch(`http://127.0.0.1:${ready.port}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${ready.key}` }, body: form });
          await r.arrayBuffer();
          if (r.status === 201) counts.taken++;
          else counts.other++;
        }
      };
      await Promise.all(Array.from({ length: level }, worker));
      const wallS = (performance.now() - t0) / 1000;
      child.send({ cmd: "rss" });
      const { peakMiB } = (await next()) as Extract<TServerMsg, { ev: "rss" }>;
      child.send({ cmd: "stop" });
      await new Promise((r) => child.once("exit", r));
      console.log(`| ${level} | ${round} | ${ready.rssMiB.toFixed(0)} MiB | **${peakMiB.toFixed(0)} MiB** | ${counts.taken} | ${counts.other} | ${wallS.toFixed(1)} |`);
    }
  }
}
