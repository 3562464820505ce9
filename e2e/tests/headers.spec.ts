// What a real `next start` sends: security headers on pages and API answers, a CSP whose nonce is
// on every script Next writes, pages that still hydrate under it, and the session cookie's flags.
import { expect, gotoReady, test } from "../fixtures/index.ts";
import { E2E } from "../fixtures/stack.ts";

test("pages carry a nonce CSP that their scripts satisfy, and the common headers", async ({ request }) => {
  const res = await request.get("/login");
  expect(res.status()).toBe(200);
  const csp = res.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  expect(res.headers()["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
});

test("API answers get a CSP that allows nothing, and nosniff", async ({ request }) => {
  for (const path of ["/api/health", "/api/v1/jobs", "/metrics"]) {
    const res = await request.get(path);
    expect(res.headers()["content-security-policy"], path).toMatch(/^default-src 'none'.*frame-ancestors 'none'/);
    expect(res.headers()["x-content-type-options"], path).toBe("nosniff");
  }
});

test("signed-in pages hydrate with no CSP violation", async ({ adminPage: page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  for (const url of ["/", "/jobs", "/nodes", "/settings", "/admin"]) await gotoReady(page, url);
  expect(violations).toEqual([]);
});

test("the session cookie is HttpOnly and SameSite=Lax, and Secure behind TLS", async ({ request }) => {
  const login = (headers: Record<string, string>) =>
    request.post("/api/auth/login", { data: { email: E2E.adminEmail, password: E2E.adminPassword }, headers: { origin: E2E.baseURL, ...headers } });
  const plain = (await login({})).headers()["set-cookie"] ?? "";
  expect(plain).toMatch(/HttpOnly/);
  expect(plain).toMatch(/SameSite=Lax/);
  expect(plain).not.toMatch(/Secure/);
  const tls = (await login({ "x-forwarded-proto": "https" })).headers()["set-cookie"] ?? "";
  expect(tls).toMatch(/; Secure/);
});
