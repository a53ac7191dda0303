import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadResponderConfig } from "../../apps/responder/src/config";
import { shutdownDelayMs } from "../../apps/shared/src/config";
import { FaultProxy } from "../../scripts/chaos/fault-proxy";
import { createTestDatabase, eventually, getStatus, startTestResponder, uniquePrefix } from "./harness";

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
    await Promise.all(Array.from({ length: 50 }, () => getStatus(`${svc.url}/db`, agent)));
    // In flight means the server has it: on a loaded machine a request can take longer than the
    // idle-socket grace to get there, and then it meets the shutdown's idle sweep instead.
    const { inFlight } = svc.deps.lifecycle;
    let arrived = 0;
    const add = inFlight.add.bind(inFlight);
    inFlight.add = (res) => (arrived++, add(res));
    const inflight = Array.from({ length: 50 }, (_, i) =>
      getStatus(`${svc.url}/${i % 2 ? "db" : "work?ms=20"}`, agent),
    );
    await eventually(() => arrived === 50);
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
    await expect(getStatus(`${svc.url}/healthz`, new Agent())).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});

describe("shutdown with the listener open for SHUTDOWN_DELAY_MS (load balancer deregistration)", () => {
  it("when SIGTERM comes, then for SHUTDOWN_DELAY_MS new connections are still answered and kept alive (no reconnect churn), /readyz says 503 shutting down; then the port closes", async () => {
    const db = await createTestDatabase();
    const svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      REDIS_KEY_PREFIX: uniquePrefix(),
      SHUTDOWN_DELAY_MS: "800",
    });
    try {
      await eventually(() => svc.deps.redis.isReady);
      const signalledAt = Date.now();
      const done = svc.shutdown("SIGTERM");
      // A new connection during the delay, as a proxy that has not yet seen the deregistration opens.
      const ready = await fetch(`${svc.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, shuttingDown: true });
      expect(ready.headers.get("connection")).not.toBe("close");
      const live = await fetch(`${svc.url}/healthz`);
      expect(live.status).toBe(200);
      const data = await fetch(`${svc.url}/data`);
      expect(data.status).toBe(200);
      expect(data.headers.get("connection")).not.toBe("close");
      expect(Date.now() - signalledAt).toBeLessThan(800);
      await done;
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(800);
      await expect(getStatus(`${svc.url}/healthz`, new Agent())).rejects.toThrow(/ECONNREFUSED/);
      expect(svc.logs.find((l) => l.message === "shutting down")).toMatchObject({ listenerOpenMs: 800 });
    } finally {
      await db.drop();
    }
  });

  it("when SHUTDOWN_DELAY_MS is unset, then it is 2 s, or a quarter of a short SHUTDOWN_TIMEOUT_MS; set above half of it, start-up fails naming it", () => {
    const config = (env: NodeJS.ProcessEnv) => loadResponderConfig(env);
    expect(shutdownDelayMs(config({}))).toBe(2_000);
    expect(shutdownDelayMs(config({ SHUTDOWN_TIMEOUT_MS: "4000" }))).toBe(1_000);
    expect(shutdownDelayMs(config({ SHUTDOWN_DELAY_MS: "0" }))).toBe(0);
    expect(() => config({ SHUTDOWN_TIMEOUT_MS: "4000", SHUTDOWN_DELAY_MS: "2500" })).toThrow(
      /SHUTDOWN_DELAY_MS: got "2500"; must be at most half of SHUTDOWN_TIMEOUT_MS \(4000\)/,
    );
  });
});

describe("shutdown under keep-alive load and with a hung dependency", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it("when SIGTERM comes under 20 busy keep-alive connections, then no request on a kept-alive socket is reset and answers during the drain carry Connection: close", async () => {
    const svc = await startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: uniquePrefix() });
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const errors: string[] = [];
    const newConnectionFailures: string[] = [];
    const closeHeaders: (string | undefined)[] = [];
    let stop = false;
    let shuttingDown = false;
    const loop = async () => {
      while (!stop) {
        const sentDuringShutdown = shuttingDown;
        const outcome = await new Promise<string>((resolve) => {
          const req = httpRequest(`${svc.url}/healthz`, { agent }, (res) => {
            if (sentDuringShutdown) closeHeaders.push(res.headers.connection);
            res.resume();
            res.on("end", () => resolve("ok"));
          });
          req
            .on("error", (e: NodeJS.ErrnoException) => resolve(`${e.code ?? e.message} reused=${req.reusedSocket}`))
            .end();
        });
        // A new connection after the listener shut is refused (or, if the kernel had already
        // queued it, reset before any request was read): that client goes to another task. Behind
        // an ALB none arrive, the target is deregistered first. What must never fail is a request
        // on a kept-alive socket.
        if (outcome.endsWith("reused=false")) {
          newConnectionFailures.push(outcome.split(" ")[0]!);
          return;
        }
        if (outcome !== "ok") errors.push(outcome);
      }
    };
    const loops = Array.from({ length: 20 }, loop);
    await new Promise((r) => setTimeout(r, 300));
    shuttingDown = true;
    await svc.shutdown("SIGTERM");
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    expect(errors).toEqual([]);
    expect(newConnectionFailures.filter((e) => e !== "ECONNREFUSED" && e !== "ECONNRESET")).toEqual([]);
    expect(closeHeaders.length).toBeGreaterThan(0);
    expect(closeHeaders.filter((h) => h !== "close")).toEqual([]);
  });

  it("when a keep-alive socket is idle at SIGTERM, then the server closes it and the shutdown completes", async () => {
    const svc = await startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: uniquePrefix() });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await getStatus(`${svc.url}/healthz`, agent)).toBe(200);
    const [socket] = Object.values(agent.freeSockets).flat();
    const closed = new Promise<void>((r) => socket!.once("close", () => r()));
    const start = Date.now();
    await svc.shutdown("SIGTERM");
    await closed;
    expect(Date.now() - start).toBeLessThan(2_000);
    agent.destroy();
  });

  it("when MySQL hangs with a request in flight, then shutdown ends within SHUTDOWN_TIMEOUT_MS, the request is logged as cut, and the last line says so", async () => {
    const proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: 3306 });
    const svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      MYSQL_PORT: String(proxy.port),
      MYSQL_QUERY_TIMEOUT_MS: "20000",
      SHUTDOWN_TIMEOUT_MS: "1500",
      REDIS_KEY_PREFIX: uniquePrefix(),
    });
    try {
      await eventually(() => svc.deps.redis.isReady);
      expect(await getStatus(`${svc.url}/db`, new Agent())).toBe(200);
      proxy.setFault({ kind: "blackhole" });
      const hung = getStatus(`${svc.url}/data?limit=3`, new Agent()).catch((e: Error) => e.message);
      await eventually(() => svc.deps.lifecycle.inFlight.size === 1);
      const start = Date.now();
      await svc.shutdown("SIGTERM");
      expect(Date.now() - start).toBeLessThan(1_500 + 300);
      await hung;
      expect(svc.logs.filter((l) => l.path === "/data")).toEqual([
        expect.objectContaining({ message: "request", aborted: true, abortedBy: "shutdown", status: 499 }),
      ]);
      // MySQL is still silent, so closing the pool is cut short too.
      expect(svc.logs.at(-1)).toMatchObject({
        message: "shutdown complete; cut short: 1 in-flight request(s): GET /data; closing Redis/MySQL",
        cutShort: { requests: 1, resources: true },
      });
    } finally {
      await proxy.close();
    }
  });
});
