import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routeEndpoints, routePathOf } from "./endpoints";

describe("routePathOf", () => {
  it.each([
    ["/app/api/v1/jobs/route.ts", "/api/v1/jobs"],
    ["/app/api/v1/jobs/[id]/pages/[n]/image/route.ts", "/api/v1/jobs/[id]/pages/[n]/image"],
    ["/app/(app)/feed/route.ts", "/feed"],
    ["/app/route.ts", "/"],
  ])("%s → %s", (file, expected) => {
    expect(routePathOf("/app", file)).toBe(expected);
  });
});

describe("routeEndpoints", () => {
  it("finds a new route file and each method it exports, so a route added without a rule is seen", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "headroom-routes-"));
    try {
      await mkdir(path.join(dir, "api", "v1", "things", "[id]"), { recursive: true });
      await writeFile(path.join(dir, "api", "v1", "things", "[id]", "route.ts"), "export const GET = async () => new Response(); export const DELETE = GET; export const dynamic = 'x';\n");
      await writeFile(path.join(dir, "api", "v1", "things", "page.tsx"), "export default function P() { return null; }\n");
      const found = await routeEndpoints(dir);
      expect(found.map((e) => `${e.method} ${e.path}`)).toEqual(["DELETE /api/v1/things/[id]", "GET /api/v1/things/[id]"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
