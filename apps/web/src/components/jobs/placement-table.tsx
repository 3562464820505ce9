// Why a job went where it went: the scheduler's figures for every node at placement time (the job's
// `placement` JSON, written by @headroom/scheduler tick.ts), the chosen node highlighted.
import { z } from "zod";
import { formatMiB } from "@/lib/format";

const ZFiguresSchema = z.object({
  nodeId: z.string(),
  name: z.string(),
  effectiveLimitMiB: z.number(),
  usedMiB: z.number(),
  reservedMiB: z.number(),
  headroomMiB: z.number(),
  inFlight: z.number().optional(),
  rejected: z.string().optional(),
});

const ZPlacementSchema = z.object({
  reason: z.string().optional(),
  predictedPeakMiB: z.number().optional(),
  prediction: z.object({ source: z.string(), n: z.number().optional(), baseMiB: z.number().optional(), mibPerMegapixel: z.number().optional() }).passthrough().optional(),
  chosen: ZFiguresSchema.partial().optional(),
  candidates: z.array(ZFiguresSchema).default([]),
  /** Large fleets keep only the best few candidates; these say what the rest were. */
  candidateCount: z.number().optional(),
  rejectedCounts: z.record(z.string(), z.number()).optional(),
});

function predictionText(p: z.infer<typeof ZPlacementSchema>["prediction"]): string {
  if (!p) return "unknown";
  if (p.source === "history") return `fitted from ${p.n ?? "?"} finished jobs (${p.baseMiB ?? "?"} MiB + ${p.mibPerMegapixel ?? "?"} MiB per megapixel)`;
  if (p.source === "prior") return "the prior (too few finished jobs to fit yet)";
  return p.source;
}

export function PlacementTable({ placement }: { placement: unknown }) {
  const parsed = ZPlacementSchema.safeParse(placement);
  if (!parsed.success) {
    return <pre className="overflow-x-auto rounded bg-slate-50 p-3 font-mono text-xs text-slate-700">{JSON.stringify(placement, null, 2)}</pre>;
  }
  const p = parsed.data;
  const chosenId = p.chosen?.nodeId;
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700">
        {p.reason ? <span className="font-medium">{p.reason[0]!.toUpperCase() + p.reason.slice(1)}.</span> : null}{" "}
        Predicted peak <span className="font-medium tabular-nums">{formatMiB(p.predictedPeakMiB)}</span>, from {predictionText(p.prediction)}.
      </p>
      <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Placement candidates">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">Node</th>
              <th scope="col" className="px-3 py-2 text-right">Effective limit</th>
              <th scope="col" className="px-3 py-2 text-right">Used</th>
              <th scope="col" className="px-3 py-2 text-right">Reserved</th>
              <th scope="col" className="px-3 py-2 text-right">Headroom</th>
              <th scope="col" className="px-3 py-2">Outcome</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {p.candidates.map((c) => {
              const chosen = c.nodeId === chosenId;
              return (
                <tr key={c.nodeId} aria-current={chosen ? "true" : undefined} className={chosen ? "bg-emerald-50 font-medium" : ""}>
                  <td className="px-3 py-2">{c.name}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{formatMiB(c.effectiveLimitMiB)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{formatMiB(c.usedMiB)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{formatMiB(c.reservedMiB)}{c.inFlight ? <span className="text-xs text-slate-500"> ({c.inFlight} in flight)</span> : null}</td>
                  <td className={`px-3 py-2 text-right tabular-nums ${c.headroomMiB < 0 ? "text-red-700" : ""}`}>{formatMiB(c.headroomMiB)}</td>
                  <td className="px-3 py-2">
                    {chosen ? <span className="text-emerald-800">chosen</span> : c.rejected ? <span className="text-slate-600">rejected: {c.rejected}</span> : <span className="text-slate-500">eligible, less headroom</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {p.candidateCount !== undefined && p.candidateCount > p.candidates.length ? (
        <p className="text-xs text-slate-600">
          {p.candidateCount - p.candidates.length} more node{p.candidateCount - p.candidates.length === 1 ? "" : "s"} not listed.
          {p.rejectedCounts && Object.keys(p.rejectedCounts).length > 0
            ? ` Passed over: ${Object.entries(p.rejectedCounts).map(([why, n]) => `${why} × ${n}`).join("; ")}.`
            : null}
        </p>
      ) : null}
      <p className="text-xs text-slate-500">Headroom = effective limit (lower of the memory cap and total − minimum free) − used − reserved for jobs in flight, measured when the job was placed.</p>
    </div>
  );
}
