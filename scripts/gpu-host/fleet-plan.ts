// The phases of a fleet run, from `--plan "gpu:1,gpu:2,gpu:4,tight:4,kill:2,cpu:4"`. Pure.
//   gpu:N    the workload on N accelerator agents (the others drained)
//   tight:N  the same under a tight per-GPU memory budget, set through the admin API
//   kill:N   the same, with one agent's runner killed (-9) in mid-job
//   cpu:N    the workload on N CPU agents started for the phase (the accelerators drained)
// A phase may end early: `gpu:1@150` stops offering work after 150 s and cancels what is left, so a
// slow configuration's throughput is measured over a window instead of spending the host's time.
// A phase may offer one kind of page alone: `gpu:1@45:a4` offers only the workload's A4 pages
// (receipt, scan and pdf likewise; `mixed`, the default, is the whole workload), repeated so that
// the phase does not run dry (offerPages), because one kind's share of 320 pages is too few to fill
// a window. Its label carries the suffix (`gpu1-a4`) so the report tells the phases apart.
import type { TWorkloadKind } from "../fleet-bench/types.ts";

export type TPhaseKind = "gpu" | "tight" | "kill" | "cpu";
export type TPhase = {
  kind: TPhaseKind;
  agents: number;
  label: string;
  capS: number | null;
  /** The one kind of page the phase offers; null: the whole mixed workload. */
  subset: TWorkloadKind | null;
};

const KINDS: readonly TPhaseKind[] = ["gpu", "tight", "kill", "cpu"];

/** Plan suffix → the workload kind it offers alone (scripts/fleet-bench/types.ts). */
export const SUBSETS: Readonly<Record<string, TWorkloadKind | null>> = { mixed: null, a4: "a4-150dpi", receipt: "receipt", scan: "scan4000x3000", pdf: "pdf" };

export function parsePlan(plan: string, accelerators: number): TPhase[] {
  const phases = plan
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item): TPhase => {
      const m = /^([a-z]+):(\d+)(?:@(\d+))?(?::(.*))?$/.exec(item);
      const kind = m?.[1] as TPhaseKind | undefined;
      if (!m || !kind || !KINDS.includes(kind)) throw new Error(`plan: "${item}" is not one of ${KINDS.map((k) => `${k}:N`).join(", ")} (each optionally followed by @S and :subset)`);
      const agents = Number(m[2]);
      if (agents < 1) throw new Error(`plan: "${item}" needs at least one agent`);
      if (kind !== "cpu" && agents > accelerators) throw new Error(`plan: "${item}" needs ${agents} accelerators; this host has ${accelerators}`);
      if (kind === "kill" && agents < 2) throw new Error(`plan: "${item}": a killed runner's jobs need a second agent to go to`);
      const capS = m[3] === undefined ? null : Number(m[3]);
      if (capS !== null && capS < 10) throw new Error(`plan: "${item}": a window under 10 s measures nothing`);
      const suffix = m[4];
      if (suffix !== undefined && !Object.hasOwn(SUBSETS, suffix)) throw new Error(`plan: "${item}": "${suffix}" is no workload subset; use one of ${Object.keys(SUBSETS).join(", ")}`);
      const subset = suffix === undefined ? null : SUBSETS[suffix]!;
      return { kind, agents, label: `${kind}${agents}${subset ? `-${suffix}` : ""}`, capS, subset };
    });
  if (phases.length === 0) throw new Error("plan: no phases");
  const seen = new Map<string, number>();
  // Labels name phases in the report and in chart files, so they must be unique.
  return phases.map((p) => {
    const n = (seen.get(p.label) ?? 0) + 1;
    seen.set(p.label, n);
    return n === 1 ? p : { ...p, label: `${p.label}-${n}` };
  });
}

/**
 * Pages a subset phase is offered. Without a window, as many as the mixed workload has, so the phase
 * does the same amount of work. With one, also enough for the window at `pagesPerS` (a ceiling well
 * above what the phase's agents have done), because the driver offers a fixed list once and a phase
 * that runs dry early measures its tail, not its full load.
 */
export function offerPages(phase: Pick<TPhase, "capS">, mixedPages: number, pagesPerS: number): number {
  return phase.capS === null ? mixedPages : Math.max(mixedPages, Math.ceil(phase.capS * pagesPerS));
}

/** The plan for a host, when none is given: scaling 1 → 2 → 4 over what it has, then the tight cap. */
export function defaultPlan(accelerators: number): string {
  const steps = [1, 2, 4, 8].filter((n) => n <= accelerators);
  if (steps.at(-1) !== accelerators) steps.push(accelerators);
  return [...steps.map((n) => `gpu:${n}`), `tight:${accelerators}`].join(",");
}
