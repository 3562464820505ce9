// Small order statistics for the report. Empty input gives null, so a table shows "–", not NaN.

/** Linear-interpolated quantile (q in 0..1) of the finite values. */
export function quantile(values: readonly number[], q: number): number | null {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function countBy<T>(items: readonly T[], key: (t: T) => string | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) {
    const k = key(t);
    if (k !== null && k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Seconds from a to b (ISO strings); null when either is missing. */
export function secondsBetween(a: string | null, b: string | null): number | null {
  if (!a || !b) return null;
  return (Date.parse(b) - Date.parse(a)) / 1000;
}
