// Used / total MiB as a bar. Colour follows the node's own thresholds: amber above the sweep
// level, red above the alert level.
import { formatMiB } from "@/lib/format";

export function MemoryGauge({ usedMiB, totalMiB, usedPct, warnAbovePct, alertAbovePct, label }: {
  usedMiB: number;
  totalMiB: number;
  usedPct: number | null;
  warnAbovePct: number;
  alertAbovePct: number;
  label: string;
}) {
  const pct = usedPct ?? 0;
  const colour = pct >= alertAbovePct ? "bg-red-500" : pct >= warnAbovePct ? "bg-amber-500" : "bg-emerald-500";
  return (
    <div>
      <div className="flex items-baseline justify-between gap-2 text-sm">
        <span className="tabular-nums text-slate-900">
          {formatMiB(usedMiB)} <span className="text-slate-500">of {formatMiB(totalMiB)}</span>
        </span>
        <span className="font-semibold tabular-nums text-slate-900">{usedPct === null ? "—" : `${usedPct.toFixed(1)}%`}</span>
      </div>
      <div
        role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={usedPct ?? undefined}
        aria-valuetext={usedPct === null ? "unknown" : `${usedPct.toFixed(1)}% used`}
        className="mt-1.5 h-2.5 overflow-hidden rounded-full bg-slate-100"
      >
        <div className={`h-full rounded-full transition-[width] duration-500 ${colour}`} style={{ width: `${Math.min(100, pct)}%` }} />
      </div>
    </div>
  );
}
