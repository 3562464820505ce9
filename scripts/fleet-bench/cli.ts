// Local use of the fleet benchmark's pieces (the GPU host's orchestrator imports them instead):
//
//   npx tsx scripts/fleet-bench/cli.ts make --src ../shared/eval/sroie2019/img --out /tmp/wl [--scale 0.1] [--seed 1]
//        (from the repository root: the eval data sits beside the checkout; any folder of receipt JPEGs will do)
//   npx tsx scripts/fleet-bench/cli.ts drive --url http://localhost:3000 --key $KEY --dir /tmp/wl --label x --out result.json
//        [--concurrency 4] [--poll-ms 1000] [--timeout-s 1800]
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { driveWorkload } from "./drive.ts";
import { makeWorkload, readWorkload } from "./workload.ts";

const USAGE = `usage:
  cli.ts make --src <receipts dir> --out <dir> [--scale 1] [--seed 1]
  cli.ts drive --url <base url> --key <api key> --dir <workload dir> --label <name> [--out result.json]
               [--concurrency 4] [--poll-ms 1000] [--timeout-s 1800]`;

function need(v: string | undefined, name: string): string {
  if (!v) throw new Error(`--${name} is required\n${USAGE}`);
  return v;
}

function num(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      src: { type: "string" }, out: { type: "string" }, scale: { type: "string" }, seed: { type: "string" },
      url: { type: "string" }, key: { type: "string" }, dir: { type: "string" }, label: { type: "string" },
      concurrency: { type: "string" }, "poll-ms": { type: "string" }, "timeout-s": { type: "string" },
    },
  });
  const command = positionals[0];
  if (command === "make") {
    const t0 = Date.now();
    const w = await makeWorkload({
      srcDir: need(values.src, "src"), outDir: need(values.out, "out"),
      scale: num(values.scale, "scale", 1), seed: values.seed === undefined ? 1 : Number(values.seed),
    });
    const byKind: Record<string, { files: number; pages: number; bytes: number }> = {};
    for (const f of w.files) {
      const k = (byKind[f.kind] ??= { files: 0, pages: 0, bytes: 0 });
      k.files++;
      k.pages += f.pages;
      k.bytes += f.bytes;
    }
    console.log(JSON.stringify({ files: w.files.length, pages: w.pages, byKind, ms: Date.now() - t0 }, null, 1));
    return;
  }
  if (command === "drive") {
    const w = await readWorkload(need(values.dir, "dir"));
    const result = await driveWorkload({
      baseUrl: need(values.url, "url"), apiKey: need(values.key, "key"), files: w.files, label: need(values.label, "label"),
      uploadConcurrency: num(values.concurrency, "concurrency", 4), pollMs: num(values["poll-ms"], "poll-ms", 1000),
      timeoutMs: num(values["timeout-s"], "timeout-s", 1800) * 1000,
      log: (s) => console.error(`[${new Date().toISOString()}] ${s}`),
    });
    if (values.out) await writeFile(values.out, JSON.stringify(result, null, 1) + "\n");
    const { jobs: _jobs, ...summary } = result;
    console.log(JSON.stringify(summary, null, 1));
    return;
  }
  throw new Error(USAGE);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
