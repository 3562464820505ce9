// The job history query against a real Postgres: full-text search through the GIN index, the
// partial-name fallback, filters, sorting and paging.
import { randomUUID } from "node:crypto";
import { JOB_SEARCH_VECTOR_SQL, Prisma } from "@headroom/db";
import { useTestDatabase } from "@headroom/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { jobFilterSql, listJobs } from "./list-jobs";

const t = useTestDatabase();
const T0 = Date.parse("2030-03-10T12:00:00Z");
const ids: Record<string, string> = {};
let nodeA: string;
let nodeB: string;

function makeJob(over: Partial<Prisma.JobUncheckedCreateInput>) {
  return t.db.job.create({ data: { fileName: "page.png", mimeType: "image/png", sizeBytes: 1_000, sha256: "0".repeat(64), storageKey: randomUUID(), ...over } });
}

beforeAll(async () => {
  const mk = (name: string) => t.db.node.create({ data: { name, hostname: "h", kind: "GPU", tokenHash: randomUUID(), totalMiB: 80_000 } });
  nodeA = (await mk("gpu-a")).id;
  nodeB = (await mk("gpu-b")).id;
  const rows: [key: string, over: Partial<Prisma.JobUncheckedCreateInput>][] = [
    ["invoice", { fileName: "scan-0001.png", text: "INVOICE No. 4411\nTotal due 120.00 EUR", status: "SUCCEEDED", nodeId: nodeA, createdAt: new Date(T0), startedAt: new Date(T0 + 1_000), finishedAt: new Date(T0 + 4_000), observedPeakMiB: 3_000 }],
    ["receipt", { fileName: "receipt-march.jpg", mimeType: "image/jpeg", text: "Coffee 3.20\nTotal 3.20", status: "SUCCEEDED", nodeId: nodeB, createdAt: new Date(T0 + 86_400_000), startedAt: new Date(T0 + 86_401_000), finishedAt: new Date(T0 + 86_410_000), observedPeakMiB: 1_500 }],
    ["contract", { fileName: "Contract_Final_v2.pdf", mimeType: "application/pdf", pages: 3, text: "This agreement is made between", status: "SUCCEEDED", nodeId: nodeA, createdAt: new Date(T0 + 2 * 86_400_000), startedAt: new Date(T0 + 2 * 86_400_000), finishedAt: new Date(T0 + 2 * 86_400_000 + 500), observedPeakMiB: 9_000 }],
    ["failed", { fileName: "100%_blank.png", status: "FAILED", nodeId: nodeB, errorCode: "GPU_OOM", createdAt: new Date(T0 + 3 * 86_400_000) }],
    ["queued", { fileName: "invoice-2.png", status: "QUEUED", createdAt: new Date(T0 + 4 * 86_400_000) }],
  ];
  for (const [key, over] of rows) ids[key] = (await makeJob(over)).id;
});

const names = (out: { items: { id: string }[] }) => out.items.map((j) => Object.entries(ids).find(([, id]) => id === j.id)?.[0]);

