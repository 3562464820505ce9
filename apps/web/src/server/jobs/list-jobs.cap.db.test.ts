// A broad search counts its matches only up to SEARCH_COUNT_CAP and says so (totalCapped); a page
// beyond the cap is still reachable, and both plans (walk the createdAt index when capped, collect
// the matches first when not) return the same jobs in the same order.
import { useTestDatabase } from "@headroom/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { listJobs, SEARCH_COUNT_CAP } from "./list-jobs";

const t = useTestDatabase();
const N = SEARCH_COUNT_CAP + 30;

beforeAll(async () => {
  // N jobs one second apart, all with "invoice" in the text; one in 1,000 also has "zanzibar".
  await t.db.$executeRaw`
    INSERT INTO "Job" ("id", "status", "fileName", "mimeType", "sizeBytes", "sha256", "storageKey", "text", "createdAt")
    SELECT gen_random_uuid(), 'SUCCEEDED', 'scan-' || lpad(i::text, 6, '0') || '.png', 'image/png', 1000, repeat('0', 64), 'cap-' || i,
           'invoice total ' || CASE WHEN i % 1000 = 7 THEN 'zanzibar' ELSE 'due' END,
           timestamp '2030-01-01' + i * interval '1 second'
    FROM generate_series(1, ${N}::int) AS i`;
  await t.db.$executeRawUnsafe(`ANALYZE "Job"`);
});

const ids = (out: { items: { id: string }[] }) => out.items.map((j) => j.id);

describe("capped total", () => {
  it("stops counting a broad search at the cap and says the total is a lower bound", async () => {
    const out = await listJobs(t.db, { q: "invoice" });
    expect(out).toMatchObject({ total: SEARCH_COUNT_CAP, totalCapped: true, page: 1, pageCount: SEARCH_COUNT_CAP / 25 });
    expect(out.items.map((j) => j.fileName).slice(0, 2)).toEqual([`scan-0${N}.png`, `scan-0${N - 1}.png`]);
    // Every job matches, so the page is the unfiltered newest-first page.
    expect(ids(out)).toEqual(ids(await listJobs(t.db, {})));
  });

  it("counts exactly without a search, and for a search under the cap", async () => {
    expect(await listJobs(t.db, {})).toMatchObject({ total: N, totalCapped: false });
    const rare = await listJobs(t.db, { q: "zanzibar" });
    expect(rare).toMatchObject({ total: 11, totalCapped: false, pageCount: 1 });
    expect(rare.items.map((j) => j.fileName).slice(0, 2)).toEqual(["scan-010007.png", "scan-009007.png"]);
  });

  it("reaches pages beyond the cap, counting as far as the page asked for", async () => {
    const last = SEARCH_COUNT_CAP / 25;
    // Just past the cap: still more than counted.
    const p1 = await listJobs(t.db, { q: "invoice", page: last + 1 });
    expect(p1).toMatchObject({ total: SEARCH_COUNT_CAP + 25, totalCapped: true, pageCount: last + 1 });
    expect(p1.items).toHaveLength(25);
    // The true end: exact again, and the same jobs as the unfiltered history's last page.
    const p2 = await listJobs(t.db, { q: "invoice", page: last + 2 });
    expect(p2).toMatchObject({ total: N, totalCapped: false, pageCount: last + 2 });
    expect(p2.items.map((j) => j.fileName)).toEqual(["scan-000005.png", "scan-000004.png", "scan-000003.png", "scan-000002.png", "scan-000001.png"]);
    expect(ids(p2)).toEqual(ids(await listJobs(t.db, { page: last + 2 })));
    expect(await listJobs(t.db, { q: "invoice", page: last + 3 })).toMatchObject({ items: [], total: N, totalCapped: false });
  });

  it("sorts a capped search by peak or duration like any other", async () => {
    const out = await listJobs(t.db, { q: "total", sort: "peak", dir: "asc" });
    expect(out).toMatchObject({ totalCapped: true });
    expect(ids(out)).toEqual(ids(await listJobs(t.db, { sort: "peak", dir: "asc" })));
  });
});
