import { describe, expect, it } from "vitest";
import { chromiumPath, missingNeeds, report, type TFound } from "./preflight.ts";

const FONTS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc: Noto Sans CJK SC:style=Regular\n/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf: DejaVu Sans:style=Book\n";
const ok: TFound = { chromiumPathEnv: undefined, chromiumExists: true, fcList: FONTS };

describe("npm test's preflight", () => {
  it("passes a machine with Chromium and both fonts", () => {
    expect(missingNeeds(ok)).toEqual([]);
  });

  it("launches CHROMIUM_PATH where set, else Debian's", () => {
    expect(chromiumPath({ chromiumPathEnv: undefined })).toBe("/usr/bin/chromium");
    expect(chromiumPath({ chromiumPathEnv: "" })).toBe("/usr/bin/chromium");
    expect(chromiumPath({ chromiumPathEnv: "/opt/c/chrome" })).toBe("/opt/c/chrome");
  });

  it.each<[string, Partial<TFound>, string[]]>([
    ["no chromium", { chromiumExists: false }, ["npm test needs Debian's chromium (/usr/bin/chromium, or set CHROMIUM_PATH): apt-get install chromium"]],
    ["a CHROMIUM_PATH that is not there", { chromiumPathEnv: "/nope", chromiumExists: false },
      ["npm test needs Chromium at CHROMIUM_PATH=/nope (no such file): point CHROMIUM_PATH at a Chromium binary, or unset it and apt-get install chromium"]],
    ["no CJK font", { fcList: "/x/DejaVuSans.ttf: DejaVu Sans:style=Book\n" }, ['npm test needs the font "Noto Sans CJK": apt-get install fonts-noto-cjk']],
    ["no DejaVu, font names in another case", { fcList: "/x/a.ttc: NOTO SANS CJK JP\n" }, ['npm test needs the font "DejaVu Sans": apt-get install fonts-dejavu-core']],
  ])("names what to install: %s", (_, change, lines) => {
    expect(report(missingNeeds({ ...ok, ...change }))).toBe(lines.join("\n"));
  });

  it("on a bare machine lists every need, then one command for all of them", () => {
    const needs = missingNeeds({ chromiumPathEnv: undefined, chromiumExists: false, fcList: undefined });
    expect(needs.map((n) => n.debPackage)).toEqual(["chromium", "fontconfig", "fonts-noto-cjk", "fonts-dejavu-core"]);
    expect(report(needs).split("\n").at(-1)).toBe("all at once: apt-get install --no-install-recommends chromium fontconfig fonts-noto-cjk fonts-dejavu-core");
  });
});
