// Small helpers the agent's process-level tests share. Behaviour, not speed, is under test: waits
// poll a condition against a generous deadline.

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `fn` every 20 ms until it returns something truthy, and returns that; throws after `timeoutMs`. */
export async function until<T>(fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
