// One line per phase from bench-dispatch.json files (the bench's raw output), for runs whose
// bench-dispatch.md did not come back: accepted uploads a second, submit → claim p50/p99 (nearest
// rank), Postgres cores, commits and WAL a second, web cores, API requests a second, web CPU per request.
//   node scripts/bench-host/dispatch-summary.mjs <bench-dispatch.json[.gz]>…
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const pct = (xs, q) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] : NaN);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "—");
for (const file of process.argv.slice(2)) {
  console.log(`== ${file}`);
  for (const p of JSON.parse((file.endsWith(".gz") ? gunzipSync(readFileSync(file)) : readFileSync(file)).toString("utf8")).phases) {
    const w = p.windowS;
    const web = Object.entries(p.cpu).filter(([k]) => k.startsWith("web")).reduce((s, [, v]) => s + v, 0);
    const req = Object.values(p.records.counts).reduce((s, n) => s + n, 0) / w;
    const errors = Object.values(p.records.errors ?? {}).reduce((s, n) => s + n, 0);
    console.log(
      `${p.name.padEnd(26)} accepted/s ${f(p.accepted / w)} claimed ${p.claimed}/${p.accepted} submit→claim p50 ${f(pct(p.submitToClaimMs, 0.5))} p99 ${f(pct(p.submitToClaimMs, 0.99))} ms | ` +
        `Postgres ${f(p.pg.cpuS / p.pg.wallS, 2)} cores, ${f(p.pg.commits / p.pg.wallS, 0)} commits/s, WAL ${f(p.pg.walBytes / p.pg.wallS / 1048576, 2)} MiB/s | ` +
        `web ${f(web, 2)} cores, ${f(req, 0)} requests/s, ${req ? f((web * 1000) / req, 2) : "—"} ms/request | errors ${errors}`,
    );
  }
}
