// Entry point of one node agent (one per GPU, or one CPU agent): `npm run -w @headroom/gpu-node start`.
import { readFileSync } from "node:fs";
import pino from "pino";
import { Agent } from "./agent.ts";
import { ControlClient } from "./control-client.ts";
import { env as loadEnv, type TAgentEnv } from "./env.ts";
import { runnerIsolationFor } from "./runner/gpu-isolation.ts";
import { discoverGpus } from "./telemetry/index.ts";

let config: TAgentEnv;
try {
  config = loadEnv();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

const log = pino({ level: config.logLevel, base: { node: config.nodeName } });
const { version: agentVersion } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

let gpuName: string | null = null;
if (config.gpuIndex !== null) {
  const gpus = await discoverGpus();
  // A lone visible GPU is ours even when its index differs (other /dev/nvidiaK masked per agent).
  const gpu = gpus.find((g) => g.index === config.gpuIndex) ?? (gpus.length === 1 ? gpus[0] : undefined);
  if (!gpu) {
    log.fatal({ gpuIndex: config.gpuIndex, visible: gpus.map((g) => g.index) }, "HEADROOM_GPU_INDEX names a GPU that nvidia-smi does not list");
    process.exit(2);
  }
  gpuName = gpu.name;
}
// On a host where this agent sees several GPUs, its runner is confined to its own (see gpu-isolation.ts).
const isolation = config.gpuIndex === null ? { wrapper: null, note: "CPU node" } : await runnerIsolationFor(config.gpuIndex);
if (config.gpuIndex !== null) log.info({ isolated: isolation.wrapper !== null }, isolation.note);

const agent = new Agent({
  env: config,
  client: new ControlClient({ baseUrl: config.controlUrl }),
  log,
  agentVersion,
  gpuName,
  reclaimMinIntervalMs: config.reclaimMinIntervalMs,
  shutdownGraceMs: config.shutdownGraceMs,
  startReportDelayMs: config.startReportDelayMs,
  runner: { launchWrapper: isolation.wrapper, ...(config.runnerModulePath && { childModulePath: config.runnerModulePath }) },
});

let signals = 0;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    // A second Ctrl-C means now; the runner is still killed by its exit hook and its own parent check.
    if (++signals > 1) process.exit(130);
    void agent.stop(sig).then(() => process.exit(0));
  });
}
process.on("uncaughtException", (err) => {
  log.fatal({ err }, "uncaught exception");
  void agent.stop("uncaught exception").finally(() => process.exit(1));
});

try {
  await agent.run();
} catch (err) {
  log.fatal({ err: (err as Error).message }, "agent cannot run");
  await agent.stop("fatal");
  process.exit(1);
}
