import { expect, gotoReady, test } from "../fixtures/index.ts";
import { renderPdf } from "../fixtures/pdf.ts";
import { renderLine } from "../fixtures/render.ts";

test("upload three images and a PDF in the UI, watch them complete, and open one", async ({ adminPage: page, onlineNode }) => {
  const lines = ["Headroom reads this receipt 2026", "Invoice total due today", "Memory stays under the cap"];
  const files = [
    ...(await Promise.all(lines.map(async (l, i) => ({ name: `line-${i + 1}.png`, mimeType: "image/png", buffer: await renderLine(l) })))),
    { name: "two-pages.pdf", mimeType: "application/pdf", buffer: await renderPdf(["Quarterly report page one", "Quarterly report page two"]) },
  ];
  await gotoReady(page, "/");
  await page.getByLabel(/choose files/i).first().setInputFiles(files);

  const statuses = page.getByTestId("job-status");
  await expect(statuses).toHaveCount(4, { timeout: 30_000 });
  for (let i = 0; i < 4; i++) await expect(statuses.nth(i)).toHaveText(/succeeded/i, { timeout: 120_000 });
  const texts = page.getByTestId("job-text");
  for (const l of lines) await expect(texts.filter({ hasText: l })).toHaveCount(1);
  await expect(texts.filter({ hasText: "Quarterly report page two" })).toHaveCount(1);
  await page.screenshot({ path: "screenshots/upload.png", fullPage: true });

  const pdfJob = await page.getByRole("link", { name: "Details for two-pages.pdf" }).getAttribute("href");
  // Open the first image's job: its text and the boxes over the page image.
  await page.getByRole("link", { name: "Details for line-1.png" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("job-status")).toHaveText(/succeeded/i);
  await expect(page.getByTestId("job-text")).toContainText(lines[0]!);
  await expect(page.getByTestId("ocr-box").first()).toBeVisible();

  // The PDF's second page: its rendering with the boxes over it.
  await page.goto(pdfJob!);
  await page.getByRole("button", { name: "Next page" }).click();
  const preview = page.getByRole("img", { name: "Page 2 of the upload" });
  await expect.poll(() => preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  await expect(page.getByTestId("ocr-box").first()).toBeVisible();
  await expect(page.getByTestId("ocr-line").first()).toContainText("Quarterly report page two");

  await page.goto("/nodes");
  await expect(page.getByText(onlineNode.name).first()).toBeVisible();
});

test("a busy answer (503 with Retry-After) is waited out in the UI, and the file goes again by itself", async ({ adminPage: page, onlineNode }) => {
  void onlineNode;
  // The first try is answered as a replica with no room for the body answers; the next reaches the server.
  let tries = 0;
  await page.route("**/api/v1/jobs", async (route) => {
    if (route.request().method() !== "POST" || tries++ > 0) return route.continue();
    await route.fulfill({ status: 503, headers: { "retry-after": "2" }, contentType: "application/json", body: JSON.stringify({ error: { code: "UNAVAILABLE", message: "This server is reading 256.0 MiB of uploads; try again shortly" } }) });
  });
  await gotoReady(page, "/");
  await page.getByLabel(/choose files/i).first().setInputFiles([{ name: "busy.png", mimeType: "image/png", buffer: await renderLine("Sent again after a busy answer") }]);
  const row = page.getByRole("listitem", { name: "busy.png" });
  await expect(row.getByRole("status")).toContainText(/busy; trying again in [12] s\. This server is reading 256\.0 MiB/);
  await expect(row.getByTestId("job-status")).toHaveText(/succeeded/i, { timeout: 120_000 });
  await expect(row.getByTestId("job-text")).toContainText("Sent again after a busy answer");
  await expect(row.getByRole("status")).toHaveCount(0);
  expect(tries).toBe(2);
});

test("a server that stays busy gets five more tries, then the row says why it gave up", async ({ adminPage: page }) => {
  let tries = 0;
  await page.route("**/api/v1/jobs", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    tries++;
    await route.fulfill({ status: 429, headers: { "retry-after": "0" }, contentType: "application/json", body: JSON.stringify({ error: { code: "RATE_LIMITED", message: "Too many uploads for this key; try again in a moment" } }) });
  });
  await gotoReady(page, "/");
  await page.getByLabel(/choose files/i).first().setInputFiles([{ name: "limited.png", mimeType: "image/png", buffer: await renderLine("never sent") }]);
  await expect(page.getByRole("listitem", { name: "limited.png" }).getByRole("alert")).toHaveText("Too many uploads for this key; try again in a moment");
  expect(tries).toBe(6);
});
