// The OpenAPI 3.1 document of the public REST API, made from ./operations' zod schemas with zod's
// own JSON Schema output (OpenAPI 3.1 uses JSON Schema 2020-12, which is zod's default target), so
// it cannot drift from what the handlers parse. Served at GET /api/v1/openapi.json.
import { ERROR_CODES } from "@headroom/protocol";
import { z } from "zod";
import { OPERATIONS, type TOperation } from "./operations";

type TJson = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): TJson {
  // Transforms and the like have no JSON Schema; they are described as "any" rather than failing.
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as TJson;
  return rest;
}

function parameters(op: TOperation): TJson[] {
  const inPath = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const inQuery = op.query
    ? Object.entries(op.query.shape).map(([key, field]) => ({
        name: op.queryNames?.[key] ?? key,
        in: "query",
        required: !(field as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(field as z.ZodType, "input"),
      }))
    : [];
  return [...inPath, ...inQuery];
}

function operationObject(op: TOperation): TJson {
  const responses: TJson = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] =
      "json" in r
        ? { description: "OK", content: { "application/json": { schema: jsonSchema(r.json, "output") } } }
        : { description: r.description, content: { [r.content]: { schema: { type: "string", format: "binary" } } } };
  }
  responses.default = { description: "An error: the status and code say which (see the Error schema)", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  const body = op.body
    ? "json" in op.body
      ? { required: true, content: { "application/json": { schema: jsonSchema(op.body.json, "input") } } }
      : { required: true, content: { "multipart/form-data": { schema: jsonSchema(op.body.multipart, "input") } } }
    : undefined;
  const params = parameters(op);
  return {
    operationId: `${op.method.toLowerCase()}${op.path.replace(/^\/api/, "").replace(/\{(\w+)\}/g, "By_$1").split(/[/._-]+/).filter(Boolean).map((s) => s[0]!.toUpperCase() + s.slice(1)).join("")}`,
    summary: op.summary,
    "x-headroom-access": op.access,
    security: op.access === "public" ? [] : [{ apiKey: [] }, { session: [] }],
    ...(params.length > 0 && { parameters: params }),
    ...(body && { requestBody: body }),
    responses,
  };
}

export function openApiDocument(operations: readonly TOperation[] = OPERATIONS): TJson {
  const paths: Record<string, TJson> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op);
  return {
    openapi: "3.1.0",
    info: {
      title: "Headroom",
      version: "v1",
      description: "OCR jobs on a GPU fleet, placed by measured memory headroom. Send an API key as `Authorization: Bearer <key>`.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key (hr_…) made by an admin on /admin" },
        session: { type: "apiKey", in: "cookie", name: "headroom_session", description: "The browser's session, from POST /api/auth/login" },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: { code: { type: "string", enum: Object.keys(ERROR_CODES) }, message: { type: "string" } },
            },
          },
        },
      },
    },
  };
}

let cached: TJson | undefined;
/** Built once per process: the schemas do not change while it runs. */
export function servedOpenApiDocument(): TJson {
  cached ??= openApiDocument();
  return cached;
}
