"use client";
// Memory over time (recharts, MIT): max used per bucket as an area, average as a line, the node's
// thresholds as horizontal lines, and node events (cleanup, sweep, refusal, oom, runner restart) as
// vertical markers. The points arrive already downsampled by the server (≤ ~300).
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { timeTicks, type TThresholdLine } from "@/lib/memory-buckets";
import type { TRouterOutputs } from "@/lib/trpc/types";

export type TSeries = TRouterOutputs["node"]["memory"];

const LINE_COLOUR: Record<TThresholdLine["key"], string> = {
  admission: "#dc2626",
  cap: "#be123c",
  alert: "#ea580c",
  cleanup: "#d97706",
  sweep: "#ca8a04",
};

export const MARKER_COLOUR: Record<string, string> = {
  cleanup: "#059669",
  sweep: "#0891b2",
  refusal: "#d97706",
  oom: "#dc2626",
  runner_restart: "#7c3aed",
};

function timeFormatter(spanMs: number): (ms: number) => string {
  if (spanMs <= 2 * 3_600_000) return (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  if (spanMs <= 36 * 3_600_000) return (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  return (ms) => new Date(ms).toLocaleString("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit" });
}

const mib = (v: number) => (v >= 10_240 ? `${(v / 1024).toFixed(0)} GiB` : `${Math.round(v).toLocaleString("en-US")}`);

export function MemoryChart({ series, totalMiB, lines = [], peak, band, height = 180, label, testId }: {
  series: TSeries;
  totalMiB: number;
  lines?: TThresholdLine[];
  /** A point to mark, e.g. a job's peak. */
  peak?: { at: number | null; usedMiB: number } | null;
  /** A span to shade, e.g. when the job ran. */
  band?: { fromMs: number; toMs: number } | null;
  height?: number;
  label: string;
  testId?: string;
}) {
  const fmt = timeFormatter(series.toMs - series.fromMs);
  const top = Math.max(totalMiB, ...series.points.map((p) => p.maxUsedMiB), 1);
  const last = series.points.at(-1);
  return (
    <figure
      aria-label={label}
      data-testid={testId}
      data-last-sample-at={series.lastSampleAt ?? ""}
      data-points={series.points.length}
      data-bucket-ms={series.bucketMs}
      className="w-full"
    >
      <div style={{ height }} className="w-full">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={series.points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={[series.fromMs, series.toMs]} ticks={timeTicks(series.fromMs, series.toMs)} tickFormatter={fmt} tick={{ fontSize: 10, fill: "#64748b" }} minTickGap={40} allowDataOverflow />
            <YAxis domain={[0, top]} tickFormatter={mib} tick={{ fontSize: 10, fill: "#64748b" }} width={52} allowDataOverflow />
            <Tooltip
              isAnimationActive={false}
              labelFormatter={(v) => new Date(Number(v)).toLocaleString("en-GB")}
              formatter={(v, name) => [`${Math.round(Number(v)).toLocaleString("en-US")} MiB`, name === "maxUsedMiB" ? "max used" : name === "avgUsedMiB" ? "avg used" : String(name)]}
              contentStyle={{ fontSize: 12 }}
            />
            {band ? <ReferenceArea x1={band.fromMs} x2={Math.max(band.toMs, band.fromMs + series.bucketMs)} fill="#a5b4fc" fillOpacity={0.25} stroke="none" label={{ value: "job", position: "insideTop", fontSize: 10, fill: "#4f46e5" }} /> : null}
            {lines.map((l) => (
              <ReferenceLine key={l.key} y={l.mib} stroke={LINE_COLOUR[l.key]} strokeDasharray="4 3" strokeOpacity={0.8}
                label={{ value: `${l.label} ${l.pct}%`, position: "insideTopRight", fontSize: 9, fill: LINE_COLOUR[l.key] }} />
            ))}
            <Area dataKey="maxUsedMiB" type="stepAfter" stroke="#4f46e5" fill="#c7d2fe" fillOpacity={0.6} isAnimationActive={false} connectNulls={false} />
            <Line dataKey="avgUsedMiB" type="stepAfter" stroke="#312e81" strokeWidth={1} dot={false} isAnimationActive={false} />
            {series.markers.map((m, i) => (
              <ReferenceLine key={`m${i}`} x={m.at} stroke={MARKER_COLOUR[m.type] ?? "#64748b"} strokeOpacity={0.7} />
            ))}
            {series.markers.map((m, i) =>
              m.afterMiB !== null ? <ReferenceDot key={`d${i}`} x={m.at} y={m.afterMiB} r={3} fill={MARKER_COLOUR[m.type] ?? "#64748b"} stroke="white" /> : null,
            )}
            {peak && peak.at !== null ? (
              <ReferenceDot x={peak.at} y={peak.usedMiB} r={5} fill="#dc2626" stroke="white" label={{ value: `peak ${peak.usedMiB.toLocaleString("en-US")} MiB`, position: "top", fontSize: 10, fill: "#b91c1c" }} />
            ) : peak ? (
              <ReferenceLine y={peak.usedMiB} stroke="#dc2626" label={{ value: `peak ${peak.usedMiB.toLocaleString("en-US")} MiB`, position: "insideBottomLeft", fontSize: 10, fill: "#b91c1c" }} />
            ) : null}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">
        {label}: {series.points.length} points{last ? `, latest max ${last.maxUsedMiB} MiB at ${new Date(last.lastAt).toISOString()}` : ", no samples in this range"}.
      </figcaption>
    </figure>
  );
}

export function MarkerList({ markers, max = 5 }: { markers: TSeries["markers"]; max?: number }) {
  if (markers.length === 0) return null;
  const recent = markers.slice(-max).reverse();
  return (
    <ul aria-label="Memory events" className="mt-1 space-y-0.5 text-[11px] text-slate-600">
      {recent.map((m, i) => (
        <li key={i} className="flex items-center gap-1.5">
          <span aria-hidden className="size-2 rounded-full" style={{ background: MARKER_COLOUR[m.type] ?? "#64748b" }} />
          <span className="font-medium">{m.type.replace("_", " ")}</span>
          <time dateTime={new Date(m.at).toISOString()} className="text-slate-500">{new Date(m.at).toLocaleTimeString("en-GB")}</time>
          {m.freedMiB !== null ? <span>freed {m.freedMiB.toLocaleString("en-US")} MiB</span> : null}
          {m.afterMiB !== null && m.freedMiB === null ? <span>at {m.afterMiB.toLocaleString("en-US")} MiB</span> : null}
        </li>
      ))}
      {markers.length > max ? <li className="text-slate-400">and {markers.length - max} earlier</li> : null}
    </ul>
  );
}
