/**
 * Line crops on worker threads. Sampling a quad into a model tensor is the pipeline's heaviest CPU
 * stage (88 ms an A4 page, 552 ms a 4000×3000 scan on one thread, docs/gpu-runs.md), and
 * onnxruntime-node runs every session on the JS thread, so crops made there hold the GPU's next batch
 * back. Workers make them while the JS thread feeds the GPU.
 *
 * A small pool of our own rather than a pool library: the runner ships as an esbuild bundle to GPU
 * hosts, and this worker is one more bundle entry, where a library's own worker script would have to
 * travel beside it as a package.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { sampleQuad, type TRgbImage, type TSampleTarget } from "./crop.ts";
import type { TQuadPx } from "./geometry.ts";

/** One line to crop: its quad, the width it fills and the (bucket) width its tensor is padded to. */
export type TCropItem = { quad: TQuadPx; outWidthPx: number; tensorWidthPx: number };
export type TCropStyle = Pick<TSampleTarget, "channelOrder" | "scale" | "bias"> & { heightPx: number };
/** A page's pixels where every worker can read them. */
export type TSharedImage = TRgbImage & { readonly shared: true };

export type TCropTask = { img: { data: Uint8Array; widthPx: number; heightPx: number; channels: number }; items: TCropItem[]; style: TCropStyle };

/** Crop every item into its own zero-padded `3 × heightPx × tensorWidthPx` tensor (the worker's body too). */
export function cropItems(task: TCropTask): Float32Array[] {
  const { img, items, style } = task;
  return items.map((it) => {
    const tensor = new Float32Array(3 * style.heightPx * it.tensorWidthPx);
    sampleQuad(img, it.quad, { tensor, offset: 0, tensorWidth: it.tensorWidthPx, tensorHeight: style.heightPx, outWidthPx: it.outWidthPx, channelOrder: style.channelOrder, scale: style.scale, bias: style.bias });
    return tensor;
  });
}

/** The worker module beside this one: .ts in development (tsx), .mjs in the GPU-host bundle. */
function workerFile(): string {
  const ts = fileURLToPath(new URL("./crop-worker.ts", import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL("./crop-worker.mjs", import.meta.url));
}

/**
 * A worker that runs TypeScript source (development, tests): tsx's loader registered inside the
 * worker first, since loader hooks do not follow a process into its workers on Node 20.
 */
function tsxBootstrap(file: string): string {
  const api = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
}

type TPending = { resolve: (t: Float32Array[]) => void; reject: (e: unknown) => void };

export class CropPool {
  private readonly workers: Array<{ w: Worker; busy: number }> = [];
  private readonly pending = new Map<number, TPending>();
  private nextId = 1;
  private closed = false;

  /** `size` 0 crops on the calling thread (CPU nodes, where ORT's own threads have the cores). */
  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.workers.push({ w: this.spawn(), busy: 0 });
  }

  private spawn(): Worker {
    const file = workerFile();
    const w = file.endsWith(".ts") ? new Worker(tsxBootstrap(file), { eval: true }) : new Worker(file);
    w.unref();
    w.on("message", (m: { id: number; tensors?: Float32Array[]; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.tensors) p.resolve(m.tensors);
      else p.reject(new Error(`line crop failed: ${m.error}`));
    });
    // A worker that dies takes its tasks with it; those jobs fail and the runner carries on.
    w.on("error", (err) => {
      for (const [id, p] of this.pending) (this.pending.delete(id), p.reject(err));
    });
    return w;
  }

  /** The page's pixels in shared memory (one copy a page), so tasks pass them without copying. */
  share(img: TRgbImage): TSharedImage {
    if ((img as Partial<TSharedImage>).shared || this.size === 0) return { ...img, shared: true };
    const data = new Uint8Array(new SharedArrayBuffer(img.data.byteLength));
    data.set(img.data);
    return { ...img, data, shared: true };
  }

  /** Crops in the given order, spread over the workers by columns. */
  async crop(img: TSharedImage, items: readonly TCropItem[], style: TCropStyle): Promise<Float32Array[]> {
    if (this.closed) throw new Error("crop pool is closed");
    if (this.size === 0 || items.length === 0) return cropItems({ img, items: [...items], style });
    const chunks = splitByColumns(items, Math.min(this.size, items.length));
    const parts = await Promise.all(chunks.map((chunk) => this.run({ img, items: chunk, style })));
    return parts.flat();
  }

  private run(task: TCropTask): Promise<Float32Array[]> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.w.postMessage({ id, task });
    }).finally(() => slot.busy--);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }
}

/** Consecutive chunks of about equal total width (crop cost grows with the pixels it fills). */
export function splitByColumns<T extends { tensorWidthPx: number }>(items: readonly T[], parts: number): T[][] {
  const total = items.reduce((s, it) => s + it.tensorWidthPx, 0);
  const out: T[][] = [];
  let cur: T[] = [];
  let acc = 0;
  for (const it of items) {
    cur.push(it);
    acc += it.tensorWidthPx;
    if (acc >= (total * (out.length + 1)) / parts && out.length < parts - 1) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
