// Fresh credentials of every kind for one row of the authorization matrix, so that one row's
// mutations (a sign-out, a completed job, a drained node) never decide another row's answers.
import type { PrismaClient } from "@headroom/db";
import { newNodeToken, sha256Hex } from "../../agent/node-auth";
import { uploadStore } from "../../jobs/upload-store";
import { generateApiKey } from "../secrets";
import { createSession } from "../sessions";
import type { TCallerId } from "./callers";
import type { TJobState, TWorld } from "./rules";

export type TUsers = { viewerId: string; adminId: string; viewerEmail: string; viewerPassword: string };
export type TCredentials = Record<Exclude<TCallerId, "anonymous" | "enrol">, string>;

let seq = 0;

async function apiKey(db: PrismaClient, role: "ADMIN" | "VIEWER", revokedAt: Date | null): Promise<string> {
  const { key, prefix, hash } = generateApiKey();
  await db.apiKey.create({ data: { name: `matrix-${role.toLowerCase()}`, prefix, keyHash: hash, role, revokedAt } });
  return key;
}

async function node(db: PrismaClient, name: string): Promise<{ id: string; token: string }> {
  const token = newNodeToken();
  const row = await db.node.create({ data: { name, hostname: name, kind: "CPU", tokenHash: sha256Hex(token), lastHeartbeatAt: new Date() }, select: { id: true } });
  return { id: row.id, token };
}

// An admin of its own: creating a session removes its user's expired ones, so rows running at once
// must not share the user whose session has expired. It never signs in, so it needs no real hash.
async function expiredAdminSession(db: PrismaClient, n: number): Promise<string> {
  const user = await db.user.create({ data: { email: `expired-${n}@matrix.test`, name: "Expired", role: "ADMIN", passwordHash: "unused" }, select: { id: true } });
  return (await createSession(db, user.id, new Date("2000-01-01T00:00:00Z"))).token;
}

export async function buildWorld(db: PrismaClient, users: TUsers, png: Buffer, jobState: TJobState): Promise<{ world: TWorld; creds: TCredentials }> {
  const n = ++seq;
  const a = await node(db, `matrix-a-${n}`);
  const b = await node(db, `matrix-b-${n}`);
  const now = new Date();
  const job = await db.job.create({
    data: {
      status: jobState,
      fileName: "matrix.png",
      mimeType: "image/png",
      sizeBytes: png.length,
      sha256: sha256Hex(png.toString("binary")),
      // A real stored file, so the agents' download and the page image answer 200 to those allowed.
      storageKey: await uploadStore().put(png),
      nodeId: a.id,
      userId: users.viewerId,
      attempt: 1,
      leaseExpiresAt: new Date(now.getTime() + 3_600_000),
      placedAt: now,
      startedAt: now,
      ...(jobState === "SUCCEEDED" && { finishedAt: now, text: "matrix", result: { pages: [], text: "matrix", model: "m", provider: "cpu", timingsMs: {} } }),
    },
    select: { id: true },
  });
  const creds: TCredentials = {
    viewerSession: (await createSession(db, users.viewerId)).token,
    adminSession: (await createSession(db, users.adminId)).token,
    foreignOrigin: (await createSession(db, users.adminId)).token,
    viewerKey: await apiKey(db, "VIEWER", null),
    adminKey: await apiKey(db, "ADMIN", null),
    revokedKey: await apiKey(db, "ADMIN", new Date()),
    nodeA: a.token,
    nodeB: b.token,
    expiredSession: await expiredAdminSession(db, n),
  };
  return { world: { jobId: job.id, nodeAId: a.id, viewerEmail: users.viewerEmail, viewerPassword: users.viewerPassword, png }, creds };
}
