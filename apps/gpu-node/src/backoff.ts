// Waiting and retrying while the control plane is unreachable (it may start after the agent).

/** Resolves after ms, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Exponential backoff with ±20 % jitter, so a fleet restarted together does not retry in lockstep. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly firstMs = 500,
    private readonly maxMs = 15_000,
    private readonly random: () => number = Math.random,
  ) {}

  nextDelayMs(): number {
    const base = Math.min(this.maxMs, this.firstMs * 2 ** this.attempt++);
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
