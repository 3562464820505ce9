import { route } from "@/server/http";
import { servedOpenApiDocument } from "@/server/openapi/document";

export const dynamic = "force-dynamic";

/** GET /api/v1/openapi.json: the REST API as OpenAPI 3.1, for client generators; public, as it holds no data. */
export const GET = route(async () => Response.json(servedOpenApiDocument(), { headers: { "cache-control": "public, max-age=300" } }));
