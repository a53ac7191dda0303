import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSED_PORT, eventually, fakeResponder, startTestCaller, uniquePrefix } from "./harness";

const DEADLINE_MS = 600;

describe("caller when the responder misbehaves", () => {
  let fake: Awaited<ReturnType<typeof fakeResponder>>;
  let caller: Awaited<ReturnType<typeof startTestCaller>>;

  beforeAll(async () => {
    fake = await fakeResponder();
    caller = await startTestCaller({
      REDIS_KEY_PREFIX: uniquePrefix(),
      RESPONDER_URL: fake.url,
      RESPONDER_DEADLINE_MS: String(DEADLINE_MS),
      RESPONDER_ATTEMPT_TIMEOUT_MS: "250",
      RESPONDER_RETRIES: "1",
      BREAKER_FAILURE_THRESHOLD: "3",
      BREAKER_RESET_MS: "700",
    });
    await eventually(() => caller.deps.redis.isReady);
    await request(caller.url).post("/data").send({ user: "Alice", message: "mine" }).expect(201);
  });
  afterAll(async () => {
    await caller.shutdown("test done");
    await fake.close();
  });

  it("when the responder is healthy, then GET / has both parts and no missing marker", async () => {
    fake.mode.value = "ok";
    const res = await request(caller.url).get("/").expect(200);
    expect(res.body).toEqual({
      caller_service_data: [{ user: "Alice", message: "mine" }],
      responder_service_data: [{ user: "Bob", message: "hi" }],
    });
  });

  it("when the responder is slow, then the caller answers 200 with its own data within its deadline", async () => {
    fake.mode.value = "slow";
    const start = Date.now();
    const res = await request(caller.url).get("/").expect(200);
    expect(Date.now() - start).toBeLessThan(DEADLINE_MS + 300);
    expect(res.body.caller_service_data).toEqual([{ user: "Alice", message: "mine" }]);
    expect(res.body.responder_service_data).toEqual([]);
    expect(res.body.missing).toEqual({
      responder_service_data: { reason: "timeout", detail: expect.stringMatching(/no answer within/) },
    });
  });

  it("when the responder keeps failing, then the breaker opens and GET / fails fast without calling it", async () => {
    fake.mode.value = "error";
    for (let i = 0; i < 3; i++) await request(caller.url).get("/").expect(200);
    const hitsBefore = fake.hits();
    const start = Date.now();
    const res = await request(caller.url).get("/").expect(200);
    expect(Date.now() - start).toBeLessThan(100);
    expect(res.body.missing.responder_service_data.reason).toBe("circuit_open");
    expect(fake.hits()).toBe(hitsBefore);
  });

  it("when the responder recovers, then after the reset timeout a trial call closes the breaker", async () => {
    fake.mode.value = "ok";
    await new Promise((r) => setTimeout(r, 750));
    const res = await request(caller.url).get("/").expect(200);
    expect(res.body.missing).toBeUndefined();
    expect(res.body.responder_service_data).toEqual([{ user: "Bob", message: "hi" }]);
  });

  it("when a degraded answer is logged, then the request line carries the reason as errorType", async () => {
    fake.mode.value = "slow";
    await request(caller.url).get("/").set("x-request-id", "degraded-1").expect(200);
    expect(caller.logs.find((l) => l.requestId === "degraded-1" && l.message === "request")).toMatchObject({
      errorType: "responder_timeout",
      status: 200,
    });
    fake.mode.value = "ok";
  });
});

describe("caller when the responder is down", () => {
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  beforeAll(async () => {
    caller = await startTestCaller({
      REDIS_KEY_PREFIX: uniquePrefix(),
      RESPONDER_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      RESPONDER_DEADLINE_MS: "500",
    });
    await eventually(() => caller.deps.redis.isReady);
  });
  afterAll(async () => caller.shutdown("test done"));

  it("when nothing listens at the responder address, then GET / is 200 with the reason unreachable", async () => {
    const start = Date.now();
    const res = await request(caller.url).get("/").expect(200);
    expect(Date.now() - start).toBeLessThan(800);
    expect(res.body).toMatchObject({
      caller_service_data: [],
      responder_service_data: [],
      missing: { responder_service_data: { reason: "unreachable" } },
    });
  });

  it("when the caller's own Redis is fine, then it stays ready (a downstream outage is not a readiness failure)", async () => {
    await request(caller.url).get("/readyz").expect(200);
  });
});

describe("caller when its own Redis is down", () => {
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  beforeAll(async () => {
    caller = await startTestCaller({
      REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}`,
      RESPONDER_URL: `http://127.0.0.1:${CLOSED_PORT}`,
    });
  });
  afterAll(async () => caller.shutdown("test done"));

  it("when Redis is unreachable, then data and cache routes answer 503 and readiness is false", async () => {
    await request(caller.url)
      .post("/data")
      .send({ user: "u", message: "m" })
      .expect(503, { error: "Service unavailable", dependency: "redis" });
    await request(caller.url).get("/get-cache/x").expect(503);
    await request(caller.url).get("/readyz").expect(503);
    await request(caller.url).get("/healthz").expect(200);
  });
});
