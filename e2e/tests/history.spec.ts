import { expect, gotoReady, test } from "../fixtures/index.ts";
import { renderLine } from "../fixtures/render.ts";

test("search the history by a word of the recognised text, then open the job's overlay and text", async ({ api, adminPage: page, onlineNode, request }) => {
  expect(onlineNode.id).toBeTruthy();
  // A word no other test uploads, so the search finds exactly this job.
  const word = `Zephyrine${Date.now() % 100_000}`;
  const line = `Ledger ${word} balance`;
  const res = await api.post("/api/v1/jobs", { multipart: { file: { name: "history-line.png", mimeType: "image/png", buffer: await renderLine(line) } } });
  expect(res.status()).toBe(201);
  const id = ((await res.json()) as { jobs: { id: string }[] }).jobs[0]!.id;
  await expect.poll(async () => ((await (await api.get(`/api/v1/jobs/${id}`)).json()) as { status: string }).status, { timeout: 90_000 }).toBe("SUCCEEDED");

  // The REST list takes the same search.
  const listed = (await (await api.get(`/api/v1/jobs?q=${encodeURIComponent(word)}`)).json()) as { total: number; items: { id: string }[] };
  expect(listed.items.map((j) => j.id)).toContain(id);

  await gotoReady(page, "/jobs");
  await page.getByRole("searchbox", { name: "Search" }).fill(word);
  // The search lands in the URL, so the view can be shared.
  await expect(page).toHaveURL(new RegExp(`[?&]q=${word}`));
  const rows = page.getByTestId("jobs-table").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByRole("link", { name: "history-line.png" })).toBeVisible();

  // Sorting and a status filter also live in the URL, and a reload keeps them.
  await page.getByRole("button", { name: /Peak MiB/ }).click();
  await expect(page).toHaveURL(/sort=peak/);
  await page.getByLabel("Status").selectOption("SUCCEEDED");
  await expect(page).toHaveURL(/status=SUCCEEDED/);
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue(word);
  await expect(rows).toHaveCount(1);
  await page.screenshot({ path: "screenshots/jobs.png", fullPage: true });

  await rows.first().getByRole("link", { name: "history-line.png" }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${id}$`));
  await expect(page.getByTestId("job-status")).toHaveText(/succeeded/i);
  const preview = page.getByRole("img", { name: "Page 1 of the upload" });
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth > 0; })).toBe(true);
  const boxes = page.getByTestId("ocr-box");
  await expect(boxes.first()).toBeVisible();
  expect(await boxes.count()).toBeGreaterThan(0);
  await expect(page.getByTestId("job-text")).toContainText(word);

  // Hovering a box highlights its line and shows its text; the toggle hides the boxes.
  await boxes.first().hover();
  await expect(page.getByTestId("ocr-line").first()).toHaveAttribute("data-highlighted", "true");
  await expect(page.getByRole("tooltip")).toContainText("%");
  await expect(page.getByRole("table", { name: "Placement candidates" })).toContainText(onlineNode.name);
  await expect(page.getByTestId("job-memory-chart")).toBeVisible();
  await page.screenshot({ path: "screenshots/job-detail.png", fullPage: true });
  await page.getByLabel("Show boxes").uncheck();
  await expect(boxes).toHaveCount(0);

  // The preview route is behind sign-in.
  const anon = await request.get(`/api/v1/jobs/${id}/pages/1/image`);
  expect(anon.status()).toBe(401);
  const img = await api.get(`/api/v1/jobs/${id}/pages/1/image`);
  expect(img.headers()["content-type"]).toBe("image/webp");
  expect((await api.get(`/api/v1/jobs/${id}/pages/2/image`)).status()).toBe(404);
});
