// Simulated hosts on one machine: network namespaces on one bridge, each with its own address.
// Only the namespaces, links and addresses made here are touched, and remove() takes them all down.
// Needs root and iproute2.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

export type TSimHost = { name: string; ns: string; address: string; hostLink: string };

export class SimNetwork {
  readonly tag = randomBytes(3).toString("hex");
  /** 10.231.<n>.0/24, n from the tag, so two runs at once do not share a subnet by accident. */
  readonly subnet = `10.231.${parseInt(this.tag.slice(0, 2), 16)}`;
  /** The root namespace's own address on the bridge: the "database host". */
  readonly gateway = `${this.subnet}.1`;
  readonly hosts = new Map<string, TSimHost>();
  private readonly bridge = `hrbr${this.tag}`;

  static possible(): { ok: true } | { ok: false; reason: string } {
    if (process.getuid?.() !== 0) return { ok: false, reason: "network namespaces need root" };
    try {
      ip("netns", "list");
      return { ok: true };
    } catch {
      return { ok: false, reason: "iproute2 (ip netns) is not available" };
    }
  }

  up(): this {
    ip("link", "add", this.bridge, "type", "bridge");
    ip("addr", "add", `${this.gateway}/24`, "dev", this.bridge);
    ip("link", "set", this.bridge, "up");
    return this;
  }

  /** A host named `name` (up to 4 letters) at <subnet>.<octet>. */
  add(name: string, octet: number): TSimHost {
    const ns = `hr-${this.tag}-${name}`;
    const hostLink = `hv${this.tag}${name}`.slice(0, 15);
    const nsLink = `hn${this.tag}${name}`.slice(0, 15);
    ip("netns", "add", ns);
    ip("link", "add", hostLink, "type", "veth", "peer", "name", nsLink);
    ip("link", "set", nsLink, "netns", ns);
    ip("link", "set", hostLink, "master", this.bridge);
    ip("link", "set", hostLink, "up");
    const address = `${this.subnet}.${octet}`;
    ip("netns", "exec", ns, "ip", "addr", "add", `${address}/24`, "dev", nsLink);
    ip("netns", "exec", ns, "ip", "link", "set", nsLink, "up");
    ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
    const host = { name, ns, address, hostLink };
    this.hosts.set(name, host);
    return host;
  }

  /** Cuts the host off the network (its link to the bridge goes down), or heals it. */
  setConnected(name: string, connected: boolean): void {
    ip("link", "set", this.hosts.get(name)!.hostLink, connected ? "up" : "down");
  }

  /** argv that runs `argv` inside the host's namespace. */
  exec(name: string, argv: string[]): string[] {
    return ["ip", "netns", "exec", this.hosts.get(name)!.ns, ...argv];
  }

  remove(): void {
    for (const h of this.hosts.values()) {
      try {
        ip("netns", "del", h.ns);
      } catch {
        // already gone
      }
      try {
        ip("link", "del", h.hostLink);
      } catch {
        // went with the namespace
      }
    }
    try {
      ip("link", "del", this.bridge);
    } catch {
      // never made
    }
  }
}
