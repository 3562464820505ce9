// What a benchmark phase cost Postgres: WAL bytes written and CPU seconds used by its server
// processes. CPU comes from /proc (Linux, server on this machine: the embedded one); elsewhere it is
// null. The server's processes are found by name ("postgres"), so another Postgres on the same
// machine would be counted too; the bench's embedded server is the only one here.
import { readdir, readFile } from "node:fs/promises";
import type { PrismaClient } from "@headroom/db";

export type TPgMark = { lsn: string; cpuS: number | null; at: number };
export type TPgLoad = { walBytes: number; cpuS: number | null; wallS: number };

async function postgresCpuS(): Promise<number | null> {
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  const ticksPerS = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const m = /^\d+ \((.*)\) \S (.*)$/.exec(stat.trim());
    if (!m || m[1] !== "postgres") continue;
    const f = m[2]!.split(" ");
    // utime, stime, cutime, cstime (fields 14–17 of stat): a backend that exits (its connection
    // closed) is reaped by the postmaster, whose cutime/cstime then carry its CPU, so the sum only grows.
    ticks += Number(f[10]) + Number(f[11]) + Number(f[12]) + Number(f[13]);
  }
  return ticks / ticksPerS;
}

export async function pgMark(db: PrismaClient): Promise<TPgMark> {
  const [r] = await db.$queryRaw<{ lsn: string }[]>`SELECT pg_current_wal_insert_lsn()::text AS lsn`;
  return { lsn: r!.lsn, cpuS: await postgresCpuS(), at: performance.now() };
}

export async function pgLoadSince(db: PrismaClient, m: TPgMark): Promise<TPgLoad> {
  const [r] = await db.$queryRaw<{ bytes: number }[]>`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${m.lsn}::pg_lsn)::float8 AS bytes`;
  const cpu = await postgresCpuS();
  return { walBytes: r!.bytes, cpuS: cpu === null || m.cpuS === null ? null : cpu - m.cpuS, wallS: (performance.now() - m.at) / 1_000 };
}
