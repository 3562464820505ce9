// The policy stays pure: its code may import only its own files and @headroom/protocol (types,
// thresholds), never the database, Prisma, pg or anything else that does I/O. Tests may also use
// vitest and node: built-ins. A new import of anything else fails here, not in review.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = import.meta.dirname;
const PACKAGE_JSON = path.join(SRC, "../package.json");

/** Every module specifier in a source text: static imports and re-exports, dynamic import(), require(). */
export function importsOf(source: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;
  return [...source.matchAll(re)].map((m) => m[1]!);
}

export function forbiddenImports(source: string, isTest: boolean): string[] {
  const allowed = (s: string) => s.startsWith("./") || s === "@headroom/protocol" || (isTest && (s === "vitest" || s.startsWith("node:")));
  return importsOf(source).filter((s) => !allowed(s));
}

describe("@headroom/policy purity", () => {
  it("finds the imports that would break it", () => {
    const source = [
      'import type { Db } from "@headroom/db";',
      "import { PrismaClient } from '@prisma/client';",
      'export * from "./placement.ts";',
      'const pg = await import("pg");',
      'import "node:fs";',
      'import { DEFAULT_THRESHOLDS } from "@headroom/protocol";',
    ].join("\n");
    expect(forbiddenImports(source, false)).toEqual(["@headroom/db", "@prisma/client", "pg", "node:fs"]);
    expect(forbiddenImports(source, true)).toEqual(["@headroom/db", "@prisma/client", "pg"]);
  });

  it("imports nothing but its own files and @headroom/protocol", () => {
    // This file is left out: its examples above are forbidden imports written as strings.
    const files = readdirSync(SRC).filter((f) => f.endsWith(".ts") && f !== path.basename(import.meta.filename));
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) => forbiddenImports(readFileSync(path.join(SRC, f), "utf8"), f.endsWith(".test.ts")).map((s) => `${f}: ${s}`));
    expect(bad).toEqual([]);
  });

  it("depends on no package but @headroom/protocol", () => {
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(["@headroom/protocol"]);
  });
});
