// The authorization matrix: every endpoint found in the code, called through its real handler
// against a real Postgres by every kind of caller, each answer checked against the endpoint's rule.
// The matrix is written into docs/security.md; the test fails while the committed table differs,
// so the document stays what the code does.
import { readFile, writeFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../password";
import { SESSION_COOKIE } from "../session-cookie";
import { CALLERS, expectation, meets, renderMatrix, type TCallerId, type TMatrixRow, type TRule } from "./callers";
import { routeEndpoints, trpcProcedures, type TRouteEndpoint } from "./endpoints";
import { REST_RULES, TRPC_ROUTE, TRPC_RULES, type TJobState, type TWorld } from "./rules";
import { buildWorld, type TCredentials, type TUsers } from "./world";

const t = useTestDatabase();
const ENROL_TOKEN = "matrix-enrolment-token-0123456789";
const ORIGIN = "http://localhost:3000";
const DOC = fileURLToPath(new URL("../../../../../../docs/security.md", import.meta.url));
export const MATRIX_START = "<!-- authz-matrix:start -->";
export const MATRIX_END = "<!-- authz-matrix:end -->";

let uploadDir = "";
let users: TUsers;
let png: Buffer;
let endpoints: TRouteEndpoint[] = [];
let procedures: { path: string; type: string }[] = [];

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(tmpdir(), "headroom-matrix-"));
  // The handlers read their configuration once (env.ts); it must name this file's database.
  Object.assign(process.env, {
    DATABASE_URL: t.url,
    HEADROOM_ENROLL_TOKEN: ENROL_TOKEN,
    HEADROOM_STORAGE: "fs",
    HEADROOM_UPLOAD_DIR: uploadDir,
    LOG_LEVEL: "silent",
  });
  (globalThis as { headroomDb?: unknown }).headroomDb = t.db;
  const password = "matrix password";
  const passwordHash = await hashPassword(password);
  const viewer = await t.db.user.create({ data: { email: "viewer@matrix.test", name: "Viewer", role: "VIEWER", passwordHash } });
  const admin = await t.db.user.create({ data: { email: "admin@matrix.test", name: "Admin", role: "ADMIN", passwordHash } });
  users = { viewerId: viewer.id, adminId: admin.id, viewerEmail: viewer.email, viewerPassword: password };
  png = await sharp({ create: { width: 64, height: 32, channels: 3, background: "#ffffff" } }).png().toBuffer();
  endpoints = await routeEndpoints();
  const { appRouter } = await import("../../trpc/root");
  procedures = trpcProcedures(appRouter);
});

afterAll(async () => {
  const holder = globalThis as { headroomListener?: { close(): Promise<void> }; headroomDb?: unknown };
  await holder.headroomListener?.close();
  delete holder.headroomListener;
  delete holder.headroomDb;
  await rm(uploadDir, { recursive: true, force: true });
});

/** Headers a caller sends: its credential, our own Origin on mutations (as a browser's fetch does), or a foreign one. */
function callerHeaders(caller: TCallerId, creds: TCredentials, mutation: boolean): Record<string, string> {
  const h: Record<string, string> = { host: "localhost:3000", "x-forwarded-for": "10.9.9.9" };
  if (mutation) h.origin = ORIGIN;
  switch (caller) {
    case "anonymous":
      break;
    case "viewerSession":
    case "adminSession":
    case "expiredSession":
      h.cookie = `${SESSION_COOKIE}=${creds[caller]}`;
      break;
    case "foreignOrigin":
      h.cookie = `${SESSION_COOKIE}=${creds.foreignOrigin}`;
      h.origin = "http://evil.example";
      break;
    case "enrol":
      h.authorization = `Bearer ${ENROL_TOKEN}`;
      break;
    default:
      h.authorization = `Bearer ${creds[caller]}`;
  }
  return h;
}

function fill(p: string, params: Record<string, string>): string {
  return p.replace(/\[(\w+)\]/g, (_m, name: string) => params[name] ?? "missing");
}

// Node B goes before node A: once A has finished the job, B's refusal would prove nothing.
const ORDER: TCallerId[] = ["nodeB", ...CALLERS.map((c) => c.id).filter((id) => id !== "nodeB")];

type TSend = (caller: TCallerId, world: TWorld, creds: TCredentials) => Promise<number>;

async function runRow(endpoint: string, rule: TRule, mutation: boolean, jobState: TJobState, send: TSend): Promise<{ row: TMatrixRow; wrong: string[] }> {
  const { world, creds } = await buildWorld(t.db, users, png, jobState);
  const cells = {} as Record<TCallerId, number | null>;
  const wrong: string[] = [];
  for (const caller of ORDER) {
    const expected = expectation(rule, caller, mutation);
    const status = expected === null ? null : await send(caller, world, creds);
    cells[caller] = status;
    if (!meets(expected, rule, status)) wrong.push(`${endpoint} as ${caller}: expected ${expected}, got ${status}`);
  }
  return { row: { endpoint, rule, mutation, cells }, wrong };
}

