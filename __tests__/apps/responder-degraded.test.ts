import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSED_PORT, createTestDatabase, startTestResponder, uniquePrefix } from "./harness";

describe("responder with Redis down", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let svc: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}`,
      REDIS_KEY_PREFIX: uniquePrefix(),
    });
  });
  afterAll(async () => {
    await svc.shutdown("test done");
    await db.drop();
  });

  it("when Redis is unreachable, then writes and reads are served from MySQL, quickly", async () => {
    await request(svc.url).post("/data").send({ user: "Bob", message: "no cache" }).expect(201);
    const start = Date.now();
    const res = await request(svc.url).get("/data").expect(200);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(res.headers["x-cache"]).toBe("miss");
    expect(res.body.data).toEqual([expect.objectContaining({ user: "Bob", message: "no cache" })]);
    expect(svc.logs.some((l) => l.errorType === "redis_unavailable")).toBe(true);
  });

  it("when Redis is unreachable, then readiness is false for redis and liveness stays true", async () => {
    const res = await request(svc.url).get("/readyz").expect(503);
    expect(res.body).toMatchObject({ ready: false, checks: { mysql: { ok: true }, redis: { ok: false } } });
    await request(svc.url).get("/healthz").expect(200);
  });
});

describe("responder with MySQL down", () => {
  let svc: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    svc = await startTestResponder({
      MYSQL_PORT: String(CLOSED_PORT),
      MYSQL_CONNECT_TIMEOUT_MS: "300",
      REDIS_KEY_PREFIX: uniquePrefix(),
    });
  });
  afterAll(async () => {
    await svc.shutdown("test done");
  });

  it("when MySQL is unreachable, then data routes answer 503 naming mysql", async () => {
    const post = await request(svc.url).post("/data").send({ user: "u", message: "m" }).expect(503);
    expect(post.body).toEqual({ error: "Service unavailable", dependency: "mysql" });
    await request(svc.url).get("/data").expect(503, { error: "Service unavailable", dependency: "mysql" });
    await request(svc.url).get("/db").expect(503);
  });

  it("when MySQL is unreachable, then readiness is false and liveness true", async () => {
    const res = await request(svc.url).get("/readyz").expect(503);
    expect(res.body.checks.mysql.ok).toBe(false);
    await request(svc.url).get("/healthz").expect(200, { status: "ok" });
  });
});
