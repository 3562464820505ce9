/**
 * Delay before retry `attempt` (1-based), in ms: exponential with "full jitter", so that jobs failed
 * together by one bad node do not all come back at the same instant. `random` is injectable for tests.
 */
export function retryDelayMs(attempt: number, opts: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 1_000;
  const max = opts.maxMs ?? 60_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * (opts.random ?? Math.random)());
}
