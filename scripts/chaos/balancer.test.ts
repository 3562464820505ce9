import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "@headroom/db/bootstrap";
import { Balancer } from "./balancer.ts";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function replica(name: string): Promise<number> {
  const s = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

async function get(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } });
  return res.text();
}

describe("Balancer", () => {
  it("takes the replicas in turn and skips one that refuses connections", async () => {
    const a = await replica("a");
    const b = await replica("b");
    const dead = await freePort();
    const lb = new Balancer(() => [a, dead, b]);
    const port = await freePort();
    await lb.listen("127.0.0.1", port);
    try {
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push(await get(port));
      expect(new Set(seen)).toEqual(new Set(["a", "b"]));
      expect(seen.filter((s) => s === "a").length).toBeGreaterThanOrEqual(2);
    } finally {
      await lb.close();
    }
  });

  it("cuts the client's connection when no replica answers", async () => {
    const lb = new Balancer(() => []);
    const port = await freePort();
    await lb.listen("127.0.0.1", port);
    try {
      await expect(get(port)).rejects.toThrow();
    } finally {
      await lb.close();
    }
  });
});
