// `npm test`'s own needs, checked before anything runs, so a machine that lacks one is told what to
// install in the first second rather than failing halfway (the end-to-end tests run last, after
// minutes of unit tests). .ci/run installs the same packages on a fresh Debian machine.
//
//   npx tsx scripts/preflight.ts     exit 0 when all is there; else one line per need, and exit 1
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** What the machine was found to have; gathered by `probe()`, judged by `missingNeeds()`. */
export type TFound = {
  /** CHROMIUM_PATH, if set: e2e/playwright.config.ts launches it instead of /usr/bin/chromium. */
  chromiumPathEnv: string | undefined;
  /** Whether the Chromium that would be launched exists. */
  chromiumExists: boolean;
  /** `fc-list` output, or undefined where fontconfig itself is missing. */
  fcList: string | undefined;
};

export type TNeed = { what: string; install: string; debPackage: string | undefined };

const DEFAULT_CHROMIUM = "/usr/bin/chromium";
// The OCR tests and e2e fixtures render their own text through fontconfig by family name
// (apps/gpu-node/test-fixtures/render-text.ts, e2e/fixtures/render.ts); a missing family falls back silently
// to another font and the OCR assertions then fail far from the cause.
const FONTS = [
  { family: "Noto Sans CJK", debPackage: "fonts-noto-cjk" },
  { family: "DejaVu Sans", debPackage: "fonts-dejavu-core" },
] as const;

export function chromiumPath(found: Pick<TFound, "chromiumPathEnv">): string {
  return found.chromiumPathEnv || DEFAULT_CHROMIUM;
}

/** Every need the machine lacks, in a fixed order, each with the command that supplies it. */
export function missingNeeds(found: TFound): TNeed[] {
  const out: TNeed[] = [];
  if (!found.chromiumExists) {
    out.push(found.chromiumPathEnv
      ? { what: `Chromium at CHROMIUM_PATH=${found.chromiumPathEnv} (no such file)`, install: "point CHROMIUM_PATH at a Chromium binary, or unset it and apt-get install chromium", debPackage: undefined }
      : { what: `Debian's chromium (${DEFAULT_CHROMIUM}, or set CHROMIUM_PATH)`, install: "apt-get install chromium", debPackage: "chromium" });
  }
  if (found.fcList === undefined) {
    out.push({ what: "fontconfig's fc-list, to find the fonts", install: "apt-get install fontconfig", debPackage: "fontconfig" });
  }
  for (const f of FONTS) {
    if (found.fcList?.toLowerCase().includes(f.family.toLowerCase())) continue;
    out.push({ what: `the font "${f.family}"`, install: `apt-get install ${f.debPackage}`, debPackage: f.debPackage });
  }
  return out;
}

/** What to print: one line per need, then one command for all the Debian packages. */
export function report(needs: readonly TNeed[]): string {
  const lines = needs.map((n) => `npm test needs ${n.what}: ${n.install}`);
  const debs = needs.flatMap((n) => (n.debPackage ? [n.debPackage] : []));
  if (debs.length > 1) lines.push(`all at once: apt-get install --no-install-recommends ${debs.join(" ")}`);
  return lines.join("\n");
}

function probe(): TFound {
  const chromiumPathEnv = process.env.CHROMIUM_PATH;
  let fcList: string | undefined;
  try {
    fcList = execFileSync("fc-list", [], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 2 ** 20 });
  } catch {
    fcList = undefined;
  }
  return { chromiumPathEnv, chromiumExists: existsSync(chromiumPath({ chromiumPathEnv })), fcList };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const needs = missingNeeds(probe());
  if (needs.length > 0) {
    console.error(report(needs));
    process.exit(1);
  }
}
