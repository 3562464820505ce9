// Who may do what, checked at the procedure guards (no database is reached: the guards refuse
// first). Viewers read; only admins change thresholds, keys and users; nobody anonymous does either.
import type { TPrincipal } from "../auth/principal";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { createCaller } from "./root";
import { createTRPCContext } from "./trpc";
import { rejection } from "../test-support";

const viewerUser: TPrincipal = { kind: "user", id: "00000000-0000-4000-8000-000000000001", role: "VIEWER", label: "Vera" };
const viewerKey: TPrincipal = { kind: "apiKey", id: "00000000-0000-4000-8000-000000000002", role: "VIEWER", label: "API key ro" };
const NODE = "00000000-0000-4000-8000-000000000003";

function caller(principal: TPrincipal | null) {
  const req = new Request("http://localhost:3000/api/trpc", { method: "POST", headers: { host: "localhost:3000", origin: "http://localhost:3000" } });
  return createCaller(createTRPCContext({ req, principal }));
}

type TCaller = ReturnType<typeof caller>;
const ADMIN_ONLY: [string, (c: TCaller) => Promise<unknown>][] = [
  ["settings.update", (c) => c.settings.update({ changes: { cleanupAbovePct: 75 } })],
  ["settings.nodeOverride.update", (c) => c.settings.nodeOverride.update({ nodeId: NODE, changes: { cleanupAbovePct: null } })],
  ["settings.retention.update", (c) => c.settings.retention.update({ changes: { fileRetentionDays: 7 } })],
  ["apiKey.list", (c) => c.apiKey.list()],
  ["apiKey.create", (c) => c.apiKey.create({ name: "x", role: "ADMIN" })],
  ["apiKey.revoke", (c) => c.apiKey.revoke({ id: NODE })],
  ["user.list", (c) => c.user.list()],
  ["user.create", (c) => c.user.create({ email: "x@example.com", name: "X", password: "long enough", role: "ADMIN" })],
  ["user.setRole", (c) => c.user.setRole({ id: NODE, role: "ADMIN" })],
  ["user.remove", (c) => c.user.remove({ id: NODE })],
];
const SIGNED_IN: [string, (c: TCaller) => Promise<unknown>][] = [
  ["settings.get", (c) => c.settings.get()],
  ["settings.nodeOverride.get", (c) => c.settings.nodeOverride.get({ nodeId: NODE })],
  ["settings.audit.list", (c) => c.settings.audit.list({ limit: 5 })],
  ["settings.retention.get", (c) => c.settings.retention.get()],
];

const codeOf = async (p: Promise<unknown>): Promise<string> => (await rejection(p, TRPCError)).code;

describe("who may do what", () => {
  it.each(ADMIN_ONLY)("%s refuses viewers (session or API key) and anonymous callers", async (_name, call) => {
    expect(await codeOf(call(caller(viewerUser)))).toBe("FORBIDDEN");
    expect(await codeOf(call(caller(viewerKey)))).toBe("FORBIDDEN");
    expect(await codeOf(call(caller(null)))).toBe("UNAUTHORIZED");
  });

  it.each(SIGNED_IN)("%s refuses anonymous callers", async (_name, call) => {
    expect(await codeOf(call(caller(null)))).toBe("UNAUTHORIZED");
  });
});
