/**
 * The OCR pipeline: the input is split into pages (a PDF's pages rasterised, an image's frames),
 * decoded one at a time, and each goes detect → crop → classify → recognise → order.
 * Sessions stay resident. Up to `maxJobs` inputs are in flight at once: onnxruntime-node runs each
 * session call on the JS thread, so while one job's det or rec batch runs, the others' line crops are
 * made on the crop pool's workers, and the lines of every page in flight share rec batches.
 */
import { readFile } from "node:fs/promises";
import type { TOcrLine, TOcrPage, TOcrResult } from "@headroom/protocol";
import { classifyOrientation } from "./classify.ts";
import { quadSizePx } from "./crop.ts";
import { buildCharset } from "./ctc.ts";
import { boxesFromProbMap } from "./db-postprocess.ts";
import type { TRgbImage } from "./crop.ts";
import { resizeRgb } from "../image/decode.ts";
import { detInputSizePx, packDetTensor, runDetector } from "./detect.ts";
import { toTextLine } from "./line.ts";
import type { TOcrManifest } from "./manifest.ts";
import { sortReadingOrder } from "./order.ts";
import { CropPool } from "./crop-pool.ts";
import { RecBatcher } from "./rec-batcher.ts";
import { readOriented, turnUpright } from "./orientation.ts";
import { fromUprightQuad, pageAngle, pageSideways, toUprightQuad, turnBox } from "./page-orientation.ts";
import type { TQuadPx } from "./geometry.ts";
import type { TOcrSessions } from "./sessions.ts";
import { documentMarkdown, groupRows, pageMarkdown } from "./markdown.ts";
import { decodePages } from "../pdf/pages.ts";
import { DEFAULT_MAX_PAGES, DEFAULT_PDF_DPI } from "../pdf/rasterize.ts";

/** How documents become pages: PDF rendering resolution and the most pages one input may have. */
export type TPageOptions = { pdfDpi: number; maxPages: number };
export const DEFAULT_PAGE_OPTIONS: TPageOptions = { pdfDpi: DEFAULT_PDF_DPI, maxPages: DEFAULT_MAX_PAGES };
/** How much runs at once: inputs in flight, and worker threads for the line crops (0: on the JS thread). */
export type TConcurrency = { maxJobs: number; cropWorkers: number };

export type TTimingsMs = { decode: number; detect: number; crop: number; classify: number; recognize: number; post: number };

/** Recognised lines below this confidence are dropped (PaddleOCR's drop_score); the manifest's rec.dropScore. */
export const DROP_SCORE = 0.5;

export class PaddleOcrEngine {
  private released = false;
  private readonly channelOrder: readonly [number, number, number];
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private idle: (() => void) | null = null;
  private readonly batcher: RecBatcher;
  private readonly pool: CropPool;

  private constructor(
    readonly provider: string,
    readonly manifest: TOcrManifest,
    private readonly sessions: TOcrSessions,
    private readonly charset: readonly string[],
    private readonly pageOptions: TPageOptions,
    /** Classify only until a batch is all upright (classify.ts); the switches' clsProbe. */
    private readonly clsProbe: boolean,
    private readonly concurrency: TConcurrency,
  ) {
    this.channelOrder = manifest.colorOrder === "bgr" ? [2, 1, 0] : [0, 1, 2];
    const r = manifest.rec;
    this.batcher = new RecBatcher(sessions.rec, charset, { heightPx: r.inputHeightPx, maxLines: r.batchSize, maxColumnsPx: r.batchColumnsPx });
    this.pool = new CropPool(concurrency.cropWorkers);
  }

  /** The largest rec batch run so far, in lines. */
  get maxRecBatchLines(): number {
    return this.batcher.maxBatchLines;
  }

  get model(): string {
    return this.manifest.name;
  }

  static async create(
    provider: string,
    manifest: TOcrManifest,
    sessions: TOcrSessions,
    opts: Partial<TPageOptions> & Partial<TConcurrency> & { clsProbe: boolean },
  ): Promise<PaddleOcrEngine> {
    const charset = buildCharset(await readFile(manifest.dictionary.file, "utf8"), manifest.dictionary.useSpaceChar);
    const meta = sessions.rec.outputMetadata[0];
    const classes = meta && meta.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
    if (typeof classes === "number" && classes !== charset.length) {
      throw new Error(`dictionary has ${charset.length} classes with blank${manifest.dictionary.useSpaceChar ? " and space" : ""}, but the recognition model outputs ${classes}`);
    }
    const { clsProbe, maxJobs = 1, cropWorkers = 0, ...pageOptions } = opts;
    return new PaddleOcrEngine(provider, manifest, sessions, charset, { ...DEFAULT_PAGE_OPTIONS, ...pageOptions }, clsProbe, { maxJobs, cropWorkers });
  }

