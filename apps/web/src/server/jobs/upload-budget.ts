// The bytes of upload bodies one replica holds at once. An upload reserves its Content-Length (or,
// without one, the most its request may carry) before a byte of its body is read, and gives it back
// when its answer is ready. Past the budget it waits its turn, first come first served, so that a
// large upload is not passed over forever by small ones; past the wait it gets 503 UNAVAILABLE with
// Retry-After. Each body byte costs a replica between 1.5 and 4 bytes of memory on its way through
// the multipart parse and the checks (docs/scaling.md, "What large uploads cost a replica's memory"),
// so this, not the number of uploads, is what keeps a burst of large files under the replica's limit.
import { env } from "@/env";
import { RetryLaterError } from "../http";

type TWaiter = { bytes: number; admit: () => void };

export class UploadBudget {
  private used = 0;
  private readonly queue: TWaiter[] = [];

  constructor(readonly limitBytes: number) {}

  /** Bytes reserved now. */
  inUse(): number {
    return this.used;
  }

  /** Uploads waiting for room. */
  waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with the function that gives the bytes back (call it once) when `bytes` fit, within
   * `waitMs`; else rejects with RetryLaterError UNAVAILABLE. `bytes` must not exceed the budget.
   */
  async reserve(bytes: number, waitMs: number): Promise<() => void> {
    if (bytes > this.limitBytes) throw new RangeError(`${bytes} bytes can never fit a budget of ${this.limitBytes}`);
    let given = false;
    const release = () => {
      if (given) return;
      given = true;
      this.used -= bytes;
      this.admitWaiting();
    };
    if (this.queue.length === 0 && this.used + bytes <= this.limitBytes) {
      this.used += bytes;
      return release;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: TWaiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        this.admitWaiting(); // it may have been the head that held the others back
        const mib = (b: number) => (b / 2 ** 20).toFixed(1);
        reject(new RetryLaterError("UNAVAILABLE", `This server is reading ${mib(this.used)} MiB of uploads, and ${mib(bytes)} MiB more did not fit its ${mib(this.limitBytes)} MiB within ${waitMs} ms; nothing was read or stored, try again shortly`, 1_000));
      }, waitMs);
      this.queue.push(waiter);
    });
    return release;
  }

  private admitWaiting(): void {
    while (this.queue.length > 0 && this.used + this.queue[0]!.bytes <= this.limitBytes) {
      const next = this.queue.shift()!;
      this.used += next.bytes;
      next.admit();
    }
  }
}

let budget: UploadBudget | undefined;
/** This replica's budget, sized once from HEADROOM_UPLOAD_BUFFER_BYTES. */
export function uploadBudget(): UploadBudget {
  budget ??= new UploadBudget(env().HEADROOM_UPLOAD_BUFFER_BYTES);
  return budget;
}
