// The callers the authorization matrix tries on every endpoint, and what each rule expects of them.
// Pure: no database, no handlers; the test builds the credentials (./world) and sends the requests.

/** Who may call an endpoint. */
export type TRule =
  /** anyone (health, metrics, sign-in and sign-out) */
  | "public"
  /** a signed-in user or an API key, of either role */
  | "signed-in"
  /** an admin user or an admin API key */
  | "admin"
  /** an admin, or the user or key that submitted the job (the matrix's job is the viewer session's) */
  | "owner-or-admin"
  /** a registered node's token, acting for that node */
  | "node"
  /** a registered node's token, and only the node that holds the job named in the path */
  | "node-job"
  /** the fleet's enrolment token (agent registration) */
  | "enrol";

export const CALLERS = [
  { id: "anonymous", title: "anonymous" },
  { id: "viewerSession", title: "viewer session" },
  { id: "adminSession", title: "admin session" },
  { id: "viewerKey", title: "viewer key" },
  { id: "adminKey", title: "admin key" },
  { id: "revokedKey", title: "revoked key" },
  { id: "expiredSession", title: "expired session" },
  { id: "nodeA", title: "node token" },
  { id: "nodeB", title: "other node on A's job" },
  { id: "enrol", title: "enrolment token" },
  { id: "foreignOrigin", title: "foreign Origin (admin session)" },
] as const;
export type TCallerId = (typeof CALLERS)[number]["id"];

/** "allow": past authentication and authorisation (any answer but 401/403, 409 LEASE_LOST or 5xx); a number: that refusal; null: not tried. */
export type TExpectation = "allow" | 401 | 403 | 409 | null;

const SIGNED_IN: ReadonlySet<TCallerId> = new Set(["viewerSession", "adminSession", "viewerKey", "adminKey"]);
const ADMINS: ReadonlySet<TCallerId> = new Set(["adminSession", "adminKey"]);

export function expectation(rule: TRule, caller: TCallerId, mutation: boolean): TExpectation {
  if (caller === "foreignOrigin") {
    // Only mutations are checked for their Origin; reads are harmless to a forged page (CORS keeps the answer from it).
    if (!mutation) return null;
    return rule === "node" || rule === "node-job" || rule === "enrol" ? 401 : 403;
  }
  switch (rule) {
    case "public":
      return "allow";
    case "signed-in":
      return SIGNED_IN.has(caller) ? "allow" : 401;
    case "admin":
      return ADMINS.has(caller) ? "allow" : SIGNED_IN.has(caller) ? 403 : 401;
    case "owner-or-admin":
      return ADMINS.has(caller) || caller === "viewerSession" ? "allow" : SIGNED_IN.has(caller) ? 403 : 401;
    case "node":
      return caller === "nodeA" || caller === "nodeB" ? "allow" : 401;
    case "node-job":
      return caller === "nodeA" ? "allow" : caller === "nodeB" ? 409 : 401;
    case "enrol":
      return caller === "enrol" ? "allow" : 401;
  }
}

/** Whether an answer meets an expectation. An allowed caller must not be refused, nor break the handler. */
export function meets(expected: TExpectation, rule: TRule, status: number | null): boolean {
  if (expected === null) return status === null;
  if (status === null) return false;
  if (expected !== "allow") return status === expected;
  if (status === 401 || status === 403 || status >= 500) return false;
  return !(rule === "node-job" && status === 409);
}

export type TMatrixRow = { endpoint: string; rule: TRule; mutation: boolean; cells: Record<TCallerId, number | null> };

/** The matrix as a Markdown table: ✓ and the status for an allowed caller, ✗ and the status for a refused one. */
export function renderMatrix(rows: readonly TMatrixRow[]): string {
  const head = `| Endpoint | Rule | ${CALLERS.map((c) => c.title).join(" | ")} |`;
  const rule = `|---|---|${CALLERS.map(() => ":-:").join("|")}|`;
  const lines = rows.map((r) => {
    const cells = CALLERS.map((c) => {
      const status = r.cells[c.id];
      if (status === null) return "—";
      return expectation(r.rule, c.id, r.mutation) === "allow" ? `✓ ${status}` : `✗ ${status}`;
    });
    return `| \`${r.endpoint}\` | ${r.rule} | ${cells.join(" | ")} |`;
  });
  return [head, rule, ...lines].join("\n");
}
