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
