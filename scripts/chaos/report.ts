// The campaign's Markdown report (docs/reliability.md): one row per fault, then what each fault
// did, the end-of-run checks, and how to run it again. Pure: numbers in, text out.
import type { TFault } from "./options.ts";
import { summary, type TInjection, type TPhase, type TReconciliation } from "./reconcile.ts";

export type TReportInput = {
  machine: string;
  command: string;
  startedAt: Date;
  durationS: number;
  setup: string[];
  phases: readonly TPhase[];
  r: TReconciliation;
  /** Leftover files (without a job, or half-written) written just before a replica's kill -9, removed by the end-of-run orphan sweep. */
  leftoversByReplicaKill?: readonly string[];
};

export const FAULT_TITLE: Record<TFault, string> = {
  "runner-kill": "kill -9 of a runner mid-job",
  "agent-kill": "kill -9 of a whole agent, restarted",
  postgres: "Postgres stopped / crashed under load",
  "control-plane": "control-plane replica(s) killed, restarted",
  scheduler: "scheduler(s) killed, restarted",
  cutoff: "agent cut off past its lease (netns link down)",
  "disk-full": "upload disk full (tmpfs)",
  "hung-runner": "hung runner (SIGSTOP), per-job timeout",
  "slow-client": "trickling upload cut off",
};

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const codes = (m: Record<string, number>) => Object.entries(m).sort().map(([c, n]) => `${c} ${n}`).join(", ") || "0";

function recovery(values: readonly (number | null)[]): string {
  const s = summary(values);
  if (!s) return "–";
  const unknown = values.length - s.known;
  return `${s1(s.p50)} / ${s1(s.max)}${unknown ? ` (${unknown} never)` : ""}`;
}

function injectionLine(i: TInjection): string {
  const checks = i.failedChecks.length ? ` **checks failed: ${i.failedChecks.join("; ")}**` : "";
  return `  - #${i.index + 1} ${i.variant}${i.injected ? "" : " (**not injected**)"}: ${i.note}${checks}`;
}

