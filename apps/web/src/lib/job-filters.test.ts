import { describe, expect, it } from "vitest";
import { dayRange, jobsHref, parseJobFilters, parseJobFiltersStrict, serializeJobFilters } from "./job-filters";

const NODE = "0b8c2d7e-4a59-4f0e-9d7a-1c2b3d4e5f60";
const parse = (q: string) => parseJobFilters(new URLSearchParams(q));
const DEFAULTS = { page: 1, pageSize: 25, sort: "created", dir: "desc" };

describe("parseJobFilters (the UI: lenient)", () => {
  it.each([
    ["", DEFAULTS],
    ["page=3&status=FAILED", { ...DEFAULTS, page: 3, status: "FAILED" }],
    [`node=${NODE}&type=pdf&from=2030-01-01&to=2030-01-31`, { ...DEFAULTS, nodeId: NODE, type: "pdf", from: "2030-01-01", to: "2030-01-31" }],
    ["q=+invoice+2030+&sort=peak&dir=asc", { ...DEFAULTS, q: "invoice 2030", sort: "peak", dir: "asc" }],
    ["q=%20%20", DEFAULTS],
    ["page=0&status=nope&node=x&type=gif&from=2030-13-45&sort=size&dir=up&pageSize=1000", DEFAULTS],
    ["page=2.5&to=yesterday", DEFAULTS],
  ])("%j", (q, want) => {
    expect(parse(q)).toEqual(want);
  });
});

describe("parseJobFiltersStrict (REST)", () => {
  it("accepts what the UI writes and rejects what it would drop", () => {
    expect(parseJobFiltersStrict(new URLSearchParams("status=SUCCEEDED&sort=duration"))).toMatchObject({ status: "SUCCEEDED", sort: "duration" });
    expect(() => parseJobFiltersStrict(new URLSearchParams("sort=size"))).toThrow();
    expect(() => parseJobFiltersStrict(new URLSearchParams("page=0"))).toThrow();
    expect(() => parseJobFiltersStrict(new URLSearchParams("from=2030-02-31x"))).toThrow();
  });
});

describe("serializeJobFilters", () => {
  it("leaves out defaults, uses URL names, and round-trips", () => {
    expect(serializeJobFilters({ ...DEFAULTS } as never).toString()).toBe("");
    const f = { page: 4, pageSize: 25, status: "RUNNING", nodeId: NODE, type: "image", from: "2030-01-01", to: "2030-01-02", q: "total due", sort: "duration", dir: "asc" } as const;
    const s = serializeJobFilters(f).toString();
    expect(s).toBe(`page=4&status=RUNNING&node=${NODE}&type=image&from=2030-01-01&to=2030-01-02&q=total+due&sort=duration&dir=asc`);
    expect(parse(s)).toEqual(f);
    expect(jobsHref({})).toBe("/jobs");
    expect(jobsHref({ q: "x", page: 1 })).toBe("/jobs?q=x");
  });
});

describe("dayRange", () => {
  it("makes `to` inclusive: the bound is the next UTC midnight", () => {
    expect(dayRange("2030-01-01", "2030-01-31")).toEqual({ gte: new Date("2030-01-01T00:00:00Z"), lt: new Date("2030-02-01T00:00:00Z") });
    expect(dayRange(undefined, undefined)).toEqual({ gte: undefined, lt: undefined });
  });
});
