// The submitter: offers jobs at a fixed rate through the real `POST /api/v1/jobs` (multipart, one
// tiny PNG, Bearer API key), open loop: each upload starts on schedule whether or not earlier ones
// have answered, as independent clients would, up to `maxOutstanding` in flight (past that an
// upload is counted as not sent rather than queued in this process).
import { nowMs, timedCall, type Recorder } from "./recorder.ts";

export type TSubmitted = { id: string; sentAtMs: number; answeredAtMs: number };
export type TOfferResult = { jobs: TSubmitted[]; scheduled: number; notSent: number; failed: number; wallS: number };

export async function offerJobs(o: { bases: string[]; apiKey: string; ratePerS: number; durationS: number; png: Buffer; rec: Recorder; maxOutstanding: number }): Promise<TOfferResult> {
  const total = Math.round(o.ratePerS * o.durationS);
  const jobs: TSubmitted[] = [];
  const inFlight = new Set<Promise<void>>();
  let notSent = 0;
  let failed = 0;
  const blob = new Blob([new Uint8Array(o.png)], { type: "image/png" });
  const submit = (i: number) => {
    const form = new FormData();
    form.append("file", blob, `sim-${i}.png`);
    const base = o.bases[i % o.bases.length]!;
    const sentAtMs = nowMs();
    const p = timedCall(o.rec, "POST /api/v1/jobs", `${base}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${o.apiKey}` }, body: form })
      .then(({ json }) => {
        const id = (json as { jobs: { id: string }[] }).jobs[0]!.id;
        jobs.push({ id, sentAtMs, answeredAtMs: nowMs() });
      })
      .catch(() => void failed++)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const t0 = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && t0 + (i * 1_000) / o.ratePerS <= now) {
      if (inFlight.size >= o.maxOutstanding) notSent++;
      else submit(i);
      i++;
    }
    if (i < total) await new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, t0 + (i * 1_000) / o.ratePerS - performance.now()))));
  }
  const wallS = (performance.now() - t0) / 1_000;
  await Promise.all(inFlight);
  return { jobs, scheduled: total, notSent, failed, wallS };
}
