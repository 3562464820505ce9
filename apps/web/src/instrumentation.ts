// Next calls register() once when a server process starts. The control plane's periodic work
// (retention) and the bare ports (agent, API) start here, only in the Node.js runtime: NEXT_RUNTIME is Next's own switch, set by
// Next itself, so reading it here is not configuration.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startRetention } = await import("./server/retention/start");
  startRetention();
  const { startPorts } = await import("./server/port/start");
  startPorts();
}
