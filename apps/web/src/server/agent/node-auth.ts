// Agents authenticate with a per-node token handed out at registration; only its sha256 is stored.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { env } from "@/env";

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

export function newNodeToken(): string {
  return `hn_${randomBytes(32).toString("base64url")}`;
}

function bearer(req: Request): string {
  const h = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new AppError("UNAUTHENTICATED", "Send Authorization: Bearer <token>");
  return m[1]!;
}

export function requireEnrollToken(req: Request): void {
  const given = Buffer.from(sha256Hex(bearer(req)));
  const expected = Buffer.from(sha256Hex(env().HEADROOM_ENROLL_TOKEN));
  if (!timingSafeEqual(given, expected)) throw new AppError("UNAUTHENTICATED", "Wrong enrolment token");
}

export type TAgentNode = { id: string; name: string };

export async function requireNode(db: Db, req: Request): Promise<TAgentNode> {
  const node = await db.node.findUnique({ where: { tokenHash: sha256Hex(bearer(req)) }, select: { id: true, name: true } });
  if (!node) throw new AppError("UNAUTHENTICATED", "Unknown node token; register again");
  return node;
}
