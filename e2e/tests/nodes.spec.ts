import { expect, test } from "../fixtures/index.ts";

test("the GPU page draws each node's memory and keeps it moving", async ({ adminPage: page, onlineNode }) => {
  await page.goto("/nodes");
  const card = page.getByRole("article", { name: onlineNode.name });
  await expect(card).toBeVisible();
  const chart = card.getByTestId(`memory-chart-${onlineNode.name}`);
  await expect(chart).toBeVisible();
  // The agent sends a sample every heartbeat (2 s); the live chart refreshes every 2 s.
  await expect.poll(async () => Number(await chart.getAttribute("data-last-sample-at")), { timeout: 20_000 }).toBeGreaterThan(0);
  const first = Number(await chart.getAttribute("data-last-sample-at"));
  await expect.poll(async () => Number(await chart.getAttribute("data-last-sample-at")), { timeout: 10_000, intervals: [1_000] }).toBeGreaterThan(first);
  await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
  await expect(card.getByText(/After-cleanup trend/)).toBeVisible();
  await page.screenshot({ path: "screenshots/nodes.png", fullPage: true });

  // Longer ranges are downsampled on the server to at most ~300 buckets.
  for (const range of ["15 min", "1 h", "24 h", "7 d"]) {
    await card.getByRole("button", { name: range, exact: true }).click();
    await expect(card.getByRole("button", { name: range, exact: true })).toHaveAttribute("aria-pressed", "true");
    await expect.poll(async () => Number(await chart.getAttribute("data-bucket-ms"))).toBeGreaterThan(500);
    expect(Number(await chart.getAttribute("data-points"))).toBeLessThanOrEqual(301);
  }
  await card.getByRole("button", { name: "Live", exact: true }).click();

  // Both alerts are exported for Prometheus.
  const metrics = await (await page.request.get("/metrics")).text();
  expect(metrics).toContain("headroom_node_memory_alert");
  expect(metrics).toContain("# HELP headroom_node_leak_mib_per_hour");
});
