// The agent as its process-level tests run it: a real supervised child that follows a script instead
// of running OCR (OCR is tested with the real models in src/ocr), and intervals short enough for tests.
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { Agent } from "../agent.ts";
import { ControlClient } from "../control-client.ts";
import { parseEnv } from "../env.ts";
import { until } from "../test-support.ts";
import { FakeControlPlane } from "./fake-control-plane.ts";

export const SCRIPTED_CHILD = fileURLToPath(new URL("../runner/test-children/scripted-child.ts", import.meta.url));

export function scriptedAgent(o: { controlUrl: string; log: Logger; shutdownGraceMs: number; env?: Record<string, string> }): Agent {
  const env = parseEnv({ HEADROOM_ENROLL_TOKEN: "enrol", HEADROOM_CONTROL_URL: o.controlUrl, HEADROOM_PROVIDERS: "scripted", HEADROOM_CPU_BUDGET_MIB: "4096", ...o.env });
  return new Agent({
    env,
    client: new ControlClient({ baseUrl: env.controlUrl }),
    log: o.log,
    agentVersion: "test",
    gpuName: null,
    runner: { childModulePath: SCRIPTED_CHILD, killGraceMs: 500 },
    heartbeatIntervalMs: 100,
    claimWaitMs: 200,
    shutdownGraceMs: o.shutdownGraceMs,
    reclaimMinIntervalMs: 1_000,
  });
}

/**
 * A scripted agent running against a fresh in-memory control plane, registered, with the cleanup
 * rules' batch count out of the way until a test turns it on.
 */
export async function startScripted(o: { log: Logger; env: Record<string, string> }): Promise<{ cp: FakeControlPlane; agent: Agent; running: Promise<void> }> {
  const cp = await new FakeControlPlane().listen();
  cp.thresholds = { ...cp.thresholds, batchCleanupEvery: 1000 };
  const agent = scriptedAgent({ controlUrl: cp.url, log: o.log, shutdownGraceMs: 8_000, env: o.env });
  const running = agent.run();
  await until(() => agent.id, 30_000);
  return { cp, agent, running };
}
