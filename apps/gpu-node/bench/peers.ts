/** The peer OCR engines the benchmark compares against, loaded only when asked for. */
import { createRequire } from "node:module";
import path from "node:path";
import type { THypLine } from "./score.ts";
import type { TPoint } from "../src/ocr/geometry.ts";

export type TBenchImage = { id: string; file: string; bytes: Buffer };
export type TBenchEngine = {
  name: string;
  stages?: Record<string, number[]>;
  run(img: TBenchImage): Promise<THypLine[]>;
  release(): Promise<void>;
};

const require = createRequire(import.meta.url);

async function gutenye(): Promise<TBenchEngine | string> {
  const { default: Ocr } = await import("@gutenye/ocr-node");
  const ocr = await Ocr.create();
  return {
    name: "@gutenye/ocr-node 1.4.8 (PP-OCRv4, default options)",
    async run(img) {
      const lines = (await ocr.detect(img.file)) as Array<{ text: string; box?: TPoint[] }>;
      return lines.map((l) => ({ text: l.text, quad: l.box ?? [] }));
    },
    release: async () => {},
  };
}

async function tesseract(): Promise<TBenchEngine | string> {
  let langDir: string;
  try {
    langDir = path.join(path.dirname(require.resolve("@tesseract.js-data/eng/package.json")), "4.0.0_best_int");
  } catch {
    return "English traineddata (@tesseract.js-data/eng) is not installed";
  }
  const { createWorker, OEM } = await import("tesseract.js");
  const worker = await createWorker("eng", OEM.LSTM_ONLY, { langPath: langDir, gzip: true, cacheMethod: "none" });
  return {
    name: "tesseract.js 7.0.0 (eng 4.0.0_best_int, LSTM only)",
    async run(img) {
      const { data } = await worker.recognize(img.bytes, {}, { blocks: true, text: false });
      const lines: THypLine[] = [];
      for (const block of data.blocks ?? []) for (const para of block.paragraphs) for (const line of para.lines) {
        const { x0, y0, x1, y1 } = line.bbox;
        const text = line.text.trim();
        if (text) lines.push({ text, quad: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]] });
      }
      return lines;
    },
    release: async () => { await worker.terminate(); },
  };
}

export function loadPeers(_threads: number): Array<[string, () => Promise<TBenchEngine | string>]> {
  return [["gutenye", gutenye], ["tesseract", tesseract]];
}
