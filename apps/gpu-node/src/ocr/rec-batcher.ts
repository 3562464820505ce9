/**
 * One recognition queue per engine, shared by every page of every job in flight. Lines wait in their
 * width bucket (rec-buckets.ts); whenever the session is free, the bucket holding the oldest waiting
 * line runs as one batch, filled with that bucket's lines from any page or job. So the GPU gets few,
 * large batches of few shapes, and a line's text never depends on its neighbours: they share its
 * padded width and nothing else.
 *
 * onnxruntime-node runs a session synchronously on the JS thread, so batches run one at a time here;
 * the CPU stages of other jobs overlap them from worker threads (crop-pool.ts).
 */
import type { InferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import { ctcGreedyDecode, halfWidthOnLatinLine, rowIsDistribution, type TDecodedText } from "./ctc.ts";
import { recBatchLines } from "./rec-buckets.ts";

/** One line's input: `3 × heightPx × widthPx` floats, already padded to its bucket width. */
export type TRecInput = { tensor: Float32Array; widthPx: number };
export type TRecBatcherOptions = { heightPx: number; maxLines: number; maxColumnsPx: number };
/** What one call cost: its share of the batches it rode in (by lines), and its decoding. */
export type TRecCost = { runMs: number; decodeMs: number; batches: number };

type TWaiting = { input: TRecInput; seq: number; owner: TCall; index: number };
type TCall = { texts: TDecodedText[]; left: number; cost: TRecCost; resolve: () => void; reject: (e: unknown) => void; done: boolean };

export class RecBatcher {
  private readonly waiting = new Map<number, TWaiting[]>();
  private seq = 0;
  private scheduled = false;
  private busy = false;
  /** Largest batch run so far (lines), for the bench's report. */
  maxBatchLines = 0;

  constructor(
    private readonly session: InferenceSession,
    private readonly charset: readonly string[],
    private readonly o: TRecBatcherOptions,
  ) {}

  /** Recognise `inputs`; resolves with one text per input, in order. */
  recognize(inputs: readonly TRecInput[], signal?: AbortSignal): Promise<{ texts: TDecodedText[]; cost: TRecCost }> {
    const texts: TDecodedText[] = new Array(inputs.length);
    const cost: TRecCost = { runMs: 0, decodeMs: 0, batches: 0 };
    if (inputs.length === 0) return Promise.resolve({ texts, cost });
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const call: TCall = { texts, left: inputs.length, cost, done: false, resolve: () => resolve({ texts, cost }), reject };
      inputs.forEach((input, index) => {
        const q = this.waiting.get(input.widthPx) ?? [];
        q.push({ input, seq: this.seq++, owner: call, index });
        this.waiting.set(input.widthPx, q);
      });
      signal?.addEventListener("abort", () => this.drop(call, signal.reason), { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.busy) return;
    this.scheduled = true;
    // setImmediate, not a microtask: other jobs' settled crops get in first, so their lines join the
    // batch about to run.
    setImmediate(() => {
      this.scheduled = false;
      if (this.waiting.size === 0) return;
      this.busy = true;
      void this.runOne().finally(() => {
        this.busy = false;
        if (this.waiting.size > 0) this.schedule();
      });
    });
  }

  /** A caller that gave up: its lines leave the queue; the batch already running finishes without it. */
  private drop(call: TCall, reason: unknown): void {
    if (call.done) return;
    call.done = true;
    for (const [w, q] of this.waiting) {
      const kept = q.filter((x) => x.owner !== call);
      if (kept.length > 0) this.waiting.set(w, kept);
      else this.waiting.delete(w);
    }
    call.reject(reason);
  }

  private async runOne(): Promise<void> {
    let widthPx = -1;
    let oldest = Infinity;
    for (const [w, q] of this.waiting) {
      if (q[0]!.seq < oldest) {
        oldest = q[0]!.seq;
        widthPx = w;
      }
    }
    const q = this.waiting.get(widthPx)!;
    const batch = q.splice(0, recBatchLines(widthPx, this.o.maxLines, this.o.maxColumnsPx));
    if (q.length === 0) this.waiting.delete(widthPx);
    this.maxBatchLines = Math.max(this.maxBatchLines, batch.length);

    const H = this.o.heightPx;
    const per = 3 * H * widthPx;
    const data = new Float32Array(batch.length * per);
    batch.forEach((x, b) => data.set(x.input.tensor, b * per));
    const t0 = performance.now();
    let probs: ort.Tensor;
    try {
      const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor("float32", data, [batch.length, 3, H, widthPx]) });
      probs = out[this.session.outputNames[0]!]!;
    } catch (err) {
      for (const x of batch) this.fail(x.owner, err);
      return;
    }
    const runMs = performance.now() - t0;
    const [, steps, classes] = probs.dims as [number, number, number];
    const pd = probs.data as Float32Array;
    const isDistribution = rowIsDistribution(pd, 0, classes);
    const owners = new Set<TCall>();
    batch.forEach((x, b) => {
      const call = x.owner;
      if (call.done) return;
      const t1 = performance.now();
      const d = ctcGreedyDecode(pd, b * steps * classes, steps, classes, this.charset, isDistribution);
      // Trimmed: the model may read a space in a line's padding, which carries no text.
      call.texts[x.index] = { ...d, text: halfWidthOnLatinLine(d.text).trim() };
      call.cost.decodeMs += performance.now() - t1;
      call.cost.runMs += runMs / batch.length;
      owners.add(call);
      call.left--;
    });
    for (const call of owners) {
      call.cost.batches++;
      if (call.left === 0 && !call.done) {
        call.done = true;
        call.resolve();
      }
    }
  }

  private fail(call: TCall, err: unknown): void {
    if (call.done) return;
    this.drop(call, err);
  }
}
