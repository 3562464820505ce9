/** The machine a bench ran on and the ceiling table, as Markdown. */
import { execFileSync } from "node:child_process";
import os from "node:os";
import type { TCeilingRow } from "./ceiling-loop.ts";

export type TMachine = { cpu: string; cores: number; memGiB: number; node: string; os: string; gpu: string };

export function machine(): TMachine {
  let gpu: string;
  try {
    gpu = execFileSync("nvidia-smi", ["--query-gpu=name,driver_version", "--format=csv,noheader"], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    gpu = `none (nvidia-smi: ${(err as Error).message.split("\n")[0]})`;
  }
  return {
    cpu: os.cpus()[0]?.model ?? "unknown CPU",
    cores: os.availableParallelism(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    gpu,
  };
}

export const machineLine = (m: TMachine) =>
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}, ${m.os}. GPU: ${m.gpu.replace(/\n/g, "; ")}`;

const f = (x: number, digits: number) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "—");

export function ceilingTable(rows: readonly TCeilingRow[], reps: number): string {
  return [
    `Median of ${reps} timed calls after 2 warm-ups; input upload and output read-back included. det: per image; rec: per line.`,
    "",
    "| variant | stage | shape (N×3×H×W) | median ms/call | ms per line/img | lines/s or img/s | columns/s |",
    "|---|---|---|---:|---:|---:|---:|",
    ...rows.map((r) => {
      const shape = `${r.batch}×3×${r.heightPx}×${r.widthPx}`;
      if (r.error) return `| ${r.variant} | ${r.stage} | ${shape} | failed: ${r.error.slice(0, 120)} | | | |`;
      return `| ${r.variant} | ${r.stage} | ${shape} | ${f(r.medianMs, 1)} | ${f(r.msPerItem, 2)} | ${f(r.itemsPerS, 1)} | ${r.columnsPerS === undefined ? "" : f(r.columnsPerS, 0)} |`;
    }),
  ].join("\n");
}
