import { expect, test } from "../fixtures/index.ts";
import { renderLine } from "../fixtures/render.ts";

test("the REST API takes an image and returns its text", async ({ api, onlineNode }) => {
  expect(onlineNode.id).toBeTruthy();
  const line = "Scheduled by measured headroom";
  const res = await api.post("/api/v1/jobs", { multipart: { file: { name: "api.png", mimeType: "image/png", buffer: await renderLine(line) } } });
  expect(res.status()).toBe(201);
  const { jobs } = (await res.json()) as { jobs: { id: string }[] };
  let job: { status: string; result: { text: string } | null; node: { id: string } | null } | undefined;
  await expect.poll(async () => {
    job = await (await api.get(`/api/v1/jobs/${jobs[0]!.id}`)).json();
    return job!.status;
  }, { timeout: 90_000 }).toBe("SUCCEEDED");
  expect(job!.result!.text).toBe(line);
  expect(job!.node!.id).toBe(onlineNode.id);
  const txt = await api.get(`/api/v1/jobs/${jobs[0]!.id}/result?format=txt`);
  expect(await txt.text()).toBe(line);
});

test("a two-page PDF comes back as two pages of text, as JSON and Markdown", async ({ api, onlineNode }) => {
  expect(onlineNode.id).toBeTruthy();
  const { PDFDocument, StandardFonts } = await import("pdf-lib");
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const line of ["First page of the report", "Second page closes it"]) {
    doc.addPage([595, 842]).drawText(line, { x: 60, y: 700, size: 28, font });
  }
  const res = await api.post("/api/v1/jobs", { multipart: { file: { name: "report.pdf", mimeType: "application/pdf", buffer: Buffer.from(await doc.save()) } } });
  expect(res.status()).toBe(201);
  const id = ((await res.json()) as { jobs: { id: string }[] }).jobs[0]!.id;
  let job: { status: string; pages: number; result: { pages: { page: number; text: string }[] } | null } | undefined;
  await expect.poll(async () => {
    job = await (await api.get(`/api/v1/jobs/${id}`)).json();
    return job!.status;
  }, { timeout: 90_000 }).toBe("SUCCEEDED");
  expect(job!.pages).toBe(2);
  expect(job!.result!.pages.map((p) => [p.page, p.text])).toEqual([[1, "First page of the report"], [2, "Second page closes it"]]);
  const md = await (await api.get(`/api/v1/jobs/${id}/result?format=md`)).text();
  expect(md).toContain("## Page 2");
  expect(md).toContain("Second page closes it");
});
