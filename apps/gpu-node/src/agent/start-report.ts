// When a job's start is reported. POST /start was one of the five requests every job cost the control
// plane; a job that ends within `delayMs` sends none, and its completion or failure says when it
// started instead (`startedMsAgo`). A longer job reports its start once it has run `delayMs`, so the
// dashboard still shows it running, with the time it really started.

export class StartReport {
  private readonly at = performance.now();
  private sent: Promise<void> | null = null;
  private delivered = false;
  private readonly timer: NodeJS.Timeout | null;

  /**
   * `post` sends POST /start with the start's age (retrying as the job's other reports do); `onError`
   * hears why a report sent on the timer failed (a lost lease means the job is no longer ours).
   * With `delayMs` 0 nothing is sent on a timer: the caller sends it at once with `send()`.
   */
  constructor(
    private readonly post: (startedMsAgo: number) => Promise<void>,
    delayMs: number,
    onError: (err: unknown) => void,
  ) {
    this.timer = delayMs > 0 ? setTimeout(() => void this.send().catch(onError), delayMs) : null;
  }

  /** Reports the start now, once; later calls share the first report. */
  send(): Promise<void> {
    this.sent ??= this.post(this.ageMs()).then(() => {
      this.delivered = true;
    });
    return this.sent;
  }

  /** For the job's last report: stops the timer and waits for a start report under way, delivered or not. */
  async settle(): Promise<void> {
    this.stop();
    await this.sent?.catch(() => {});
  }

  /** Stops the timer: the job ended without a report of its own (revoked, handed back, dropped). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * What the job's last report carries: the start's age, unless a POST /start was delivered (one that
   * failed is carried too; the control plane writes the start once either way). Read at each try, so
   * a report sent again after an outage still dates the start right.
   */
  carried(): { startedMsAgo?: number } {
    return this.delivered ? {} : { startedMsAgo: this.ageMs() };
  }

  private ageMs(): number {
    return Math.round(performance.now() - this.at);
  }
}
