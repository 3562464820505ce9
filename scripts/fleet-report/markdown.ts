// Markdown tables with fixed number formats, so a report diffs cleanly between runs.

export type TCell = string | number | null | undefined;

/** Numbers to at most two decimals; null/undefined/NaN as an en dash. */
export function fmt(v: TCell): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return "–";
  return String(Math.round(v * 100) / 100);
}

export function pct(v: number | null): string {
  return v === null ? "–" : `${(v * 100).toFixed(0)} %`;
}

/** "a 3, b 1" in descending count; "–" when empty. */
export function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(", ") : "–";
}

export function table(header: readonly string[], rows: readonly (readonly TCell[])[]): string {
  const esc = (c: TCell) => fmt(c).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const right = (i: number) => rows.some((r) => typeof r[i] === "number");
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map((_, i) => (right(i) ? "---:" : "---")).join(" | ")} |`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(" | ")} |`);
  return lines.join("\n");
}
