// What large uploads at once cost one replica's memory: a server process (the API port, the real
// upload handler, a real Postgres, files on disk) is started afresh for each level, and a client sends
// `--uploads` uploads of `--files` noise PNGs of `--mib` MiB each, that many at once (`--levels`, 1
// being the peer: one at a time), under each upload budget of `--budgets` (MiB,
// HEADROOM_UPLOAD_BUFFER_BYTES: the default 256 against one too large to bind). Printed per level and
// budget: the server's RSS when ready, its peak RSS while it took the uploads, what its JS heap and
// its buffers reached (sampled every 5 ms), the answers and the wall time.
//
// The peak is the kernel's high-water mark (VmHWM), reset when the server is ready. Not getrusage's
// maxRSS: that survives execve, so a server forked from this client started with the client's own
// RSS as its peak, which after a level of 32 large uploads at once was past 1.5 GiB (session 16's
// "spikes").
//
//   cd apps/web && npx tsx bench/upload-flood-memory.ts [--uploads 32] [--levels 1,4,16,32,64] [--mib 12] [--files 1] [--budgets 256,4096] [--rounds 2]
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { machineLine } from "../../../packages/scheduler/bench/stats.ts";

type TServerMsg = { ev: "ready"; port: number; key: string; rssMiB: number } | { ev: "rss"; peakMiB: number; heapMiB: number; buffersMiB: number };

const mib = (bytes: number) => bytes / 2 ** 20;
/** This process's peak RSS since it started or since the last reset, in MiB. */
function highWaterMiB(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;
}

if (process.argv[2] === "--server") {
  // A fresh server per level, so that no level starts with the garbage or the heap of the one before.
  const { openBenchDatabase } = await import("../../../packages/scheduler/bench/db.ts");
  const bench = await openBenchDatabase(process.env.BENCH_DATABASE_URL, () => {});
  const dir = mkdtempSync(path.join(os.tmpdir(), "headroom-flood-"));
  Object.assign(process.env, { DATABASE_URL: bench.url, LOG_LEVEL: "silent", HEADROOM_ENROLL_TOKEN: "bench-enroll-token-0000000000", HEADROOM_UPLOADS_PER_MINUTE: "100000000", HEADROOM_MAX_QUEUED_JOBS: "100000000", HEADROOM_STORAGE: "fs", HEADROOM_UPLOAD_DIR: dir, HEADROOM_UPLOAD_BUFFER_BYTES: String(Number(process.argv[3]) * 2 ** 20) });
  const { createApiPortServer } = await import("../src/server/api-port/server.ts");
  const { createApiKey } = await import("../src/server/admin/api-keys.ts");
  const { db } = await import("../src/server/db.ts");
  const { key } = await createApiKey(db(), { name: "flood", role: "ADMIN" }, null);
  const server = createApiPortServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const send = (m: TServerMsg) => process.send!(m);
  const max = { heap: 0, buffers: 0 };
  setInterval(() => {
    const m = process.memoryUsage();
    max.heap = Math.max(max.heap, mib(m.heapUsed));
    max.buffers = Math.max(max.buffers, mib(m.arrayBuffers));
  }, 5).unref();
  process.on("message", async (m: { cmd: "rss" | "stop" }) => {
    if (m.cmd === "rss") return send({ ev: "rss", peakMiB: highWaterMiB(), heapMiB: max.heap, buffersMiB: max.buffers });
    server.close();
    await bench.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  writeFileSync("/proc/self/clear_refs", "5"); // the high-water mark back to the RSS now: the setup is not the uploads' cost
  send({ ev: "ready", port: (server.address() as AddressInfo).port, key, rssMiB: mib(process.memoryUsage().rss) });
} else {
  const { values: a } = parseArgs({ options: { uploads: { type: "string", default: "32" }, levels: { type: "string", default: "1,4,16,32,64" }, mib: { type: "string", default: "12" }, files: { type: "string", default: "1" }, budgets: { type: "string", default: "256,4096" }, rounds: { type: "string", default: "2" } } });
  const sharp = (await import("sharp")).default;
  // Random pixels stored without compression: the PNG is about as large as its pixels.
  const side = Math.ceil(Math.sqrt((Number(a.mib) * 2 ** 20) / 3));
  const png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  console.log(`${machineLine()}\nEach upload: ${a.files} × a ${side}×${side} PNG of ${(png.length / 2 ** 20).toFixed(1)} MiB; ${a.uploads} uploads per level.\n`);
  console.log("| uploads at once | upload budget | round | server RSS when ready | server peak RSS | JS heap used, max | buffers, max | taken (201) | other answers | wall s |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (let round = 1; round <= Number(a.rounds); round++) {
    for (const level of a.levels.split(",").map(Number)) for (const budget of a.budgets.split(",")) {
      const child = fork(new URL(import.meta.url).pathname, ["--server", budget], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      const next = () => new Promise<TServerMsg>((r) => child.once("message", r));
      const ready = (await next()) as Extract<TServerMsg, { ev: "ready" }>;
      const counts = { taken: 0, other: 0 };
      let i = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (i < Number(a.uploads)) {
          i++;
          const form = new FormData();
          for (let f = 0; f < Number(a.files); f++) form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), `flood-${f}.png`);
          const r = await fetch(`http://127.0.0.1:${ready.port}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${ready.key}` }, body: form });
          await r.arrayBuffer();
          if (r.status === 201) counts.taken++;
          else counts.other++;
        }
      };
      await Promise.all(Array.from({ length: level }, worker));
      const wallS = (performance.now() - t0) / 1000;
      child.send({ cmd: "rss" });
      const peak = (await next()) as Extract<TServerMsg, { ev: "rss" }>;
      child.send({ cmd: "stop" });
      await new Promise((r) => child.once("exit", r));
      console.log(`| ${level} | ${budget} MiB | ${round} | ${ready.rssMiB.toFixed(0)} MiB | **${peak.peakMiB.toFixed(0)} MiB** | ${peak.heapMiB.toFixed(0)} MiB | ${peak.buffersMiB.toFixed(0)} MiB | ${counts.taken} | ${counts.other} | ${wallS.toFixed(1)} |`);
    }
  }
}
