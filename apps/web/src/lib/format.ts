// Small display formatters shared by the pages. Inputs carry their units in their names.

export function formatMiB(mib: number | null | undefined): string {
  if (mib === null || mib === undefined) return "—";
  return `${mib.toLocaleString("en-US")} MiB`;
}

/** 850 ms, 4.2 s, 3 min 05 s, 2 h 07 min. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const totalS = Math.floor(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, "0")} s`;
  return `${Math.floor(totalS / 3600)} h ${String(Math.floor((totalS % 3600) / 60)).padStart(2, "0")} min`;
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgeMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "never";
  if (ms < 1500) return "just now";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Elapsed ms between two ISO times; to now when `to` is null and `running`. */
export function elapsedMs(fromIso: string | null, toIso: string | null, nowMs: number): number | null {
  if (!fromIso) return null;
  const from = Date.parse(fromIso);
  const to = toIso ? Date.parse(toIso) : nowMs;
  return Number.isFinite(from) && Number.isFinite(to) ? Math.max(0, to - from) : null;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString("en-GB", { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
