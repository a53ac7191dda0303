import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, eventually, startTestResponder, uniquePrefix } from "./harness";

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });
}

describe("graceful shutdown", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let svc: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      REDIS_KEY_PREFIX: uniquePrefix(),
      SHUTDOWN_TIMEOUT_MS: "5000",
    });
    await eventually(() => svc.deps.redis.isReady);
  });
  afterAll(async () => db.drop());

  it("when SIGTERM-style shutdown starts under concurrent load, then every in-flight request succeeds and resources close", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    // Warm 50 keep-alive sockets, then put 50 requests (CPU work and DB round trips) in flight on them.
    await Promise.all(Array.from({ length: 50 }, () => get(`${svc.url}/db`, agent)));
    const inflight = Array.from({ length: 50 }, (_, i) => get(`${svc.url}/${i % 2 ? "db" : "work?ms=20"}`, agent));
    await new Promise((r) => setTimeout(r, 10));
    const start = Date.now();
    const done = svc.shutdown("SIGTERM");
    const statuses = await Promise.all(inflight);
    await done;

    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(svc.deps.redis.isOpen).toBe(false);
    expect(svc.deps.lifecycle.accepting).toBe(false);
    expect(svc.logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(["shutting down", "shutdown complete; cut short: nothing"]),
    );
    // After the drain the listener is gone: new connections are refused.
    await expect(get(`${svc.url}/healthz`, new Agent())).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});
