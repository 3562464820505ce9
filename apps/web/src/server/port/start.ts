// Starts the bare ports with the replica (the agent port on HEADROOM_AGENT_PORT, the API port on
// HEADROOM_API_PORT), each when set, and drains them with the replica on SIGTERM or SIGINT.
import { env } from "@/env";
import { createAgentPortServer } from "../agent-port/server";
import { createApiPortServer } from "../api-port/server";
import { logger } from "../logger";
import type { TPortServer } from "./server";

/** The longest a stopping replica waits for a port's requests in flight (a completion, a file, an upload). */
export const PORT_DRAIN_MS = 10_000;

const holder = globalThis as unknown as { headroomPorts?: Map<string, TPortServer> };

/** Once per process (Next may call register() again on dev reloads). */
export function startPorts(): void {
  if (holder.headroomPorts) return;
  const ports = (holder.headroomPorts = new Map());
  const e = env();
  if (e.HEADROOM_AGENT_PORT !== undefined) ports.set("agent-port", listen("agent-port", createAgentPortServer(), e.HEADROOM_AGENT_PORT, e.HEADROOM_AGENT_HOST));
  if (e.HEADROOM_API_PORT !== undefined) ports.set("api-port", listen("api-port", createApiPortServer(), e.HEADROOM_API_PORT, e.HEADROOM_API_HOST));
  if (ports.size > 0) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => drainBeforeExit([...ports.values()]));
  }
}

function listen(name: string, server: TPortServer, port: number, host: string | undefined): TPortServer {
  const log = logger().child({ component: name });
  server.on("error", (err) => {
    // A replica that cannot serve its port must not look healthy: fail, and let the supervisor restart it.
    log.fatal({ err, port }, `${name} failed`);
    process.exit(1);
  });
  server.listen(port, host, () => log.info({ port, host: host ?? "all interfaces" }, `${name} listening`));
  return server;
}

/**
 * Stops taking connections, answers the waiting long-polls at once, and lets the requests in flight
 * finish; resolves when the port has closed, or after `limitMs`.
 */
export function drainPort(server: TPortServer, limitMs: number = PORT_DRAIN_MS): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    server.close(() => resolve());
    setTimeout(resolve, limitMs).unref();
  });
  server.beginDrain();
  server.closeIdleConnections();
  return closed;
}

/**
 * Next exits the process as soon as its own server has closed (start-server.js), which with every
 * agent on the agent port is at once: its exit waits until the ports have drained too.
 */
function drainBeforeExit(servers: TPortServer[]): void {
  const drained = Promise.all(servers.map((s) => drainPort(s)));
  const exit = process.exit.bind(process);
  process.exit = ((code?: number) => void drained.then(() => exit(code))) as typeof process.exit;
}
