// The fleet's child processes. Each runs in its own process group, so that stopping one also
// stops whatever it started (Next's workers, an agent's runner), and no orphan outlives `npm start`.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

export type TChild = { name: string; proc: ChildProcess; exited: Promise<number | null> };

/** `logFile`: the child's output goes there (and not to ours), for runs whose logs are collected. */
export function startChild(name: string, command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; quiet?: boolean; logFile?: string }): TChild {
  const proc = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  if (opts.logFile) {
    const file = createWriteStream(opts.logFile, { flags: "a" });
    proc.stdout?.pipe(file);
    proc.stderr?.pipe(file);
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    return { name, proc, exited };
  }
  const prefix = `[${name}] `;
  const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      if (!opts.quiet) for (const l of lines) out.write(prefix + l + "\n");
    });
  };
  pipe(proc.stdout, process.stdout);
  pipe(proc.stderr, process.stderr);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { name, proc, exited };
}

function signalGroup(child: TChild, sig: NodeJS.Signals): void {
  if (child.proc.pid === undefined || child.proc.exitCode !== null) return;
  try {
    process.kill(-child.proc.pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM each group, then SIGKILL whatever has not exited after `graceMs`. */
export async function stopChildren(children: TChild[], graceMs = 8_000): Promise<void> {
  for (const c of children) signalGroup(c, "SIGTERM");
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
  await Promise.all(
    children.map(async (c) => {
      if ((await Promise.race([c.exited, timeout])) === "timeout") signalGroup(c, "SIGKILL");
    }),
  );
  // Whatever is left in a group after its leader exited (a runner mid-job) goes too.
  for (const c of children) {
    try {
      if (c.proc.pid !== undefined) process.kill(-c.proc.pid, "SIGKILL");
    } catch {
      // group empty
    }
  }
}

export async function waitForHttp(url: string, timeoutMs: number, isDead: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isDead()) throw new Error(`the process serving ${url} exited`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
