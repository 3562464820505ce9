/**
 * Per-image error listing for this pipeline: normalised page CER and line-matched CER per receipt,
 * worst page first, with the reference and hypothesis texts written to a JSON file for diffing.
 *   npx tsx bench/dump.ts [--from 0] [--to 29] [--out /tmp/ocr-dump.json] [--data DIR]
 */
import os from "node:os";
import path from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createOcrEngine, ocrSwitchesFromEnv } from "../src/ocr/index.ts";
import { normalisedForm, readGroundTruth, referenceText, scoreImage, sroieDirOrFail } from "./score.ts";

const { values: args } = parseArgs({
  options: {
    from: { type: "string", default: "0" },
    to: { type: "string", default: "29" },
    out: { type: "string", default: path.join(os.tmpdir(), "ocr-dump.json") },
    data: { type: "string" }, // default: ../shared/eval/sroie2019 beside the repository
  },
});
const dataDir = sroieDirOrFail(args.data, "--data DIR");
const manifestPath = process.env.OCR_MANIFEST;
const switches = ocrSwitchesFromEnv(process.env); // HEADROOM_OCR_INT8=0 etc. (src/ocr/switches.ts)
const { engine } = await createOcrEngine({ providers: ["cpu"], threads: os.availableParallelism(), switches, ...(manifestPath ? { manifestPath } : {}) });
const rows = [];
for (let i = Number(args.from); i <= Number(args.to); i++) {
  const id = String(i).padStart(3, "0");
  const gt = readGroundTruth(path.join(dataDir, "box", `${id}.csv`));
  const r = await engine.recognize(readFileSync(path.join(dataDir, "img", `${id}.jpg`)));
  const lines = r.pages[0]!.lines;
  const s = scoreImage(gt, lines.map((l) => ({ text: l.text, quad: l.box })));
  rows.push({ id, cer: s.norm.edits / s.norm.refChars, edits: s.norm.edits, refChars: s.norm.refChars, lineCer: s.line.edits / s.line.refChars, ref: referenceText(gt), hyp: lines.map((l) => l.text).join("\n"), lines: lines.map((l) => ({ text: l.text, conf: l.confidence, box: l.box })), gt });
}
writeFileSync(args.out, JSON.stringify(rows, null, 1));
for (const r of [...rows].sort((a, b) => b.edits - a.edits)) console.log(r.id, r.cer.toFixed(3), r.edits, "/", r.refChars, normalisedForm(r.hyp).length, "line-matched", r.lineCer.toFixed(3));
await engine.release();
