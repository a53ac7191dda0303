import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, eventually, redisProbe, startTestResponder, uniquePrefix } from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let svc: Awaited<ReturnType<typeof startTestResponder>>;
let redis: Awaited<ReturnType<typeof redisProbe>>;
let prefix: string;
const count = async () => ((await db.query("SELECT COUNT(*) AS n FROM messages")) as { n: number }[])[0]!.n;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniquePrefix();
  svc = await startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: prefix, BODY_LIMIT_BYTES: "4096" });
  redis = await redisProbe();
  await eventually(() => svc.deps.redis.isReady);
});

afterAll(async () => {
  await svc.shutdown("test done");
  await db.drop();
  await redis.close();
});

describe("responder", () => {
  it("when a valid message is posted, then it answers the seed's body byte for byte and stores the row", async () => {
    const res = await request(svc.url)
      .post("/data")
      .send({ user: "Bob", message: "Hello from Responder Service!" })
      .expect(201);
    expect(res.text).toBe(
      '{"message":"Data stored successfully in Service B","stored_data":{"user":"Bob","message":"Hello from Responder Service!"}}',
    );
    expect(await db.query("SELECT `user`, message FROM messages")).toEqual([
      { user: "Bob", message: "Hello from Responder Service!" },
    ]);
  });

  it("when data is read, then it is newest first with id and created_at, and the page size is bounded", async () => {
    await request(svc.url).post("/data").send({ user: "Carol", message: "second" }).expect(201);
    const res = await request(svc.url).get("/data").expect(200);
    expect(res.body.data.map((m: { user: string }) => m.user)).toEqual(["Carol", "Bob"]);
    expect(res.body.data[0]).toMatchObject({
      id: expect.any(Number),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const one = await request(svc.url).get("/data?limit=1").expect(200);
    expect(one.body.data).toHaveLength(1);
    const bad = await request(svc.url).get("/data?limit=101").expect(400);
    expect(bad.body).toEqual({ error: "Invalid request", field: "limit", detail: "expected an integer from 1 to 100" });
  });

  it("when a page is read twice, then the second read is a cache hit; a write moves the generation on, so the page is stale", async () => {
    const key = `${prefix}responder:data:pages`;
    await request(svc.url).post("/data").send({ user: "Dan", message: "bust" }).expect(201);
    const gen = await redis.hGet(key, "gen");
    expect(gen).toMatch(/^\d+$/);
    const miss = await request(svc.url).get("/data?limit=5").expect(200);
    expect(miss.headers["x-cache"]).toBe("miss");
    // The page is stored behind its generation and fill time.
    expect(await redis.hGet(key, "5")).toMatch(new RegExp(`^${gen}\\|\\d+\\|\\[`));
    const hit = await request(svc.url).get("/data?limit=5").expect(200);
    expect(hit.headers["x-cache"]).toBe("hit");
    expect(hit.body).toEqual(miss.body);
    expect(await redis.ttl(key)).toBeGreaterThan(0);

    await request(svc.url).post("/data").send({ user: "Eve", message: "new" }).expect(201);
    expect(Number(await redis.hGet(key, "gen"))).toBe(Number(gen) + 1);
    const after = await request(svc.url).get("/data?limit=5").expect(200);
    expect(after.headers["x-cache"]).toBe("miss");
    expect(after.body.data[0].user).toBe("Eve");
  });

  describe("when the body is invalid, then 400 names the field and nothing is stored", () => {
    const cases: [string, unknown, string][] = [
      ["missing user", { message: "m" }, "user"],
      ["empty user", { user: "", message: "m" }, "user"],
      ["blank user", { user: "   ", message: "m" }, "user"],
      ["user not a string", { user: 42, message: "m" }, "user"],
      ["user too long", { user: "u".repeat(65), message: "m" }, "user"],
      ["missing message", { user: "u" }, "message"],
      ["message too long", { user: "u", message: "m".repeat(1001) }, "message"],
      ["message an object", { user: "u", message: { text: "m" } }, "message"],
      ["array body", [{ user: "u", message: "m" }], "body"],
    ];
    it.each(cases)("%s", async (_name, body, field) => {
      const before = await count();
      const res = await request(svc.url)
        .post("/data")
        .send(body as object)
        .expect(400);
      expect(res.body).toMatchObject({ error: "Invalid request", field });
      expect(res.body.detail).toMatch(/expected/);
      expect(await count()).toBe(before);
    });

    it("malformed JSON", async () => {
      const before = await count();
      const res = await request(svc.url)
        .post("/data")
        .set("content-type", "application/json")
        .send('{"user": "u",')
        .expect(400);
      expect(res.body).toEqual({ error: "Invalid JSON body" });
      expect(await count()).toBe(before);
    });
  });

  it("when the body is over the limit, then 413 and nothing is stored", async () => {
    const before = await count();
    const res = await request(svc.url)
      .post("/data")
      .send({ user: "u", message: "m".repeat(5000) })
      .expect(413);
    expect(res.body).toEqual({ error: "Payload too large", limitBytes: 4096 });
    expect(await count()).toBe(before);
  });

  it("when /db is called, then it reports a SELECT 1 round trip", async () => {
    const res = await request(svc.url).get("/db").expect(200);
    expect(res.body).toEqual({ db: "ok", latencyMs: expect.any(Number) });
  });

  it("when /work gets a valid ms, then it burns that long; out of range is 400", async () => {
    const start = Date.now();
    await request(svc.url).get("/work?ms=50").expect(200, { workedMs: 50 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(50);
    for (const ms of ["0", "5001", "abc", "-3", "1.5"]) {
      const res = await request(svc.url).get(`/work?ms=${ms}`).expect(400);
      expect(res.body).toEqual({ error: "Invalid request", field: "ms", detail: "expected an integer from 1 to 5000" });
    }
  });

  it("when both stores answer, then /readyz and /healthz are 200", async () => {
    await request(svc.url).get("/healthz").expect(200, { status: "ok" });
    const res = await request(svc.url).get("/readyz").expect(200);
    expect(res.body).toEqual({
      ready: true,
      shuttingDown: false,
      checks: { mysql: { ok: true }, redis: { ok: true } },
    });
  });

  it("when a request is logged, then the line carries requestId, method, path, status and latencyMs", async () => {
    await request(svc.url).get("/data?limit=0").set("x-request-id", "req-log-1").expect(400);
    const line = svc.logs.find((l) => l.message === "request" && l.requestId === "req-log-1");
    expect(line).toMatchObject({
      level: "warn",
      service: "responder",
      method: "GET",
      path: "/data",
      status: 400,
      errorType: "validation",
    });
    expect(line!.latencyMs).toEqual(expect.any(Number));
    expect(line!.timestamp).toEqual(expect.any(String));
  });

  it("when an unknown route is hit, then 404 JSON", async () => {
    await request(svc.url).get("/nope").expect(404, { error: "Not found" });
  });
});
