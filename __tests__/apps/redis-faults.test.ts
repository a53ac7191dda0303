import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../scripts/chaos/fault-proxy";
import {
  createTestDatabase,
  eventually,
  postJson,
  privateRedis,
  startTestCaller,
  startTestResponder,
  timedFetch,
  uniquePrefix,
} from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

describe("Redis behind a fault proxy (REDIS_COMMAND_TIMEOUT_MS 500)", () => {
  let proxy: FaultProxy;
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  let responder: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: 6379 });
    const env = { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_KEY_PREFIX: uniquePrefix() };
    responder = await startTestResponder({ ...env, MYSQL_DATABASE: db.name });
    caller = await startTestCaller({ ...env, RESPONDER_URL: responder.url });
    await eventually(() => caller.deps.redis.isReady && responder.deps.redis.isReady);
    expect((await postJson(`${caller.url}/set-cache`, { key: "k", value: "v" })).status).toBe(200);
    expect((await postJson(`${responder.url}/data`, { user: "Bob", message: "from mysql" })).status).toBe(201);
  });
  afterEach(() => proxy.setFault({ kind: "pass" }));
  afterAll(async () => {
    proxy.setFault({ kind: "pass" });
    await caller.shutdown("test done");
    await responder.shutdown("test done");
    await proxy.close();
  });

  it("when Redis answers 800 ms late, then get-cache answers 503 naming redis at the command deadline", async () => {
    proxy.setFault({ kind: "latency", ms: 800 });
    const r = await timedFetch(`${caller.url}/get-cache/k`);
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: "Service unavailable", dependency: "redis" });
    expect(r.ms).toBeLessThan(1_200);
  });

  it("when Redis is blackholed, then every Redis route answers within the deadline, and the responder serves from MySQL", async () => {
    proxy.setFault({ kind: "blackhole" });
    const results = await Promise.all([
      timedFetch(`${caller.url}/get-cache/k`),
      postJson(`${caller.url}/set-cache`, { key: "k2", value: "v" }),
      timedFetch(`${caller.url}/list-keys`),
      postJson(`${caller.url}/data`, { user: "a", message: "b" }),
    ]);
    for (const r of results) {
      expect(r.status).toBe(503);
      expect(r.ms).toBeLessThan(1_200);
    }
    const data = await timedFetch(`${responder.url}/data?limit=7`);
    expect(data.status).toBe(200);
    expect(data.body).toEqual({ data: [expect.objectContaining({ user: "Bob", message: "from mysql" })] });
    expect(data.ms).toBeLessThan(1_200);
    // Once the cache is known to be out, the responder no longer waits for it.
    const again = await timedFetch(`${responder.url}/data?limit=8`);
    expect(again.status).toBe(200);
    expect(again.ms).toBeLessThan(300);
  });

  it("when the blackhole ends, then Redis routes work again (the silent connection was replaced)", async () => {
    proxy.setFault({ kind: "blackhole" });
    await timedFetch(`${caller.url}/get-cache/k`);
    proxy.setFault({ kind: "pass" });
    await eventually(async () => (await timedFetch(`${caller.url}/get-cache/k`)).status === 200, 10_000);
    expect((await timedFetch(`${caller.url}/get-cache/k`)).body).toEqual({ k: "v" });
  });
});

describe("Redis stopped (a private redis-server)", () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  let responder: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    redis = await privateRedis();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniquePrefix() };
    responder = await startTestResponder({ ...env, MYSQL_DATABASE: db.name });
    caller = await startTestCaller({ ...env, RESPONDER_URL: responder.url, BREAKER_RESET_MS: "5000" });
    await eventually(() => caller.deps.redis.isReady && responder.deps.redis.isReady);
    await postJson(`${caller.url}/data`, { user: "Alice", message: "mine" });
    await postJson(`${responder.url}/data`, { user: "Bob", message: "theirs" });
  });
  afterAll(async () => {
    await caller.shutdown("test done");
    await responder.shutdown("test done");
    await redis.stop();
  });

  it("when Redis stops, then the responder serves GET /data from MySQL at once, and the caller degrades GET / with a missing marker", async () => {
    await redis.stop();
    await eventually(() => !responder.deps.redis.isReady && !caller.deps.redis.isReady);
    const start = Date.now();
    for (let i = 0; i < 20; i++) {
      const r = await timedFetch(`${responder.url}/data?limit=${i + 1}`);
      expect(r.status).toBe(200);
    }
    // 20 sequential reads: at "near-normal speed", not 0.8-2.1 s each waiting for the cache.
    expect(Date.now() - start).toBeLessThan(2_000);

    for (let i = 0; i < 6; i++) {
      const r = await timedFetch(`${caller.url}/`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        caller_service_data: [],
        responder_service_data: expect.arrayContaining([{ user: "Bob", message: "theirs" }]),
        missing: { caller_service_data: { reason: "redis_unavailable" } },
      });
      expect((r.body as { missing: object }).missing).not.toHaveProperty("responder_service_data");
    }
  });

  it("when Redis comes back, then GET / is whole again at once: the breaker never opened for the caller's own Redis", async () => {
    await redis.start();
    await eventually(() => caller.deps.redis.isReady && responder.deps.redis.isReady, 8_000);
    const r = await timedFetch(`${caller.url}/`);
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty("missing");
    expect(r.body).toMatchObject({
      responder_service_data: expect.arrayContaining([{ user: "Bob", message: "theirs" }]),
    });
  });
});
