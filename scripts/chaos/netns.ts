// One network namespace per cut-off agent, joined to this machine by a veth pair on a private /30
// (10.213.<i>.0/30): the agent reaches the control plane's balancer at 10.213.<i>.1, and taking the
// host end of the link down cuts it off without touching anything else. Only namespaces and links
// named with PREFIX are ever created or removed, and teardown runs whatever happened.
import { execFileSync } from "node:child_process";

export const PREFIX = "hrchaos";

export type TNetns = { ns: string; hostIf: string; nsIf: string; hostIp: string; nsIp: string };

function ip(args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The first index whose namespace does not exist yet, so that a second run on the same machine (a
 * short campaign beside a full one) never takes over, nor removes, a namespace another run is using.
 */
export function freeNetnsIndex(existing: string = ip(["netns", "list"])): number {
  const taken = new Set(existing.split("\n").map((l) => l.trim().split(" ")[0]).filter((n): n is string => !!n?.startsWith(PREFIX)));
  for (let i = 0; i < 256; i++) if (!taken.has(netnsFor(i).ns)) return i;
  throw new Error(`every ${PREFIX}0-255 network namespace exists: remove stale ones with ip netns del`);
}

export function netnsFor(i: number): TNetns {
  return { ns: `${PREFIX}${i}`, hostIf: `${PREFIX}${i}h`, nsIf: `${PREFIX}${i}n`, hostIp: `10.213.${i}.1`, nsIp: `10.213.${i}.2` };
}

/** Whether this process may make namespaces (root, with iproute2). */
export function canUseNetns(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: "needs root to create a network namespace" };
  try {
    ip(["netns", "list"]);
    return { ok: true };
  } catch (err) {
    return { ok: false, why: `ip netns unavailable: ${(err as Error).message.split("\n")[0]}` };
  }
}

export function createNetns(n: TNetns): void {
  removeNetns(n); // a host end left without its namespace by a run killed before its teardown
  ip(["netns", "add", n.ns]);
  ip(["link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf]);
  ip(["link", "set", n.nsIf, "netns", n.ns]);
  ip(["addr", "add", `${n.hostIp}/30`, "dev", n.hostIf]);
  ip(["link", "set", n.hostIf, "up"]);
  ip(["-n", n.ns, "addr", "add", `${n.nsIp}/30`, "dev", n.nsIf]);
  ip(["-n", n.ns, "link", "set", n.nsIf, "up"]);
  ip(["-n", n.ns, "link", "set", "lo", "up"]);
}

export function setLink(n: TNetns, up: boolean): void {
  ip(["link", "set", n.hostIf, up ? "up" : "down"]);
}

/** Removes the namespace (its end of the pair goes with it) and the host end; missing ones are fine. */
export function removeNetns(n: TNetns): void {
  for (const args of [["netns", "del", n.ns], ["link", "del", n.hostIf]]) {
    try {
      ip(args);
    } catch {
      // not there
    }
  }
}

/** The command line that runs `argv` inside the namespace. */
export function inNetns(n: TNetns, argv: string[]): { command: string; args: string[] } {
  return { command: "ip", args: ["netns", "exec", n.ns, ...argv] };
}
