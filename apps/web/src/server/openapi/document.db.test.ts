// The OpenAPI document against the code: every REST route under /api/v1 (and /api/health) is in it
// with exactly the methods and path parameters the route file has, and what the real handlers
// answer, against a real Postgres, validates against the document's response schemas.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../auth/secrets";
import { routeEndpoints, type TRouteEndpoint } from "../auth/matrix/endpoints";
import { openApiDocument } from "./document";

const t = useTestDatabase();
type TDoc = { openapi: string; paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
const doc = openApiDocument() as unknown as TDoc;

/** "/api/v1/jobs/[id]" → "/api/v1/jobs/{id}" */
const openApiPath = (p: string) => p.replace(/\[(\w+)\]/g, "{$1}");
const isPublicRest = (p: string) => p.startsWith("/api/v1/") || p === "/api/health";

let endpoints: TRouteEndpoint[] = [];
let key = "";
const ids = { job: "", node: "" };

beforeAll(async () => {
  Object.assign(process.env, { DATABASE_URL: t.url, HEADROOM_ENROLL_TOKEN: "openapi-enrolment-token-0123", LOG_LEVEL: "silent" });
  (globalThis as { headroomDb?: unknown }).headroomDb = t.db;
  endpoints = (await routeEndpoints()).filter((e) => isPublicRest(e.path));
  const k = generateApiKey();
  await t.db.apiKey.create({ data: { name: "openapi", prefix: k.prefix, keyHash: k.hash, role: "ADMIN" } });
  key = k.key;
  const node = await t.db.node.create({ data: { name: "openapi-node", hostname: "h", kind: "CPU", tokenHash: randomUUID(), totalMiB: 16000, lastHeartbeatAt: new Date() } });
  const job = await t.db.job.create({
    data: {
      status: "SUCCEEDED",
      fileName: "doc.png",
      mimeType: "image/png",
      sizeBytes: 10,
      sha256: "0",
      storageKey: randomUUID(),
      nodeId: node.id,
      attempt: 1,
      finishedAt: new Date(),
      text: "hello",
      result: { pages: [{ page: 1, widthPx: 10, heightPx: 10, text: "hello", lines: [] }], text: "hello", model: "m", provider: "cpu", timingsMs: { recMs: 1 } },
    },
  });
  ids.job = job.id;
  ids.node = node.id;
});

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with unique operation ids", () => {
    expect(doc.openapi).toBe("3.1.0");
    const opIds = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(opIds).size).toBe(opIds.length);
  });

  it("has every public REST route with exactly its methods and path parameters, and nothing else", () => {
    const inCode = new Map<string, string[]>();
    for (const e of endpoints) inCode.set(openApiPath(e.path), [...(inCode.get(openApiPath(e.path)) ?? []), e.method.toLowerCase()]);
    expect(inCode.size).toBeGreaterThan(8);
    const inDoc = new Map(Object.entries(doc.paths).map(([p, ops]) => [p, Object.keys(ops)]));
    expect([...inCode.keys()].filter((p) => !inDoc.has(p)), "routes missing from the document").toEqual([]);
    expect([...inDoc.keys()].filter((p) => !inCode.has(p)), "documented paths with no route").toEqual([]);
    for (const [p, methods] of inCode) expect(inDoc.get(p)!.sort(), p).toEqual(methods.sort());
    for (const [p, ops] of Object.entries(doc.paths)) {
      const segments = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops)) expect((op.parameters ?? []).filter((x) => x.in === "path").map((x) => x.name), p).toEqual(segments);
    }
  });

  it("matches what the real handlers answer", async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const call = async (method: string, p: string, body?: unknown) => {
      const concrete = p.replace("{id}", p.includes("/nodes/") ? ids.node : ids.job).replace("{n}", "1");
      const ep = endpoints.find((e) => e.method === method && openApiPath(e.path) === p)!;
      const params = { id: p.includes("/nodes/") ? ids.node : ids.job, n: "1" };
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, host: "localhost:3000" };
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await ep.handler(new Request(`http://localhost:3000${concrete}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), { params: Promise.resolve(params) });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    const checks: [string, string, unknown?][] = [
      ["GET", "/api/health"],
      ["GET", "/api/v1/openapi.json"],
      ["GET", "/api/v1/jobs"],
      ["GET", "/api/v1/jobs/{id}"],
      ["GET", "/api/v1/jobs/{id}/result"],
      ["GET", "/api/v1/nodes"],
      ["GET", "/api/v1/nodes/{id}/settings"],
      ["PUT", "/api/v1/nodes/{id}/settings", { cleanupAbovePct: 80 }],
      ["GET", "/api/v1/settings"],
      ["PUT", "/api/v1/settings", { cleanupAbovePct: 85 }],
      ["GET", "/api/v1/settings/audit"],
      ["PUT", "/api/v1/nodes/{id}/drain", { drained: true }],
      ["POST", "/api/v1/jobs/{id}/cancel"],
    ];
    for (const [method, p, body] of checks) {
      const { status, json } = await call(method, p, body);
      expect(status, `${method} ${p}: ${JSON.stringify(json)}`).toBe(200);
      const schema = doc.paths[p]![method.toLowerCase()]!.responses["200"]!.content!["application/json"]!.schema;
      if (p === "/api/v1/openapi.json") {
        expect(json).toEqual(doc);
        continue;
      }
      const validate = ajv.compile(schema);
      expect(validate(json), `${method} ${p}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});
