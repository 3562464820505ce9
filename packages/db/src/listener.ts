// Postgres LISTEN on a dedicated connection, for waking waiters as soon as the queue changes rather
// than on their next poll. Reconnects after the server goes away. While it is not listening (and at
// the moment it starts again) it tells its `onChange` subscribers, so waiters poll through the gap
// and look once more when it ends: a notification missed while disconnected costs a waiter a poll,
// never a job (the rows are the truth). A connection can also die without a word (a NAT or proxy
// dropping an idle TCP flow), so the listener asks its server a trivial question every so often and
// reconnects when no answer comes.
import pg from "pg";

export type TNotifyHandler = (payload: string) => void;

/** How often the listening connection is checked, and how long its answer may take (ms). */
export const LISTENER_PROBE_EVERY_MS = 10_000;
export const LISTENER_PROBE_TIMEOUT_MS = 5_000;

export class PgListener {
  private client: pg.Client | null = null;
  private readonly handlers = new Map<string, Set<TNotifyHandler>>();
  /** Channels LISTENed on the current connection. */
  private readonly listened = new Set<string>();
  private readonly changeHandlers = new Set<() => void>();
  private closed = false;
  private connecting: Promise<void> | null = null;
  private probe: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly probeMs: { every: number; timeout: number } = { every: LISTENER_PROBE_EVERY_MS, timeout: LISTENER_PROBE_TIMEOUT_MS },
  ) {}

  /** Subscribes to a channel; returns the unsubscribe function. */
  on(channel: string, handler: TNotifyHandler): () => void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const set = this.handlers.get(channel) ?? new Set();
    const isNew = set.size === 0 && !this.handlers.has(channel);
    set.add(handler);
    this.handlers.set(channel, set);
    const client = this.client;
    if (isNew && client) {
      void client
        .query(`LISTEN ${channel}`)
        .then(() => this.client === client && this.listened.add(channel))
        .catch(this.onError);
    }
    void this.ensureConnected();
    return () => set.delete(handler);
  }

  /** Whether a notification on `channel` sent now would reach this process. */
  isListening(channel: string): boolean {
    return this.client !== null && this.listened.has(channel);
  }

  /** Called when the listener stops listening and when it listens again; returns the unsubscribe function. */
  onChange(handler: () => void): () => void {
    this.changeHandlers.add(handler);
    return () => this.changeHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    const c = this.client;
    this.client = null;
    this.listened.clear();
    await c?.end().catch(() => {});
  }

  ensureConnected(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true });
    client.on("notification", (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) h(n.payload ?? "");
    });
    client.on("error", (err) => {
      this.onError(err);
      this.dropAndRetry(client);
    });
    client.on("end", () => this.dropAndRetry(client));
    try {
      await client.connect();
      const channels = [...this.handlers.keys()];
      for (const channel of channels) await client.query(`LISTEN ${channel}`);
      if (this.closed) return void (await client.end());
      this.client = client;
      for (const channel of channels) this.listened.add(channel);
      this.probe ??= setInterval(() => void this.check(), this.probeMs.every).unref();
      this.changed();
    } catch (err) {
      this.onError(err);
      await client.end().catch(() => {});
      this.retryLater();
    }
  }

  /** One round trip on the listening connection; no answer in time means it is gone. */
  private async check(): Promise<void> {
    const client = this.client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the LISTEN connection did not answer within ${this.probeMs.timeout} ms`)), this.probeMs.timeout);
    });
    try {
      await Promise.race([client.query("SELECT 1"), timeout]);
    } catch (err) {
      this.onError(err);
      this.dropAndRetry(client);
      void client.end().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  }

  private dropAndRetry(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.listened.clear();
    this.changed();
    this.retryLater();
  }

  private changed(): void {
    for (const h of this.changeHandlers) h();
  }

  private retryLater(): void {
    if (this.closed) return;
    setTimeout(() => void this.ensureConnected(), 1_000).unref();
  }
}