/** Runs the thunks `width` at a time; results in the thunks' order. */
async function inBatches<T>(thunks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(thunks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < thunks.length; i = next++) out[i] = await thunks[i]!();
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

function restSender(ep: TRouteEndpoint): TSend {
  const recipe = REST_RULES[`${ep.method} ${ep.path}`]!;
  const mutation = !["GET", "HEAD", "OPTIONS"].includes(ep.method);
  return async (caller, world, creds) => {
    const params = recipe.params?.(world) ?? {};
    const headers = callerHeaders(caller, creds, mutation);
    let body: BodyInit | undefined;
    const raw = recipe.body?.(world);
    if (raw instanceof FormData) body = raw;
    else if (raw !== undefined) {
      body = JSON.stringify(raw);
      headers["content-type"] = "application/json";
    }
    if (ep.path === "/api/auth/logout") headers.accept = "application/json";
    const req = new Request(`${ORIGIN}${fill(ep.path, params)}${recipe.query ?? ""}`, { method: ep.method, headers, body });
    const res = await ep.handler(req, { params: Promise.resolve(params) });
    await res.arrayBuffer();
    return res.status;
  };
}

function trpcSender(proc: { path: string; type: string }, handlers: { GET: TRouteEndpoint; POST: TRouteEndpoint }): TSend {
  const recipe = TRPC_RULES[proc.path]!;
  const mutation = proc.type === "mutation";
  return async (caller, world, creds) => {
    const input = recipe.input?.(world);
    const headers = callerHeaders(caller, creds, mutation);
    const url = `${ORIGIN}/api/trpc/${proc.path}`;
    const req = mutation
      ? new Request(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(input ?? null) })
      : new Request(input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { method: "GET", headers });
    const ep = mutation ? handlers.POST : handlers.GET;
    const res = await ep.handler(req, { params: Promise.resolve({ trpc: proc.path }) });
    await res.arrayBuffer();
    return res.status;
  };
}

describe("authorization matrix", () => {
  it("has a rule for every route, method and procedure in the code, and none for anything else", () => {
    const found = endpoints.filter((e) => e.path !== TRPC_ROUTE).map((e) => `${e.method} ${e.path}`);
    expect(found.length).toBeGreaterThan(20);
    expect(found.filter((k) => !(k in REST_RULES)), "routes without a rule in rules.ts").toEqual([]);
    expect(Object.keys(REST_RULES).filter((k) => !found.includes(k)), "rules for routes that no longer exist").toEqual([]);
    expect(endpoints.filter((e) => e.path === TRPC_ROUTE).map((e) => e.method).sort()).toEqual(["GET", "POST"]);
    const paths = procedures.map((p) => p.path);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !(p in TRPC_RULES)), "procedures without a rule in rules.ts").toEqual([]);
    expect(Object.keys(TRPC_RULES).filter((p) => !paths.includes(p)), "rules for procedures that no longer exist").toEqual([]);
  });

  it("every caller gets what the endpoint's rule says, and docs/security.md shows it", { timeout: 180_000 }, async () => {
    const trpc = {
      GET: endpoints.find((e) => e.path === TRPC_ROUTE && e.method === "GET")!,
      POST: endpoints.find((e) => e.path === TRPC_ROUTE && e.method === "POST")!,
    };
    const jobs: (() => ReturnType<typeof runRow>)[] = [];
    for (const ep of endpoints) {
      if (ep.path === TRPC_ROUTE) continue;
      const recipe = REST_RULES[`${ep.method} ${ep.path}`]!;
      const mutation = !["GET", "HEAD", "OPTIONS"].includes(ep.method);
      jobs.push(() => runRow(`${ep.method} ${ep.path}`, recipe.rule, mutation, recipe.job ?? "RUNNING", restSender(ep)));
    }
    for (const proc of procedures) {
      const recipe = TRPC_RULES[proc.path]!;
      jobs.push(() => runRow(`tRPC ${proc.type} ${proc.path}`, recipe.rule, proc.type === "mutation", recipe.job ?? "RUNNING", trpcSender(proc, trpc)));
    }
    // Rows are independent (each has its own world), so a few run at once; callers within a row stay in order.
    const results = await inBatches(jobs, 4);
    const rows = results.map((r) => r.row);
    const wrong = results.flatMap((r) => r.wrong);
    expect(wrong).toEqual([]);

    const table = renderMatrix(rows);
    const doc = await readFile(DOC, "utf8").catch(() => "");
    const start = doc.indexOf(MATRIX_START);
    const end = doc.indexOf(MATRIX_END);
    const block = `${MATRIX_START}\n${table}\n${MATRIX_END}`;
    const current = start >= 0 && end > start ? doc.slice(start, end + MATRIX_END.length) : null;
    if (current !== block) {
      const next = current === null ? `${doc.trimEnd()}\n\n${block}\n` : doc.replace(current, block);
      await writeFile(DOC, next);
    }
    expect(current, "docs/security.md's authorization matrix was out of date; it has been rewritten, commit it").toBe(block);
  });
});
