// Postgres LISTEN on a dedicated connection, for waking waiters as soon as the queue changes rather
// than on their next poll. Reconnects after the server goes away; a notification missed while
// disconnected only costs the waiter its fallback poll, never a job (the rows are the truth).
import pg from "pg";

export type TNotifyHandler = (payload: string) => void;

export class PgListener {
  private client: pg.Client | null = null;
  private readonly handlers = new Map<string, Set<TNotifyHandler>>();
  private closed = false;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Subscribes to a channel; returns the unsubscribe function. */
  on(channel: string, handler: TNotifyHandler): () => void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const set = this.handlers.get(channel) ?? new Set();
    const isNew = set.size === 0 && !this.handlers.has(channel);
    set.add(handler);
    this.handlers.set(channel, set);
    if (isNew && this.client) void this.client.query(`LISTEN ${channel}`).catch(this.onError);
    void this.ensureConnected();
    return () => set.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  ensureConnected(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
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
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
      if (this.closed) return void (await client.end());
      this.client = client;
    } catch (err) {
      this.onError(err);
      await client.end().catch(() => {});
      this.retryLater();
    }
  }

  private dropAndRetry(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.retryLater();
  }

  private retryLater(): void {
    if (this.closed) return;
    setTimeout(() => void this.ensureConnected(), 1_000).unref();
  }
}