export function renderReport(o: TReportInput): string {
  const { r } = o;
  const lost = r.totals.lost.length;
  const twice = r.totals.completedTwice.length;
  const out: string[] = [];
  out.push("# Reliability: the fault campaign", "");
  out.push(
    `\`${o.command}\` on the ${o.machine}, ${o.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${Math.round(o.durationS / 60)} min. ` +
      `It started the real stack, offered a steady load of small real documents, injected each fault below while the load ran, ` +
      `then waited for every job to finish and reconciled every submitted job against the database.`,
    "",
  );
  out.push(`**${lost} lost, ${twice} completed twice** over ${r.totals.accepted} accepted jobs and ${r.totals.injected} injected faults (${r.totals.tried - r.totals.injected} tries that did not inject).`, "");
  out.push("| Fault | Injected / tried | Jobs submitted | Succeeded | Failed (by code) | Canceled | Lost | Completed twice | Recovery p50 / max |");
  out.push("|---|---|---|---|---|---|---|---|---|");
  for (const t of r.phases) {
    out.push(
      `| ${FAULT_TITLE[t.fault]} | ${t.injected} / ${t.tried} | ${t.submitted}${t.gaveUp ? ` (${t.gaveUp} never accepted)` : ""} | ${t.succeeded} | ${codes(t.failedByCode)} | ${t.canceled} | ${t.lost.length} | ${t.completedTwice.length} | ${recovery(t.recoveryMs)} |`,
    );
  }
  const T = r.totals;
  out.push(`| **all** | ${T.injected} / ${T.tried} | ${T.submitted}${T.gaveUp ? ` (${T.gaveUp} never accepted)` : ""} | ${T.succeeded} | ${codes(T.failedByCode)} | ${T.canceled} | ${lost} | ${twice} | |`, "");
  out.push(
    "Reading the table: a job counts in the row of the fault whose phase it was submitted in. *Lost* is a job the API accepted that the database " +
      "does not have or that had not finished when the campaign drained; *completed twice* is a job with more than one `completed` event. " +
      "*Recovery* is, for a fault that hit a job (runner, agent, hung runner, cut-off), the time from the fault until that job finished; " +
      "for the others, the time until the first job that started running after the fault succeeded. An injection that did not happen " +
      "(no job running in time, the runner's job already done) is counted as tried, not injected.",
    "",
  );
  out.push("## The stack", "", ...o.setup.map((l) => `- ${l}`), "");
  out.push("## Each fault", "");
  for (const p of o.phases) {
    const t = r.phases.find((x) => x.fault === p.fault)!;
    out.push(`### ${FAULT_TITLE[p.fault]}`, "");
    out.push(`Variants injected: ${Object.entries(t.variants).map(([v, n]) => `${v} × ${n}`).join(", ") || "none"}. Phase ${s1(p.endedAt - p.startedAt)}.`, "");
    const shown = p.injections.length > 12 ? [...p.injections.filter((i) => !i.injected || i.failedChecks.length), ...p.injections.filter((i) => i.injected && !i.failedChecks.length).slice(0, 6)] : p.injections;
    out.push(...shown.sort((a, b) => a.index - b.index).map(injectionLine));
    if (shown.length < p.injections.length) out.push(`  - … and ${p.injections.length - shown.length} more injected with every check holding`);
    if (t.lost.length) out.push(`  - lost: ${t.lost.join(", ")}`);
    if (t.completedTwice.length) out.push(`  - completed twice: ${t.completedTwice.join(", ")}`);
    out.push("");
  }
  out.push("## End-of-run checks", "");
  out.push(`- Files in the upload directory without a job, after the orphan sweep: ${r.filesWithoutJob.length}${r.filesWithoutJob.length ? ` (${r.filesWithoutJob.slice(0, 5).join(", ")})` : ""}`);
  out.push(`- Jobs without their file: ${r.jobsWithoutFile.length}${r.jobsWithoutFile.length ? ` (${r.jobsWithoutFile.slice(0, 5).join(", ")})` : ""}`);
  out.push(`- Temporary (half-written) files left, after the sweep: ${r.tempFilesLeft.length}`);
  const known = o.leftoversByReplicaKill ?? [];
  if (known.length) out.push(`- Removed by the orphan sweep (retention's, run with no grace once the replicas were stopped), written in the 30 s before a control-plane replica's \`kill -9\` (a replica killed between storing an upload and committing its job; the client's retry got its job on the other replica): ${known.length} (${known.slice(0, 5).join(", ")}). Any leftover not explained by a kill fails the run, swept or not.`);
  out.push(`- Jobs in the database that no client was told about: ${r.jobsUnknownToClient.length}`);
  out.push(`- Uploads never accepted (given up by the client): ${T.gaveUp}`, "");
  out.push(
    "## Running it",
    "",
    "```sh",
    "npm run chaos                       # the full campaign; writes docs/reliability.md (as root: tmpfs and network namespaces)",
    "npm run chaos -- --short            # one or two of each fault, a few minutes; no report unless --report <file>",
    "npm run chaos -- --runner-kills 20 --agent-kills 5 --only runner-kill,agent-kill",
    "npm run chaos -- --tree <checkout>  # run another checkout's code (its web build is made if stale)",
    "```",
    "",
    "Flags: `--runner-kills --agent-kills --postgres --control-plane --scheduler --cutoffs --disk-full --hung-runners --slow-clients` (counts), " +
      "`--rate` (uploads/s, default 0.7), `--max-queued` (default 6), `--drain-s` (default 300), `--work-dir` (default the system temp dir), `--machine`. " +
      "It exits 1 when a job was lost or completed twice, a fault's own check failed, a fault could never be injected, or the upload directory " +
      "and the jobs disagree (other than files a replica killed mid-upload left). Logs of every process are under `<work dir>/logs`, the raw numbers in `<work dir>/chaos-result.json`.",
    "",
  );
  return out.join("\n");
}
