// The steady load: one small document every 1/rate seconds while fewer than maxQueued jobs wait,
// each upload under its own idempotency key and retried with the same key through outages (408,
// 429, 5xx, refused connections), so a retry never makes a second job. Every upload is recorded.
import { randomUUID } from "node:crypto";
import type { TDocument } from "./documents.ts";

export type TSubmission = {
  key: string;
  doc: string;
  /** When the first try was sent, ms since the epoch. */
  firstTryAt: number;
  /** The job's id once an answer carried it (201, or 200 for a replay). */
  jobId: string | null;
  acceptedAt: number | null;
  tries: number;
  /** Status (or "net" for a network error) of every try that did not succeed, in order. */
  refusals: string[];
  /** Set when the upload was given up: a 4xx that a retry cannot change, or out of time. */
  gaveUp: string | null;
};

const RETRY_MS = 1_000;
/** An upload still refused after this long is given up and reported as such (never as a job). */
const GIVE_UP_MS = 180_000;

export async function uploadOnce(baseUrl: string, apiKey: string, doc: TDocument, key: string, o: { timeoutMs?: number; priority?: number } = {}): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(doc.bytes)], { type: doc.mimeType }), doc.name);
  form.append("idempotencyKey", key);
  if (o.priority !== undefined) form.append("priority", String(o.priority));
  const res = await fetch(`${baseUrl}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${apiKey}` }, body: form, signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
  return { status: res.status, body: await res.text() };
}

export class SteadyLoad {
  readonly submissions: TSubmission[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private i = 0;
  private stopped = false;

  constructor(
    private readonly o: {
      baseUrl: string;
      apiKey: string;
      docs: readonly TDocument[];
      ratePerS: number;
      maxQueued: number;
      /** Jobs waiting (QUEUED or PLACED); null when it cannot be read (the database is down). */
      queued: () => Promise<number | null>;
    },
  ) {}

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      const waiting = await this.o.queued().catch(() => null);
      // stop() may have run while the queue was being counted: it waits only for uploads already in flight.
      if (this.stopped) return;
      if (waiting === null || waiting < this.o.maxQueued) this.submitNext();
    };
    this.timer = setInterval(() => void tick(), 1000 / this.o.ratePerS);
  }

  /** Stops offering new work and waits for the uploads in progress to end (accepted or given up). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private submitNext(): void {
    const doc = this.o.docs[this.i++ % this.o.docs.length]!;
    const s: TSubmission = { key: `chaos-${randomUUID()}`, doc: doc.name, firstTryAt: Date.now(), jobId: null, acceptedAt: null, tries: 0, refusals: [], gaveUp: null };
    this.submissions.push(s);
    const p = this.submit(s, doc).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async submit(s: TSubmission, doc: TDocument): Promise<void> {
    for (;;) {
      s.tries++;
      try {
        const { status, body } = await uploadOnce(this.o.baseUrl, this.o.apiKey, doc, s.key);
        if (status === 201 || status === 200) {
          const id = (JSON.parse(body) as { jobs: { id: string }[] }).jobs[0]?.id ?? null;
          s.jobId = id;
          s.acceptedAt = Date.now();
          return;
        }
        s.refusals.push(String(status));
        if (status < 500 && status !== 408 && status !== 429) {
          s.gaveUp = `${status} ${body.slice(0, 200)}`;
          return;
        }
      } catch {
        s.refusals.push("net");
      }
      if (Date.now() - s.firstTryAt > GIVE_UP_MS) {
        s.gaveUp = `still refused after ${GIVE_UP_MS / 1000} s`;
        return;
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
