// A replica trusts a node token it has looked up for NODE_TOKEN_TTL_MS, against a real Postgres:
// the look-up is skipped within that time, a token that stopped working is refused once it is up,
// and at once on the replica that saw the node register again or leave.
import { randomUUID } from "node:crypto";
import { AppError, type TRegisterRequest } from "@headroom/protocol";
import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { rejection } from "../test-support";
import { forgetNodeTokens, NODE_TOKEN_TTL_MS, newNodeToken, requireNode, sha256Hex } from "./node-auth";
import { registerNode } from "./register";

const t = useTestDatabase();

const asNode = (token: string) => `Bearer ${token}`;

async function nodeWithToken(): Promise<{ id: string; token: string }> {
  const token = newNodeToken();
  const name = `auth-${randomUUID()}`;
  const row = await t.db.node.create({ data: { name, hostname: name, kind: "CPU", tokenHash: sha256Hex(token) }, select: { id: true } });
  return { id: row.id, token };
}

const registration = (name: string): TRegisterRequest => ({
  name,
  hostname: name,
  kind: "CPU",
  gpuIndex: null,
  gpuName: null,
  provider: "cpu",
  providerNotes: [],
  agentVersion: "test",
  memory: { usedMiB: 1_000, totalMiB: 16_000, freeMiB: 15_000, processMiB: null, utilPct: null, source: "host" },
});

async function refused(token: string, now: number): Promise<string> {
  return (await rejection(requireNode(t.db, asNode(token), now), AppError)).code;
}

describe("requireNode", () => {
  it("looks a token up once per NODE_TOKEN_TTL_MS, and refuses it after that once the row no longer has it", async () => {
    const n = await nodeWithToken();
    const t0 = Date.now();
    expect(await requireNode(t.db, asNode(n.token), t0)).toMatchObject({ id: n.id });
    // Another replica re-registered the node: its row holds a new token's hash.
    await t.db.node.update({ where: { id: n.id }, data: { tokenHash: sha256Hex(newNodeToken()) } });
    expect(await requireNode(t.db, asNode(n.token), t0 + NODE_TOKEN_TTL_MS - 1)).toMatchObject({ id: n.id });
    expect(await refused(n.token, t0 + NODE_TOKEN_TTL_MS)).toBe("UNAUTHENTICATED");
  });

  it("never remembers a token it did not find", async () => {
    const token = newNodeToken();
    const t0 = Date.now();
    expect(await refused(token, t0)).toBe("UNAUTHENTICATED");
    const name = `late-${randomUUID()}`;
    const row = await t.db.node.create({ data: { name, hostname: name, kind: "CPU", tokenHash: sha256Hex(token) }, select: { id: true } });
    expect(await requireNode(t.db, asNode(token), t0 + 1)).toMatchObject({ id: row.id });
  });

  it("forgets a node's tokens at once when told (it registered again or left)", async () => {
    const n = await nodeWithToken();
    const t0 = Date.now();
    await requireNode(t.db, asNode(n.token), t0);
    await t.db.node.update({ where: { id: n.id }, data: { tokenHash: sha256Hex(newNodeToken()) } });
    forgetNodeTokens(n.id);
    expect(await refused(n.token, t0 + 1)).toBe("UNAUTHENTICATED");
  });

  it("refuses the old token at once on the replica where the node registered again, and takes the new one", async () => {
    const name = `rereg-${randomUUID()}`;
    const first = await registerNode(t.db, registration(name));
    const t0 = Date.now();
    expect(await requireNode(t.db, asNode(first.token), t0)).toMatchObject({ id: first.nodeId });
    const second = await registerNode(t.db, registration(name));
    expect(second.nodeId).toBe(first.nodeId);
    expect(await refused(first.token, t0 + 1)).toBe("UNAUTHENTICATED");
    expect(await requireNode(t.db, asNode(second.token), t0 + 2)).toMatchObject({ id: first.nodeId, name });
  });
});
