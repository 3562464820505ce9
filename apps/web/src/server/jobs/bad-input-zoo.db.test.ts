// The bad-input zoo (issue 13 part 3) through the real POST /api/v1/jobs handler, a real Postgres
// and a real upload directory: each case gets its precise 4xx {error:{code,message}}, stores no
// file, creates no job, and leaves two jobs already in flight exactly as they were. The cases and
// their answers are in bad-input-cases.ts, which also renders the table in docs/security.md.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { renderZooTable, ZOO, ZOO_TABLE_END, ZOO_TABLE_START, type TZooRequest } from "./bad-input-cases";
import { useZooServer } from "./bad-input-test-server";

const t = useTestDatabase();
const zoo = useZooServer(() => t, { decodeTimeoutMs: 10_000 });
const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#fff" } }).png().toBuffer();
const onePng = async (idempotencyKey?: string, bytes?: Buffer): Promise<TZooRequest> => ({ parts: [{ field: "file", name: "scan.png", type: "image/png", bytes: bytes ?? (await png(50, 20)) }], idempotencyKey });

describe("POST /api/v1/jobs refuses the bad-input zoo", () => {
  it("has at least 25 kinds of bad input", () => {
    expect(ZOO.length).toBeGreaterThanOrEqual(25);
  });

  it.each(ZOO.filter((c) => !c.timing && !c.custom).map((c) => [`${c.group}: ${c.kind}`, c] as const))("%s", async (_title, c) => {
    await zoo.expectRefused(c);
  });

  it("reusing an idempotency key for a different file is a 409, and the first job stands", async () => {
    const first = await zoo.send(await onePng("zoo-reuse"));
    expect(first.status).toBe(201);
    const before = await zoo.snapshot();
    const again = await zoo.send(await onePng("zoo-reuse", await png(51, 20)));
    expect({ status: again.status, code: again.body.error?.code }).toEqual({ status: 409, code: "CONFLICT" });
    expect(again.body.error!.message).toMatch(ZOO.find((c) => c.custom === "idempotency-reuse")!.message);
    expect(await zoo.snapshot()).toEqual(before);
    // The same file with the same key is still a replay.
    expect(await zoo.send(await onePng("zoo-reuse"))).toEqual({ status: 200, body: first.body });
  });

  it("one idempotency key sent by 4 requests at once makes one job and one file; every request gets its id", async () => {
    const before = await zoo.snapshot();
    const request = await onePng("zoo-race");
    const answers = await Promise.all(Array.from({ length: 4 }, () => zoo.send(request)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    const ids = new Set(answers.map((a) => a.body.jobs?.[0]?.id));
    expect(ids.size).toBe(1);
    const after = await zoo.snapshot();
    expect(after.jobCount).toBe(before.jobCount + 1);
    expect(after.files).toHaveLength(before.files.length + 1);
    expect(after.jobs).toEqual(before.jobs);
  });

  it("a name is kept as a label only: stored under a UUID, and plain right-to-left letters are fine", async () => {
    const name = "<img src=x onerror=alert(1)> שלום.png";
    const answer = await zoo.send({ parts: [{ field: "file", name, type: "image/png", bytes: await png(40, 20) }] });
    expect(answer.status).toBe(201);
    const job = await t.db.job.findUniqueOrThrow({ where: { id: answer.body.jobs![0]!.id } });
    expect(job.fileName).toBe(name);
    expect(job.storageKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("the UI shows names as text: nothing in apps/web/src renders HTML from data (React escapes the rest)", async () => {
    const src = new URL("../../", import.meta.url);
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith(".tsx") || f.endsWith(".ts"));
    const offenders: string[] = [];
    for (const f of files) if ((await readFile(new URL(f, src), "utf8")).includes("dangerously" + "SetInnerHTML")) offenders.push(f);
    expect(offenders).toEqual([]);
  });

  it("a content type that lies the other way is not believed either: a PNG sent as application/pdf is a PNG job", async () => {
    const answer = await zoo.send({ parts: [{ field: "file", name: "scan.pdf", type: "application/pdf", bytes: await png(30, 30) }] });
    expect(answer.status).toBe(201);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: answer.body.jobs![0]!.id } })).mimeType).toBe("image/png");
  });

  it("docs/security.md lists every case with its answer (HEADROOM_WRITE_DOCS=1 rewrites the table)", async () => {
    const docPath = new URL("../../../../../docs/security.md", import.meta.url);
    const doc = await readFile(docPath, "utf8");
    const start = doc.indexOf(ZOO_TABLE_START);
    const end = doc.indexOf(ZOO_TABLE_END);
    expect(start, `docs/security.md needs the markers ${ZOO_TABLE_START} … ${ZOO_TABLE_END}`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const table = `${ZOO_TABLE_START}\n${renderZooTable()}\n${ZOO_TABLE_END}`;
    if (process.env.HEADROOM_WRITE_DOCS === "1") await writeFile(docPath, doc.slice(0, start) + table + doc.slice(end + ZOO_TABLE_END.length));
    else expect(doc.slice(start, end + ZOO_TABLE_END.length)).toBe(table);
  });
});
