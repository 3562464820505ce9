// The default model manifest with paths relative to it ("models/<file>"), for a packed deployment:
// `tsx scripts/gpu-host/write-manifest.ts <dir> [--copy-models]` writes <dir>/base-manifest.json and,
// with --copy-models, copies the model files into <dir>/models. The manifest changes with the code
// (new fields, defaults), the models seldom, so the packs carry them separately.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defaultManifest } from "../../apps/gpu-node/src/ocr/manifest.ts";

const [dir, flag] = process.argv.slice(2);
if (!dir) throw new Error("usage: write-manifest.ts <dir> [--copy-models]");
const copy = flag === "--copy-models";
if (copy) mkdirSync(path.join(dir, "models"), { recursive: true });
const m = defaultManifest();
const rel = (f: string) => {
  if (copy) copyFileSync(f, path.join(dir, "models", path.basename(f)));
  return `models/${path.basename(f)}`;
};
const packed = { ...m, det: { ...m.det, file: rel(m.det.file) }, cls: m.cls && { ...m.cls, file: rel(m.cls.file) }, rec: { ...m.rec, file: rel(m.rec.file) }, dictionary: { ...m.dictionary, file: rel(m.dictionary.file) } };
writeFileSync(path.join(dir, "base-manifest.json"), JSON.stringify(packed, null, 1));
