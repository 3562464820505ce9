// A second control-plane replica for storage-postgres.db.test.ts: the real agent file route, in its
// own process with its own database client and store, on a free port. It prints "listening <port>".
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { GET } from "@/app/api/agent/v1/jobs/[id]/file/route";

const server = http.createServer((req, res) => {
  const m = /^\/api\/agent\/v1\/jobs\/([^/]+)\/file$/.exec(req.url ?? "");
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  void GET(new Request(`http://replica-b${req.url}`, { headers }), { params: Promise.resolve({ id: m[1]! }) }).then((r) => {
    res.writeHead(r.status, Object.fromEntries(r.headers));
    if (r.body) Readable.fromWeb(r.body as import("node:stream/web").ReadableStream).pipe(res);
    else res.end();
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
