// Client-side timings of every HTTP call a SIMULATED agent or the submitter makes, by route, plus
// errors by route and cause. Each process keeps its own and hands it to the orchestrator at each
// phase mark (`take`), which merges them.
export type TRecords = {
  /** Round-trip ms by route (body read included), successful calls only. */
  ms: Record<string, number[]>;
  /** "route: cause" → count; a cause is the status and error code, or the network error. */
  errors: Record<string, number>;
};

export class Recorder {
  private ms = new Map<string, number[]>();
  private errors = new Map<string, number>();

  ok(route: string, ms: number): void {
    let list = this.ms.get(route);
    if (!list) this.ms.set(route, (list = []));
    list.push(Math.round(ms * 100) / 100);
  }

  error(route: string, cause: string): void {
    const key = `${route}: ${cause}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** What was recorded since the last take; starts afresh. */
  take(): TRecords {
    const out = { ms: Object.fromEntries(this.ms), errors: Object.fromEntries(this.errors) };
    this.ms = new Map();
    this.errors = new Map();
    return out;
  }
}

export function mergeRecords(all: readonly TRecords[]): TRecords {
  const out: TRecords = { ms: {}, errors: {} };
  for (const r of all) {
    for (const [k, v] of Object.entries(r.ms)) (out.ms[k] ??= []).push(...v);
    for (const [k, v] of Object.entries(r.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
  }
  return out;
}

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
export const nowMs = () => performance.timeOrigin + performance.now();

/**
 * One timed HTTP call: the body is read (so the time covers the whole answer) and returned parsed
 * as JSON when there is one. A non-2xx answer or a network error is recorded and thrown; a call
 * aborted by `signal` is neither recorded nor counted.
 */
export async function timedCall(rec: Recorder, route: string, url: string, init: RequestInit): Promise<{ status: number; json: unknown }> {
  const t0 = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (err) {
    if (init.signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    rec.error(route, `network ${cause}`);
    throw err;
  }
  const ms = performance.now() - t0;
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  if (!res.ok) {
    const code = (json as { error?: { code?: string } } | undefined)?.error?.code;
    rec.error(route, `${res.status}${code ? ` ${code}` : ""}`);
    throw new HttpError(route, res.status, code ?? null);
  }
  rec.ok(route, ms);
  return { status: res.status, json };
}

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly route: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(`${route} → ${status}${code ? ` ${code}` : ""}`);
  }
}
