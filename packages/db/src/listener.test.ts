// The LISTEN connection against a real Postgres: it says when it stops and starts listening, comes
// back after its backend is killed, and notices a connection that stops answering (a TCP proxy in
// between that goes silent, as a NAT dropping an idle flow would).
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { PgListener } from "./listener.ts";
import { until, useTestDatabase, withApplicationName } from "./testing.ts";

const t = useTestDatabase();
const listeners: PgListener[] = [];
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

describe("PgListener", () => {
  it("hears a notification, says when its backend is killed, and listens again", async () => {
    const l = new PgListener(withApplicationName(t.url, "listener-kill-test"));
    listeners.push(l);
    const heard: string[] = [];
    const changes: boolean[] = [];
    l.onChange(() => changes.push(l.isListening("test_chan")));
    l.on("test_chan", (p) => heard.push(p));
    await until("listening", () => l.isListening("test_chan"));
    await t.db.$executeRaw`SELECT pg_notify('test_chan', 'one')`;
    await until("the first notification", () => heard.length === 1);

    await t.db.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'listener-kill-test'`;
    await until("listening again", () => changes.length >= 2 && l.isListening("test_chan"));
    expect(changes.slice(-2)).toEqual([false, true]); // lost, then back (after the first connect's true)
    await t.db.$executeRaw`SELECT pg_notify('test_chan', 'two')`;
    await until("the notification after the reconnect", () => heard.length === 2);
    expect(heard).toEqual(["one", "two"]);
  });

  it("a connection that stops answering is dropped and made again", async () => {
    // A proxy to Postgres that can go silent: it keeps the sockets open but forwards nothing.
    const target = new URL(t.url);
    let silent = false;
    const sockets: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const server = net.connect(Number(target.port), target.hostname);
      sockets.push(client, server);
      client.on("data", (d) => !silent && server.write(d));
      server.on("data", (d) => !silent && client.write(d));
      const close = () => (client.destroy(), server.destroy());
      client.on("error", close).on("close", close);
      server.on("error", close).on("close", close);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const viaProxy = new URL(t.url);
      viaProxy.hostname = "127.0.0.1";
      viaProxy.port = String((proxy.address() as net.AddressInfo).port);
      const errors: unknown[] = [];
      const l = new PgListener(viaProxy.toString(), (e) => errors.push(e), { every: 200, timeout: 300 });
      listeners.push(l);
      const changes: boolean[] = [];
      l.onChange(() => changes.push(l.isListening("quiet_chan")));
      l.on("quiet_chan", () => {});
      await until("listening", () => l.isListening("quiet_chan"));

      silent = true; // the flow dies without a FIN or RST
      await until("the silence noticed", () => !l.isListening("quiet_chan"));
      expect(errors.map(String)).toContainEqual(expect.stringMatching(/did not answer within 300 ms/));
      silent = false;
      for (const s of sockets.splice(0)) s.destroy(); // what the dead flow's sockets come to eventually
      await until("listening on a new connection", () => l.isListening("quiet_chan"));
      expect(changes).toEqual([true, false, true]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });

  it("does not listen on a connection it never made", () => {
    const l = new PgListener(t.url);
    listeners.push(l);
    expect(l.isListening("anything")).toBe(false);
  });
});
