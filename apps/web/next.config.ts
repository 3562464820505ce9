import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";
import { API_CSP, COMMON_SECURITY_HEADERS } from "./src/server/security/headers";

// `HEADROOM_NEXT_STANDALONE=1 next build` (scripts/gpu-host/pack-fleet.sh) makes a self-contained
// server (server.js + the node_modules it traces) for hosts without npm, in its own distDir so it
// never disturbs the regular build that `npm start` and the e2e stack use.
const standalone = process.env.HEADROOM_NEXT_STANDALONE === "1";

/** Every answer gets the common headers; API answers also a CSP that allows nothing. Pages get theirs, with a nonce, in src/proxy.ts. */
export async function securityHeaders() {
  const common = Object.entries(COMMON_SECURITY_HEADERS).map(([key, value]) => ({ key, value }));
  const api = [...common, { key: "Content-Security-Policy", value: API_CSP }];
  return [
    { source: "/:path*", headers: common },
    { source: "/api/:path*", headers: api },
    { source: "/metrics", headers: api },
  ];
}

const config: NextConfig = {
  // Workspace packages export TypeScript sources; Next compiles them with the app.
  transpilePackages: ["@headroom/db", "@headroom/policy", "@headroom/protocol", "@headroom/scheduler"],
  // Native and WASM-heavy modules stay as plain Node requires on the server.
  serverExternalPackages: ["sharp", "@node-rs/argon2", "pg", "@prisma/adapter-pg", "pino", "pdfjs-dist", "@napi-rs/canvas"],
  poweredByHeader: false,
  typedRoutes: false,
  experimental: { serverActions: { bodySizeLimit: "1mb" } },
  headers: securityHeaders,
  ...(standalone && {
    output: "standalone",
    distDir: ".next-standalone",
    outputFileTracingRoot: path.join(path.dirname(fileURLToPath(import.meta.url)), "../.."),
  }),
};

export default config;
