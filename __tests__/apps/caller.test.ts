import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  eventually,
  redisProbe,
  startTestCaller,
  startTestResponder,
  uniquePrefix,
} from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let responder: Awaited<ReturnType<typeof startTestResponder>>;
let caller: Awaited<ReturnType<typeof startTestCaller>>;
let redis: Awaited<ReturnType<typeof redisProbe>>;
let prefix: string;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniquePrefix();
  responder = await startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: `${prefix}r:` });
  caller = await startTestCaller({ REDIS_KEY_PREFIX: prefix, RESPONDER_URL: responder.url, BODY_LIMIT_BYTES: "8192" });
  redis = await redisProbe();
  await eventually(() => caller.deps.redis.isReady && responder.deps.redis.isReady);
});

afterAll(async () => {
  await caller.shutdown("test done");
  await responder.shutdown("test done");
  await redis.close();
  await db.drop();
});

describe("caller: the seed walkthrough", () => {
  it("when data is posted to both services, then GET / answers the seed's combined body byte for byte", async () => {
    const a = await request(caller.url)
      .post("/data")
      .send({ user: "Alice", message: "Hello from Caller Service!" })
      .expect(201);
    expect(a.text).toBe(
      '{"message":"Data stored successfully in Service A","stored_data":{"user":"Alice","message":"Hello from Caller Service!"}}',
    );
    await request(responder.url)
      .post("/data")
      .send({ user: "Bob", message: "Hello from Responder Service!" })
      .expect(201);
    const res = await request(caller.url).get("/").expect(200);
    expect(res.text).toBe(
      '{"caller_service_data":[{"user":"Alice","message":"Hello from Caller Service!"}],"responder_service_data":[{"user":"Bob","message":"Hello from Responder Service!"}]}',
    );
  });

  it("when the caller is called with an X-Request-Id, then the responder sees and logs the same id", async () => {
    await request(caller.url)
      .get("/")
      .set("x-request-id", "trace-abc-123")
      .expect(200)
      .expect("x-request-id", "trace-abc-123");
    expect(
      responder.logs.find((l) => l.message === "request" && l.path === "/data" && l.requestId === "trace-abc-123"),
    ).toBeDefined();
  });

  it("when no X-Request-Id comes in, then one is generated and passed on", async () => {
    const res = await request(caller.url).get("/").expect(200);
    const id = res.headers["x-request-id"] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(responder.logs.some((l) => l.requestId === id)).toBe(true);
  });

  it("when POST /data is invalid, then 400 names the field and the Redis list is unchanged", async () => {
    const key = `${prefix}caller:data`;
    const before = await redis.lLen(key);
    const res = await request(caller.url).post("/data").send({ user: "Alice" }).expect(400);
    expect(res.body).toEqual({
      error: "Invalid request",
      field: "message",
      detail: "expected a non-empty string of at most 1000 characters",
    });
    await request(caller.url)
      .post("/data")
      .send({ user: "A", message: "m".repeat(9000) })
      .expect(413);
    expect(await redis.lLen(key)).toBe(before);
  });
});

describe("caller: the Redis cache demo", () => {
  it("when a key is set, then get returns the seed's shapes; a missing key is 404", async () => {
    const set = await request(caller.url)
      .post("/set-cache")
      .send({ key: "message", value: "Hello from ECS!" })
      .expect(200);
    expect(set.text).toBe('{"message":"Cached key: message with value: Hello from ECS!"}');
    const get = await request(caller.url).get("/get-cache/message").expect(200);
    expect(get.text).toBe('{"message":"Hello from ECS!"}');
    const miss = await request(caller.url).get("/get-cache/nothing-here").expect(404);
    expect(miss.text).toBe('{"error":"Key not found"}');
  });

  it("when a TTL is given, then the key expires", async () => {
    await request(caller.url).post("/set-cache").send({ key: "short", value: "v", ttl: 30 }).expect(200);
    const ttl = await redis.ttl(`${prefix}cache:short`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it.each([
    ["no key", { value: "v" }, "key"],
    ["empty value", { key: "k", value: "" }, "value"],
    ["value not a string", { key: "k", value: 5 }, "value"],
    ["key with spaces", { key: "a b", value: "v" }, "key"],
    ["negative ttl", { key: "k", value: "v", ttl: -1 }, "ttl"],
    ["fractional ttl", { key: "k", value: "v", ttl: 1.5 }, "ttl"],
    ["ttl above CACHE_MAX_TTL_SEC", { key: "k", value: "v", ttl: 86_401 }, "ttl"],
    ["value over 4096 bytes", { key: "k", value: "é".repeat(2_049) }, "value"],
    ["NUL in value", { key: "k", value: "a\u0000b" }, "value"],
    ["lone surrogate in value", { key: "k", value: "a\ud800b" }, "value"],
  ])("when set-cache gets %s, then 400 {error: Invalid data, field} and nothing is stored", async (_n, body, field) => {
    const res = await request(caller.url).post("/set-cache").send(body).expect(400);
    expect(res.text).toBe(`{"error":"Invalid data","field":"${field}"}`);
    expect(await redis.exists(`${prefix}cache:k`)).toBe(0);
  });

  it("when set-cache rejects a body, then the log line names the field and what is allowed", async () => {
    await request(caller.url)
      .post("/set-cache")
      .set("x-request-id", "bad-cache-1")
      .send({ key: "k", value: "" })
      .expect(400);
    const lines = caller.logs.filter((l) => l.requestId === "bad-cache-1");
    expect(lines).toEqual([
      expect.objectContaining({
        message: "request",
        status: 400,
        errorType: "validation",
        field: "value",
        detail: "expected a non-empty string of at most 4096 UTF-8 bytes",
      }),
    ]);
  });

  it("when keys are listed, then SCAN pages through all of them with a cursor", async () => {
    for (let i = 0; i < 25; i++)
      await request(caller.url)
        .post("/set-cache")
        .send({ key: `bulk-${i}`, value: "v" })
        .expect(200);
    const seen = new Set<string>();
    let cursor = "0";
    let pages = 0;
    do {
      const res = await request(caller.url).get(`/list-keys?cursor=${cursor}&count=10`).expect(200);
      for (const k of res.body.keys as string[]) seen.add(k);
      cursor = res.body.cursor as string;
      pages++;
    } while (cursor !== "0" && pages < 100);
    expect(pages).toBeGreaterThan(1);
    for (let i = 0; i < 25; i++) expect(seen.has(`bulk-${i}`)).toBe(true);
    expect(seen.has("message")).toBe(true);
    await request(caller.url).get("/list-keys?count=0").expect(400);
    await request(caller.url).get("/list-keys?cursor=abc").expect(400);
  });
});
