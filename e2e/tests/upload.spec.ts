import { expect, test } from "../fixtures/index.ts";
import { renderLine } from "../fixtures/render.ts";

test("upload an image in the UI and read back its recognised text", async ({ adminPage: page, onlineNode }) => {
  const line = "Headroom reads this receipt 2026";
  await page.goto("/");
  await page.getByLabel(/choose files|select files|files/i).first().setInputFiles({ name: "line.png", mimeType: "image/png", buffer: await renderLine(line) });
  await expect(page.getByTestId("job-status").first()).toHaveText(/succeeded/i, { timeout: 90_000 });
  await expect(page.getByTestId("job-text").first()).toContainText(line);
  await page.screenshot({ path: "screenshots/upload.png", fullPage: true });

  await page.goto("/nodes");
  await expect(page.getByText(onlineNode.name).first()).toBeVisible();
  await page.screenshot({ path: "screenshots/nodes.png", fullPage: true });

  await page.goto("/jobs");
  await expect(page.getByRole("link", { name: /line\.png/ }).first()).toBeVisible();
  await page.screenshot({ path: "screenshots/jobs.png", fullPage: true });
});