  async recognize(input: Buffer, opts: { signal?: AbortSignal } = {}): Promise<TOcrResult> {
    if (this.inFlight >= this.concurrency.maxJobs) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      return await this.recognizeNow(input, opts.signal);
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
      if (this.inFlight === 0) this.idle?.();
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.idle = r));
    const { det, cls, rec } = this.sessions;
    await Promise.all([det.release(), cls?.release(), rec.release(), this.pool.close()]);
  }

  private async recognizeNow(input: Buffer, signal?: AbortSignal): Promise<TOcrResult> {
    if (this.released) throw new Error("OCR engine has been released");
    signal?.throwIfAborted();
    const m = this.manifest;
    const t: TTimingsMs = { decode: 0, detect: 0, crop: 0, classify: 0, recognize: 0, post: 0 };
    // One page decoded at a time; leaving the loop early (abort, error) releases the document.
    const pageSource = decodePages(input, { maxInputPixels: m.maxInputPixels, dpi: this.pageOptions.pdfDpi, maxPages: this.pageOptions.maxPages, signal });
    const pages: TOcrPage[] = [];
    try {
      for (;;) {
        const t0 = performance.now();
        const next = await pageSource.next();
        t.decode += performance.now() - t0;
        if (next.done) break;
        signal?.throwIfAborted();
        pages.push(await this.recognizePage(next.value.img, next.value.page, t, signal));
      }
    } finally {
      await pageSource.return(undefined);
    }

    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      pages,
      text: pages.map((p) => p.text).join("\n\n"),
      markdown: documentMarkdown(pages),
      model: m.name,
      provider: this.provider,
      timingsMs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v)])),
    };
  }

  /**
   * One decoded page through the pipeline; adds its stage times to `t`. A page found turned as a whole
   * (page-orientation.ts) is turned upright and read again, so it reads exactly as the upright scan
   * would; its boxes are mapped back to the decoded image's pixels.
   */
  private async recognizePage(decoded: TRgbImage, pageNo: number, t: TTimingsMs, signal?: AbortSignal): Promise<TOcrPage> {
    let read = await this.readPage(decoded, t, true, signal);
    if (read.angle !== 0) {
      const t0 = performance.now();
      const upright = await turnUpright(decoded, read.angle);
      t.decode += performance.now() - t0;
      const again = await this.readPage(upright, t, false, signal);
      const back = (q: TQuadPx) => fromUprightQuad(q, read.angle, decoded.widthPx, decoded.heightPx);
      read = { ...again, kept: again.kept.map((l) => ({ ...l, box: back(l.box) })) };
    }

    const t0 = performance.now();
    const asLine = (l: (typeof read.kept)[number], q: TQuadPx): TOcrLine => ({
      text: l.text,
      confidence: Math.min(1, Math.max(0, l.confidence)),
      box: q.map(([x, y]) => [x, y] as [number, number]),
    });
    // Reading order, rows and Markdown work in the upright page's frame; `box` stays in source pixels.
    const ordered = sortReadingOrder(read.kept);
    const ocrLines = ordered.map((l) => asLine(l, l.box));
    const uprightLines = ordered.map((l) => asLine(l, l.quad));
    // One line of text a row: a label and its value stay together (reading-rows.ts).
    const text = groupRows(uprightLines).map((r) => r.text).join("\n");
    const page: TOcrPage = { page: pageNo, widthPx: decoded.widthPx, heightPx: decoded.heightPx, lines: ocrLines, text, markdown: pageMarkdown(uprightLines) };
    t.post += performance.now() - t0;
    return page;
  }

  /**
   * Detect, classify and read one image's lines. With `vote`, the page's angle is decided too: from the
   * boxes' shape (on its side?) and the lines' readings (upside down?); without it, the page is upright.
   * `kept` lines carry `quad` in the upright frame and `box` in this image's pixels.
   */
  private async readPage(decoded: TRgbImage, t: TTimingsMs, vote: boolean, signal?: AbortSignal) {
    const m = this.manifest;
    let t0: number;
    t0 = performance.now();
    const img = this.pool.share(decoded);
    t.decode += performance.now() - t0;

    t0 = performance.now();
    const size = detInputSizePx(img.widthPx, img.heightPx, m.det.limitSidePx, m.det.limitType);
    const small = await resizeRgb(img, size.widthPx, size.heightPx);
    const tensor = packDetTensor(small, this.channelOrder, m.det.mean, m.det.std);
    const prob = await runDetector(this.sessions.det, tensor, size.widthPx, size.heightPx);
    t.detect += performance.now() - t0;
    signal?.throwIfAborted();

    t0 = performance.now();
    const boxes = boxesFromProbMap(prob, size.widthPx, size.heightPx, img.widthPx, img.heightPx, m.det);
    // A page on its side is first read in a frame turned 90°: each box's corners are relabelled, so
    // crops come out upright.
    const sideways = vote && pageSideways(boxes.map((b) => quadSizePx(b.quad))).sideways;
    const lines = boxes.map((b) => ({ ...toTextLine(turnBox(b.quad, sideways ? 90 : 0), m.rec.cropPadRatio), box: b.quad }));
    t.post += performance.now() - t0;

    if (this.sessions.cls && m.cls && lines.length > 0) {
      const c = await classifyOrientation(this.sessions.cls, img, lines, m.cls, this.channelOrder, this.clsProbe);
      t.crop += c.cropMs;
      t.classify += c.runMs;
      signal?.throwIfAborted();
    }

    // Lines the classifier flipped, or read unsure, are read both ways (orientation.ts).
    const r = await readOriented({ batcher: this.batcher, pool: this.pool, opts: m.rec, channelOrder: this.channelOrder, signal }, img, lines);
    t.crop += r.cost.cropMs;
    t.recognize += r.cost.runMs;
    t.post += r.cost.decodeMs;
    const angle = vote ? pageAngle(sideways, r.pageFlipped) : 0;
    const kept = lines
      .map((line, i) => ({ quad: toUprightQuad(line.box, angle, img.widthPx, img.heightPx), box: line.box, ...r.texts[i]! }))
      .filter((l) => l.text.trim().length > 0 && l.confidence >= m.rec.dropScore);
    return { angle, kept };
  }
}
