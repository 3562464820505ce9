// Thresholds end to end: an admin's change in the UI reaches the running agent within a
// heartbeat and is audited; a viewer can change nothing, in the UI or through the API.
import { E2E } from "../fixtures/stack.ts";
import { expect, test, trpc } from "../fixtures/roles.ts";

type TSettings = { thresholds: Record<string, number>; version: number };
type TNodes = { nodes: { id: string; thresholds: Record<string, number>; settingsApplied: boolean; settingsVersion: number }[] };

// A known, consistent starting point whatever earlier runs left behind.
const ORDERED = { sweepAbovePct: 70, cleanupAbovePct: 80, memoryCapPct: 90, admissionMaxUsagePct: 95, memoryBudgetMiB: 0 };

test("an admin changes the cleanup threshold; the node applies it and the audit log shows it", async ({ adminPage: page, api, onlineNode }) => {
  expect((await api.put("/api/v1/settings", { data: ORDERED })).status()).toBe(200);
  expect((await api.put(`/api/v1/nodes/${onlineNode.id}/settings`, { data: { cleanupAbovePct: null } })).status()).toBe(200);

  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  const form = page.getByRole("form", { name: "Fleet thresholds" });
  const cleanup = form.getByLabel("Cleanup above");
  await expect(cleanup).toHaveValue("80");
  await expect(form.getByLabel("Memory budget")).toHaveValue("0");
  const save = form.getByRole("button", { name: "Save thresholds" });

  // Instant feedback: the order rule is checked as you type, and Save waits for a good value.
  await cleanup.fill("95");
  await expect(form.getByText("Cleanup above (95 %) must not be above memory cap (90 %)").first()).toBeVisible();
  await expect(save).toBeDisabled();
  await cleanup.fill("75");
  await expect(form.getByText(/must not be above/)).toHaveCount(0);
  await save.click();
  const saved = form.getByText(/Saved as version \d+/);
  await expect(saved).toBeVisible();
  const version = Number(/version (\d+)/.exec((await saved.textContent()) ?? "")![1]);

  // The agent picks it up on its next heartbeat (~2 s); the API says so, and then the page (polling
  // every 2 s). The API first: right after Save the page may still show the old version as applied.
  const nodeNow = async () => ((await (await api.get("/api/v1/nodes")).json()) as TNodes).nodes.find((n) => n.id === onlineNode.id)!;
  await expect.poll(nodeNow, { timeout: 15_000 }).toMatchObject({ settingsApplied: true, thresholds: expect.objectContaining({ cleanupAbovePct: 75 }) });
  expect(Math.floor((await nodeNow()).settingsVersion / 100_000)).toBe(version);
  const row = page.getByTestId("applied-row").filter({ hasText: onlineNode.name });
  await expect(row).toContainText("applied", { timeout: 15_000 });

  const audit = page.getByTestId("audit-row").first();
  await expect(audit).toContainText("Cleanup above: 80 % → 75 %");
  await expect(audit).toContainText("Admin");
  await expect(audit).toContainText("fleet");
  const rest = (await (await api.get("/api/v1/settings/audit?limit=1")).json()) as { entries: { scope: string; changes: unknown[] }[] };
  expect(rest.entries[0]).toMatchObject({ scope: "fleet", changes: [{ field: "cleanupAbovePct", from: 80, to: 75 }] });

  await page.screenshot({ path: "screenshots/settings.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: "screenshots/settings-phone.png", fullPage: true });
});

test("a viewer cannot change thresholds: not in the UI, not with their session, not with a viewer API key", async ({ viewer, api, playwright }) => {
  const before = (await (await api.get("/api/v1/settings")).json()) as TSettings;

  await viewer.page.goto("/settings");
  const form = viewer.page.getByRole("form", { name: "Fleet thresholds" });
  await expect(form.getByLabel("Cleanup above")).toHaveValue(String(before.thresholds.cleanupAbovePct));
  await expect(form.getByLabel("Cleanup above")).toBeDisabled();
  await expect(form.getByRole("button", { name: /save/i })).toHaveCount(0);
  await expect(form.getByRole("note")).toContainText("only an admin can change them");
  await expect(viewer.page.getByRole("form", { name: /^Overrides for / }).getByRole("checkbox").first()).toBeDisabled();
  await viewer.page.screenshot({ path: "screenshots/settings-viewer.png" });
  const nav = viewer.page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Settings" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await viewer.page.goto("/admin");
  await expect(viewer.page.getByText("Only admins can manage API keys and users")).toBeVisible();

  // The viewer's session, straight at the API: reads work, changes are refused.
  expect((await viewer.request.get("/api/v1/settings")).status()).toBe(200);
  const bySession = await viewer.request.put("/api/v1/settings", { data: { cleanupAbovePct: 60 }, headers: { origin: E2E.baseURL } });
  expect(bySession.status()).toBe(403);
  expect(await bySession.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
  const byTrpc = await viewer.request.post("/api/trpc/settings.update", { data: { changes: { cleanupAbovePct: 60 } }, headers: { origin: E2E.baseURL } });
  expect(byTrpc.status()).toBe(403);

  // A viewer API key: same answer.
  const { key } = await trpc<{ key: string }>(api, "apiKey.create", { name: `e2e viewer ${Date.now()}`, role: "VIEWER" });
  const keyClient = await playwright.request.newContext({ baseURL: E2E.baseURL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });
  expect((await keyClient.get("/api/v1/settings")).status()).toBe(200);
  const byKey = await keyClient.put("/api/v1/settings", { data: { cleanupAbovePct: 60 } });
  expect(byKey.status()).toBe(403);
  expect((await keyClient.put("/api/v1/nodes/00000000-0000-4000-8000-000000000000/settings", { data: { cleanupAbovePct: 60 } })).status()).toBe(403);
  await keyClient.dispose();

  // Nobody at all: 401.
  const anonymous = await playwright.request.newContext({ baseURL: E2E.baseURL });
  expect((await anonymous.put("/api/v1/settings", { data: { cleanupAbovePct: 60 } })).status()).toBe(401);
  expect((await anonymous.get("/api/v1/settings")).status()).toBe(401);
  await anonymous.dispose();

  expect(await (await api.get("/api/v1/settings")).json()).toEqual(before);
});

test("an admin overrides one threshold on a node and clears it again", async ({ adminPage: page, api, onlineNode }) => {
  expect((await api.put("/api/v1/settings", { data: { ...ORDERED, cleanupAbovePct: 75 } })).status()).toBe(200);
  expect((await api.put(`/api/v1/nodes/${onlineNode.id}/settings`, { data: { cleanupAbovePct: null } })).status()).toBe(200);
  await page.goto("/settings");
  await page.getByLabel("Node", { exact: true }).selectOption(onlineNode.id);
  const form = page.getByRole("form", { name: `Overrides for ${onlineNode.name}` });
  const input = form.getByLabel("Cleanup above", { exact: true });
  await expect(input).toBeDisabled();
  await form.getByRole("checkbox", { name: `Override Cleanup above on ${onlineNode.name}` }).check();
  await expect(input).toHaveValue("75");
  // The node's own value is checked against the fleet values it sits among.
  await input.fill("92");
  await expect(form.getByText("Cleanup above (92 %) must not be above memory cap (90 %)").first()).toBeVisible();
  await input.fill("85");
  await form.getByRole("button", { name: "Save overrides" }).click();
  await expect(form.getByText(/Saved \(override version \d+\)/)).toBeVisible();

  const row = page.getByTestId("applied-row").filter({ hasText: onlineNode.name });
  await expect(row).toContainText("1 field");
  await expect(row).toContainText("applied", { timeout: 15_000 });
  const rest = (await (await api.get(`/api/v1/nodes/${onlineNode.id}/settings`)).json()) as { override: Record<string, number | null>; effective: Record<string, number> };
  expect(rest.override.cleanupAbovePct).toBe(85);
  expect(rest.effective.cleanupAbovePct).toBe(85);
  await expect(page.getByTestId("audit-row").first()).toContainText("Cleanup above: fleet value → 85 %");
  await expect(page.getByTestId("audit-row").first()).toContainText(`node ${onlineNode.name}`);

  await form.getByRole("button", { name: "Clear all overrides" }).click();
  await form.getByRole("button", { name: "Save overrides" }).click();
  await expect(page.getByTestId("audit-row").first()).toContainText("Cleanup above: 85 % → fleet value");
  await expect(row).toContainText("none");
  await expect(row).toContainText("applied", { timeout: 15_000 });
});

test("bad values are refused with the validation message, and nothing is audited", async ({ api }) => {
  const before = (await (await api.get("/api/v1/settings/audit?limit=1")).json()) as { entries: { id: string }[] };
  const bad = await api.put("/api/v1/settings", { data: { sweepAbovePct: 99 } });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toEqual({ error: { code: "INVALID_INPUT", message: expect.stringMatching(/^Sweep above \(99 %\) must not be above cleanup above/) } });
  expect((await api.put("/api/v1/settings", { data: { cleanupAbovPct: 70 } })).status()).toBe(400);
  expect((await api.put("/api/v1/settings", { data: { sampleIntervalMs: "fast" } })).status()).toBe(400);
  const tinyBudget = await api.put("/api/v1/settings", { data: { memoryBudgetMiB: 100 } });
  expect(tinyBudget.status()).toBe(400);
  expect(await tinyBudget.json()).toEqual({ error: { code: "INVALID_INPUT", message: "Memory budget must be 0 (the whole device) or at least 256 MiB" } });
  expect(await (await api.get("/api/v1/settings/audit?limit=1")).json()).toEqual(before);
});

test("an admin creates an API key (shown once) and revokes it, and adds a user", async ({ adminPage: page, api }) => {
  await page.goto("/settings");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  const name = `e2e key ${Date.now()}`;
  await page.getByLabel("Key name").fill(name);
  await page.getByLabel("Key role").selectOption("VIEWER");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toHaveValue(/^hr_/);
  const key = await shown.inputValue();
  await expect(page.getByRole("button", { name: "Copy key" })).toBeVisible();
  const keyClient = await page.context().request;
  expect((await keyClient.get("/api/v1/settings", { headers: { authorization: `Bearer ${key}` } })).status()).toBe(200);

  const email = `new-${Date.now()}@headroom.local`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name", { exact: true }).fill("New Person");
  await page.getByLabel("Initial password").fill("new-person-password");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("row").filter({ hasText: email })).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(shown).toHaveCount(0);
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: "screenshots/admin.png", fullPage: true });

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: `Revoke key ${name}` }).click();
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("revoked");
  expect((await keyClient.get("/api/v1/settings", { headers: { authorization: `Bearer ${key}` } })).status()).toBe(401);
  // The admin key the tests use is untouched.
  expect((await api.get("/api/v1/settings")).status()).toBe(200);
});
