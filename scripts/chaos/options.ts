// `npm run chaos` arguments, parsed once. Every fault's count is a parameter; --short is the
// CI-sized campaign (one or two of each), the defaults are the full campaign of issue 13.
import { parseArgs } from "node:util";

export const FAULTS = ["runner-kill", "agent-kill", "postgres", "control-plane", "scheduler", "cutoff", "disk-full", "hung-runner", "slow-client"] as const;
export type TFault = (typeof FAULTS)[number];

export type TChaosOptions = {
  /** How many times each fault is injected; 0 leaves it out. */
  counts: Record<TFault, number>;
  /** Upload rate of the steady load, jobs per second, and the queue depth above which it waits. */
  ratePerS: number;
  maxQueued: number;
  /** The checkout whose code runs (web build, agents, scheduler, migrations); default the repository. */
  tree: string | undefined;
  /** Where the run keeps its database, uploads and logs. */
  workDir: string;
  /** Where the Markdown report goes; none when undefined. */
  reportPath: string | undefined;
  /** How long the end waits for every submitted job to finish before calling the rest lost, in s. */
  drainS: number;
  machine: string;
  short: boolean;
};

const FULL: Record<TFault, number> = {
  "runner-kill": 100,
  "agent-kill": 30,
  postgres: 10,
  "control-plane": 10,
  scheduler: 10,
  cutoff: 3,
  "disk-full": 3,
  "hung-runner": 3,
  "slow-client": 3,
};
const SHORT: Record<TFault, number> = {
  "runner-kill": 2,
  "agent-kill": 1,
  postgres: 2,
  "control-plane": 2,
  scheduler: 2,
  cutoff: 1,
  "disk-full": 1,
  "hung-runner": 1,
  "slow-client": 1,
};

function count(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number ≥ 0, got ${JSON.stringify(v)}`);
  return Number(v);
}

function positive(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

/** The flag of each count: --runner-kills, --agent-kills, --postgres, --control-plane, ... */
export const COUNT_FLAG: Record<TFault, string> = {
  "runner-kill": "runner-kills",
  "agent-kill": "agent-kills",
  postgres: "postgres",
  "control-plane": "control-plane",
  scheduler: "scheduler",
  cutoff: "cutoffs",
  "disk-full": "disk-full",
  "hung-runner": "hung-runners",
  "slow-client": "slow-clients",
};

export function parseChaosArgs(argv: string[], defaults: { workDir: string; machine: string }): TChaosOptions {
  const countOptions = Object.fromEntries(Object.values(COUNT_FLAG).map((f) => [f, { type: "string" as const }]));
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...countOptions,
      short: { type: "boolean", default: false },
      only: { type: "string" },
      rate: { type: "string" },
      "max-queued": { type: "string" },
      tree: { type: "string" },
      "work-dir": { type: "string" },
      report: { type: "string" },
      "drain-s": { type: "string" },
      machine: { type: "string" },
    },
  });
  const v = values as Record<string, string | boolean | undefined>;
  const short = v.short === true;
  const base = short ? SHORT : FULL;
  let only: Set<TFault> | null = null;
  if (typeof v.only === "string") {
    const names = v.only.split(",").map((s) => s.trim()).filter(Boolean);
    const bad = names.filter((n) => !(FAULTS as readonly string[]).includes(n));
    if (bad.length) throw new Error(`--only: unknown fault(s) ${bad.join(", ")}; known: ${FAULTS.join(", ")}`);
    only = new Set(names as TFault[]);
  }
  const counts = Object.fromEntries(
    FAULTS.map((f) => [f, only && !only.has(f) ? 0 : count(v[COUNT_FLAG[f]] as string | undefined, COUNT_FLAG[f], base[f])]),
  ) as Record<TFault, number>;
  return {
    counts,
    ratePerS: positive(v.rate as string | undefined, "rate", 0.7),
    maxQueued: positive(v["max-queued"] as string | undefined, "max-queued", 6),
    tree: v.tree as string | undefined,
    workDir: (v["work-dir"] as string | undefined) ?? defaults.workDir,
    reportPath: (v.report as string | undefined) ?? (short ? undefined : "docs/reliability.md"),
    drainS: positive(v["drain-s"] as string | undefined, "drain-s", 300),
    machine: (v.machine as string | undefined) ?? defaults.machine,
    short,
  };
}
