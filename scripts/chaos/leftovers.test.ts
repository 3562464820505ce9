import { describe, expect, it } from "vitest";
import { explainLeftovers } from "./leftovers.ts";

describe("explainLeftovers", () => {
  const kills = [100_000, 200_000];

  it("a file written in the seconds before a replica's kill -9 is explained by it", () => {
    const r = explainLeftovers([{ name: "a", mtimeMs: 99_200 }, { name: ".b.tmp", mtimeMs: 172_000 }], kills);
    expect(r.byReplicaKill.map((f) => f.name)).toEqual(["a", ".b.tmp"]);
    expect(r.unexplained).toEqual([]);
  });

  it("a file written long before, or after, every kill is not explained by one", () => {
    const r = explainLeftovers([{ name: "early", mtimeMs: 50_000 }, { name: "after", mtimeMs: 105_000 }, { name: "gap", mtimeMs: 160_000 }], kills);
    expect(r.unexplained.map((f) => f.name)).toEqual(["early", "after", "gap"]);
  });

  it("without replica kills nothing is explained", () => {
    expect(explainLeftovers([{ name: "a", mtimeMs: 99_000 }], []).unexplained).toHaveLength(1);
  });
});
