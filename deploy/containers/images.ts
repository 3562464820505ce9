// What each image holds, said once: build.ts builds from it without a container runtime, the
// Containerfiles say the same for hosts with one, and images.test.ts checks that they agree.
// Paths under `copy` are relative to the staging directory that stage.sh fills.

export type TImageName = "control-plane" | "gpu-agent" | "cpu-agent";

export type TImage = {
  /** Debian packages on top of debootstrap's minbase (bookworm). */
  packages: string[];
  /** [from, in the staging directory] -> [to, in the image] */
  copy: [string, string][];
  user: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  /** Directories the process writes, owned by the user; everything else may be mounted read-only. */
  writable: string[];
};

export const IMAGE_USER = "10001:10001";
const NODE = "/usr/local/bin/node";

const agent = (extraPackages: string[], env: Record<string, string>): TImage => ({
  packages: ["ca-certificates", ...extraPackages],
  copy: [
    ["node", NODE],
    ["agent", "/app"],
  ],
  user: IMAGE_USER,
  workdir: "/app",
  entrypoint: [NODE],
  cmd: ["/app/bin/agent.mjs"],
  env: {
    NODE_ENV: "production",
    HEADROOM_RUNNER_MODULE: "/app/bin/child.mjs",
    HEADROOM_MODEL_MANIFEST: "/app/base-manifest.json",
    HEADROOM_MODEL_CACHE: "/var/cache/headroom",
    ...env,
  },
  writable: ["/var/cache/headroom", "/tmp"],
});

export const IMAGES: Record<TImageName, TImage> = {
  // Web (Next's standalone server) and, with other arguments, the scheduler and the migration.
  "control-plane": {
    packages: ["ca-certificates"],
    copy: [
      ["node", NODE],
      ["control-plane", "/app"],
    ],
    user: IMAGE_USER,
    workdir: "/app",
    entrypoint: [NODE],
    cmd: ["/app/web/apps/web/server.js"],
    // The migrations the image ships: /api/health is ready once the database has them all.
    env: { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", HOSTNAME: "0.0.0.0", PORT: "3000", HEADROOM_MIGRATIONS_DIR: "/app/prisma/migrations" },
    writable: ["/app/web/apps/web/.next-standalone/cache", "/tmp"],
  },
  // onnxruntime-node's WebGPU provider runs on Vulkan: the loader and glvnd are here, the NVIDIA
  // driver's ICD and libraries come from the host through the NVIDIA container toolkit.
  "gpu-agent": agent(["libvulkan1", "libglvnd0", "libegl1", "libgles2"], { NVIDIA_DRIVER_CAPABILITIES: "compute,utility,graphics", NVIDIA_VISIBLE_DEVICES: "all" }),
  "cpu-agent": agent([], { HEADROOM_PROVIDERS: "cpu" }),
};

/** Files each image must have once built (checked by check-image.ts on a real image). */
export const REQUIRED_FILES: Record<TImageName, string[]> = {
  "control-plane": [NODE, "/app/web/apps/web/server.js", "/app/bin/scheduler.mjs", "/app/bin/migrate.mjs", "/app/prisma/migrations/migration_lock.toml", "/app/node_modules/@prisma/schema-engine-wasm/package.json"],
  "gpu-agent": [NODE, "/app/bin/agent.mjs", "/app/bin/child.mjs", "/app/bin/crop-worker.mjs", "/app/base-manifest.json", "/app/node_modules/onnxruntime-node/package.json", "/app/node_modules/tsx/package.json", "/usr/lib/x86_64-linux-gnu/libvulkan.so.1"],
  "cpu-agent": [NODE, "/app/bin/agent.mjs", "/app/bin/child.mjs", "/app/bin/crop-worker.mjs", "/app/base-manifest.json", "/app/node_modules/onnxruntime-node/package.json", "/app/node_modules/tsx/package.json"],
};
