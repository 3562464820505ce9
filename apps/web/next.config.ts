import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages export TypeScript sources; Next compiles them with the app.
  transpilePackages: ["@headroom/db", "@headroom/protocol", "@headroom/scheduler"],
  // Native and WASM-heavy modules stay as plain Node requires on the server.
  serverExternalPackages: ["sharp", "@node-rs/argon2", "pg", "@prisma/adapter-pg", "pino", "pdfjs-dist", "@napi-rs/canvas"],
  poweredByHeader: false,
  typedRoutes: false,
  experimental: { serverActions: { bodySizeLimit: "1mb" } },
};

export default config;
