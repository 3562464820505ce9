import { describe, expect, it } from "vitest";
import { freeNetnsIndex, netnsFor } from "./netns.ts";

describe("freeNetnsIndex", () => {
  it("takes 0 when no campaign's namespace exists", () => {
    expect(freeNetnsIndex("")).toBe(0);
    expect(freeNetnsIndex("other (id: 3)\n")).toBe(0);
  });

  it("skips namespaces another run holds, so a short run beside a full one gets its own", () => {
    expect(freeNetnsIndex("hrchaos0 (id: 0)\n")).toBe(1);
    expect(freeNetnsIndex("hrchaos1 (id: 2)\nhrchaos0 (id: 0)\nhrchaos3\n")).toBe(2);
  });

  it("gives each index its own /30 and interface names", () => {
    expect(netnsFor(2)).toEqual({ ns: "hrchaos2", hostIf: "hrchaos2h", nsIf: "hrchaos2n", hostIp: "10.213.2.1", nsIp: "10.213.2.2" });
  });
});