describe("search", () => {
  it("finds words in the recognised text and the file name, case-insensitively", async () => {
    expect(names(await listJobs(t.db, { q: "total" }))).toEqual(["receipt", "invoice"]);
    expect(names(await listJobs(t.db, { q: "AGREEMENT" }))).toEqual(["contract"]);
    // "invoice" is a word of one job's text and part of another's file name.
    expect(names(await listJobs(t.db, { q: "invoice" }))).toEqual(["queued", "invoice"]);
    // websearch syntax: quoted phrases and exclusions.
    expect(names(await listJobs(t.db, { q: '"total due"' }))).toEqual(["invoice"]);
    expect(names(await listJobs(t.db, { q: "total -coffee" }))).toEqual(["invoice"]);
  });

  it("matches part of a file name, with % and _ taken literally", async () => {
    expect(names(await listJobs(t.db, { q: "final_v" }))).toEqual(["contract"]);
    // Parts of names that start like printf conversions (%i, %d, %s, %f) reach Postgres unchanged.
    expect(names(await listJobs(t.db, { q: "ice-2" }))).toEqual(["queued"]);
    expect(names(await listJobs(t.db, { q: "inal_v" }))).toEqual(["contract"]);
    expect(names(await listJobs(t.db, { q: "can-00" }))).toEqual(["invoice"]);
    expect(names(await listJobs(t.db, { q: "100%" }))).toEqual(["failed"]);
    expect(names(await listJobs(t.db, { q: "%" }))).toEqual(["failed"]);
    expect((await listJobs(t.db, { q: "nothing-like-this" })).total).toBe(0);
  });

  it("uses the GIN index on the search column and the trigram index on the file name, together", async () => {
    const where = jobFilterSql({ q: "invoice total" });
    const plan = await t.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
      await tx.$executeRawUnsafe("SET LOCAL enable_indexscan = off");
      return tx.$queryRaw<{ "QUERY PLAN": string }[]>`EXPLAIN SELECT j."id" FROM "Job" j ${where}`;
    });
    const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toContain("BitmapOr");
    expect(text).toContain("Job_text_search_idx");
    expect(text).toContain("Job_fileName_trgm_idx");
    // The column the index is on, so this test fails if the index or the query drifts.
    expect(JOB_SEARCH_VECTOR_SQL).toBe(`"searchVector"`);
    expect(text).toContain(`"searchVector" @@`);
  });

  it("reports an exact total, not capped, for a search that matches fewer jobs than the cap", async () => {
    expect(await listJobs(t.db, { q: "total" })).toMatchObject({ total: 2, totalCapped: false, pageCount: 1 });
    expect(await listJobs(t.db, {})).toMatchObject({ total: 5, totalCapped: false });
  });
});

describe("filters", () => {
  it.each([
    [{ status: "SUCCEEDED" as const }, ["contract", "receipt", "invoice"]],
    [{ nodeId: "A" }, ["contract", "invoice"]],
    [{ nodeId: "B", status: "FAILED" as const }, ["failed"]],
    [{ type: "pdf" as const }, ["contract"]],
    [{ type: "image" as const }, ["queued", "failed", "receipt", "invoice"]],
    [{ from: "2030-03-11" }, ["queued", "failed", "contract", "receipt"]],
    [{ to: "2030-03-11" }, ["receipt", "invoice"]],
    [{ from: "2030-03-11", to: "2030-03-12" }, ["contract", "receipt"]],
    [{ from: "2030-03-11", to: "2030-03-12", q: "total" }, ["receipt"]],
  ])("%j", async (f, want) => {
    const which = (f as { nodeId?: string }).nodeId;
    const nodeId = which === "A" ? nodeA : which === "B" ? nodeB : undefined;
    expect(names(await listJobs(t.db, { ...f, nodeId }))).toEqual(want);
  });
});

describe("sorting and paging", () => {
  it.each([
    ["created", "desc", ["queued", "failed", "contract", "receipt", "invoice"]],
    ["created", "asc", ["invoice", "receipt", "contract", "failed", "queued"]],
    // Jobs without a duration or peak come last either way, newest first.
    ["duration", "desc", ["receipt", "invoice", "contract", "queued", "failed"]],
    ["duration", "asc", ["contract", "invoice", "receipt", "queued", "failed"]],
    ["peak", "desc", ["contract", "invoice", "receipt", "queued", "failed"]],
    ["peak", "asc", ["receipt", "invoice", "contract", "queued", "failed"]],
  ] as const)("%s %s", async (sort, dir, want) => {
    expect(names(await listJobs(t.db, { sort, dir }))).toEqual(want);
  });

  it("pages a sorted view without overlap and reports node, duration and type", async () => {
    const p1 = await listJobs(t.db, { sort: "duration", dir: "desc", pageSize: 2 });
    const p2 = await listJobs(t.db, { sort: "duration", dir: "desc", pageSize: 2, page: 2 });
    const p3 = await listJobs(t.db, { sort: "duration", dir: "desc", pageSize: 2, page: 3 });
    expect([...names(p1), ...names(p2), ...names(p3)]).toEqual(["receipt", "invoice", "contract", "queued", "failed"]);
    expect(p1).toMatchObject({ total: 5, pageCount: 3 });
    expect(p1.items[0]).toMatchObject({ node: { id: nodeB, name: "gpu-b" }, durationMs: 9_000, observedPeakMiB: 1_500, mimeType: "image/jpeg", pages: 1 });
    expect(p2.items[1]).toMatchObject({ node: null, durationMs: null, status: "QUEUED" });
  });
});
