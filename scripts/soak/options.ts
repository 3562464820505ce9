// `npm run soak` arguments, parsed once. --minutes is how long the steady load runs once the stack
// is up and warm; the issue's full soak is 60 minutes, a shorter run rehearses it. --short is CI's
// run: three minutes, no report unless asked, and RSS growth shown but not judged (too few jobs).
import { parseArgs } from "node:util";

export type TSoakOptions = {
  minutes: number;
  /** Seconds between samples (10–30 s keeps an hour's series a few hundred points). */
  sampleS: number;
  /** Upload rate of the steady load, jobs per second, and the queue depth above which it waits. */
  ratePerS: number;
  maxQueued: number;
  agents: number;
  /** Share of the run's jobs counted as warm-up, left out of the slope fits. */
  warmupFraction: number;
  /** The checkout whose code runs (web build, agents, scheduler, migrations); default the repository. */
  tree: string | undefined;
  workDir: string;
  /** Where the Markdown report goes (its plot and series beside it, in docs/soak/); none when undefined. */
  reportPath: string | undefined;
  machine: string;
  /** How long the end waits for the jobs still open to finish, in s. */
  drainS: number;
  /** CI's run: growth is reported, not judged; the job and process checks still decide. */
  short: boolean;
};

function positive(v: string | undefined, name: string, fallback: number, max = Number.POSITIVE_INFINITY): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`--${name} must be a number above 0${Number.isFinite(max) ? ` and at most ${max}` : ""}, got ${JSON.stringify(v)}`);
  return n;
}

export function parseSoakArgs(argv: string[], defaults: { workDir: string; machine: string }): TSoakOptions {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      minutes: { type: "string" },
      "sample-s": { type: "string" },
      rate: { type: "string" },
      "max-queued": { type: "string" },
      agents: { type: "string" },
      "warmup-pct": { type: "string" },
      tree: { type: "string" },
      "work-dir": { type: "string" },
      report: { type: "string" },
      "no-report": { type: "boolean", default: false },
      machine: { type: "string" },
      "drain-s": { type: "string" },
      short: { type: "boolean", default: false },
    },
  });
  const short = v.short === true;
  const sampleS = positive(v["sample-s"], "sample-s", short ? 10 : 15);
  if (sampleS < 10 || sampleS > 30) throw new Error(`--sample-s must be between 10 and 30, got ${sampleS}`);
  const agents = positive(v.agents, "agents", 2, 8);
  if (!Number.isInteger(agents)) throw new Error(`--agents must be a whole number, got ${agents}`);
  return {
    minutes: positive(v.minutes, "minutes", short ? 3 : 60),
    sampleS,
    ratePerS: positive(v.rate, "rate", 1),
    maxQueued: positive(v["max-queued"], "max-queued", 6),
    agents,
    warmupFraction: positive(v["warmup-pct"], "warmup-pct", 10, 90) / 100,
    tree: v.tree,
    workDir: v["work-dir"] ?? defaults.workDir,
    reportPath: v["no-report"] ? undefined : (v.report ?? (short ? undefined : "docs/soak.md")),
    machine: v.machine ?? defaults.machine,
    drainS: positive(v["drain-s"], "drain-s", 180),
    short,
  };
}
