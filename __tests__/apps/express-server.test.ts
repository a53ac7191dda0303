import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { expressServer } from "../../apps/shared/src/express-server";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function listen(s: Server): Promise<string> {
  server = s;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** What Node hands the server, before Express sees it: the prototypes of each request and response. */
function recordPrototypes(s: Server): { req: unknown; res: unknown }[] {
  const seen: { req: unknown; res: unknown }[] = [];
  s.prependListener("request", (req: IncomingMessage, res: ServerResponse) =>
    seen.push({ req: Object.getPrototypeOf(req), res: Object.getPrototypeOf(res) }),
  );
  return seen;
}

describe("expressServer", () => {
  it("when a request arrives, then Node creates it with Express's prototypes already (Express's swap changes nothing)", async () => {
    const app = express();
    app.get("/", (_req, res) => res.json({ ok: true }));
    const s = expressServer(app);
    const seen = recordPrototypes(s);
    const url = await listen(s);
    await fetch(url).then((r) => r.json());
    await fetch(url).then((r) => r.json());
    expect(seen).toHaveLength(2);
    expect(seen.every((p) => p.req === app.request && p.res === app.response)).toBe(true);
  });

  it("when served by a plain http.createServer(app), then the prototypes are Node's (the case the server avoids)", async () => {
    const { createServer } = await import("node:http");
    const app = express();
    app.get("/", (_req, res) => res.json({ ok: true }));
    const s = createServer(app);
    const seen = recordPrototypes(s);
    await fetch(await listen(s)).then((r) => r.json());
    expect(seen).toHaveLength(1);
    expect(seen[0]!.req).not.toBe(app.request);
  });

  it("when routes use Express's request and response API, then it all works as under app.listen", async () => {
    const app = express();
    app.set("etag", false);
    app.get("/items/:id", (req, res) => {
      res
        .status(201)
        .type("json")
        .set("x-seen", req.get("x-probe") ?? "none");
      res.send(JSON.stringify({ id: req.params.id, q: req.query.q, app: req.app === app, ip: req.ip }));
    });
    app.use((_req, res) => res.status(404).json({ error: "Not Found" }));
    const url = await listen(expressServer(app));
    const ok = await fetch(`${url}/items/42?q=x`, { headers: { "x-probe": "p" } });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(ok.headers.get("x-seen")).toBe("p");
    expect(await ok.json()).toEqual({ id: "42", q: "x", app: true, ip: "127.0.0.1" });
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Not Found" });
  });
});
