// Agents authenticate with a per-node token handed out at registration; only its sha256 is stored.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { env } from "@/env";

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

export function newNodeToken(): string {
  return `hn_${randomBytes(32).toString("base64url")}`;
}

/** The token of an `Authorization: Bearer <token>` header. */
function bearer(authorization: string | null): string {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!m) throw new AppError("UNAUTHENTICATED", "Send Authorization: Bearer <token>");
  return m[1]!;
}

export function requireEnrollToken(authorization: string | null): void {
  const given = Buffer.from(sha256Hex(bearer(authorization)));
  const expected = Buffer.from(sha256Hex(env().HEADROOM_ENROLL_TOKEN));
  if (!timingSafeEqual(given, expected)) throw new AppError("UNAUTHENTICATED", "Wrong enrolment token");
}

export type TAgentNode = { id: string; name: string };

/**
 * How long a replica trusts a node token it has looked up, in ms. Every agent request (heartbeats,
 * samples, claims, a job's file, start and completion) names its node by token, so the look-up was
 * one statement in three or four of a fleet's steadiest traffic. A token that stops working (the
 * node registered again under its name, or deregistered) is forgotten at once by the replica that
 * saw it happen and within this time by the others; the job statements still check which node holds
 * a job, so a stale token can never act on another node's work.
 */
export const NODE_TOKEN_TTL_MS = 5_000;
/** Tokens remembered per replica; past this the oldest look-up goes first. A fleet is a few thousand. */
const NODE_TOKEN_CACHE_SIZE = 20_000;
const knownTokens = new Map<string, { node: TAgentNode; until: number }>();

/** The node an agent request's `Authorization` header names. */
export async function requireNode(db: Db, authorization: string | null, now: number = Date.now()): Promise<TAgentNode> {
  const hash = sha256Hex(bearer(authorization));
  const known = knownTokens.get(hash);
  if (known && known.until > now) return known.node;
  knownTokens.delete(hash);
  const node = await db.node.findUnique({ where: { tokenHash: hash }, select: { id: true, name: true } });
  if (!node) throw new AppError("UNAUTHENTICATED", "Unknown node token; register again");
  if (knownTokens.size >= NODE_TOKEN_CACHE_SIZE) knownTokens.delete(knownTokens.keys().next().value!);
  knownTokens.set(hash, { node, until: now + NODE_TOKEN_TTL_MS });
  return node;
}

/** Forgets the tokens this replica trusts for a node: it registered again (new token) or left. */
export function forgetNodeTokens(nodeId: string): void {
  for (const [hash, { node }] of knownTokens) if (node.id === nodeId) knownTokens.delete(hash);
}
