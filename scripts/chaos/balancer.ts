// A TCP load balancer in front of the control-plane replicas, as a real deployment has one: each
// connection goes to the next replica in turn, and one that refuses the connection (killed,
// restarting) is skipped. A connection already open to a replica that dies is cut, as it would be
// behind any balancer: the agent long-polling on it sees the error and must recover on its own.
import net from "node:net";

export class Balancer {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private next = 0;

  /** `backends`: the replicas' ports on 127.0.0.1, read on every connection. */
  constructor(private readonly backends: () => readonly number[]) {}

  async listen(host: string, port: number): Promise<void> {
    const server = net.createServer({ pauseOnConnect: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.servers.push(server);
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.once("close", () => this.sockets.delete(s));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    client.on("error", () => client.destroy());
    const ports = this.backends();
    const start = this.next++;
    const tryAt = (i: number): void => {
      if (i >= ports.length || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = net.connect({ host: "127.0.0.1", port: ports[(start + i) % ports.length]! });
      this.track(upstream);
      upstream.once("error", () => {
        // Refused before anything was sent: the replica is down, so try the next one.
        if (!upstream.readyState || upstream.bytesWritten === 0) tryAt(i + 1);
        else client.destroy();
        upstream.destroy();
      });
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryAt(0);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
