// Starts the agent port (server.ts) with the replica, when HEADROOM_AGENT_PORT is set, and drains it
// with the replica on SIGTERM or SIGINT.
import { env } from "@/env";
import { logger } from "../logger";
import { createAgentPortServer, type TAgentPortServer } from "./server";

/** The longest a stopping replica waits for the agent port's requests in flight (a completion, a file). */
export const AGENT_PORT_DRAIN_MS = 10_000;

const holder = globalThis as unknown as { headroomAgentPort?: TAgentPortServer };

/** Once per process (Next may call register() again on dev reloads). */
export function startAgentPort(): void {
  const { HEADROOM_AGENT_PORT: port, HEADROOM_AGENT_HOST: host } = env();
  if (port === undefined || holder.headroomAgentPort) return;
  const server = (holder.headroomAgentPort = createAgentPortServer());
  const log = logger().child({ component: "agent-port" });
  server.on("error", (err) => {
    // A replica that cannot serve its agents must not look healthy: fail, and let the supervisor restart it.
    log.fatal({ err, port }, "agent port failed");
    process.exit(1);
  });
  server.listen(port, host, () => log.info({ port, host: host ?? "all interfaces" }, "agent port listening"));
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => drainBeforeExit(server));
}

/**
 * Stops taking connections, answers the waiting long-polls at once, and lets the requests in flight
 * finish; resolves when the port has closed, or after `limitMs`.
 */
export function drainAgentPort(server: TAgentPortServer, limitMs: number = AGENT_PORT_DRAIN_MS): Promise<void> {
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
 * agent on this port is at once: its exit waits until this port has drained too.
 */
function drainBeforeExit(server: TAgentPortServer): void {
  const drained = drainAgentPort(server);
  const exit = process.exit.bind(process);
  process.exit = ((code?: number) => void drained.then(() => exit(code))) as typeof process.exit;
}
