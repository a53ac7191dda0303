import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, startTestResponder, uniquePrefix } from "./harness";

// RDS rotates the managed master password; ECS gives a task its secrets only at start. A task whose
// password was rotated away must report itself broken so ECS replaces it with one that reads the new one.
describe("responder when MySQL rejects its credentials", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let svc: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      MYSQL_USER: "root",
      MYSQL_PASSWORD: "rotated-away-password",
      REDIS_KEY_PREFIX: uniquePrefix(),
    });
  });
  afterAll(async () => {
    await svc.shutdown("test done");
    await db.drop();
  });

  it("when a query is refused with Access denied, then /healthz fails with the reason, so ECS replaces the task", async () => {
    await request(svc.url).get("/data").expect(503);
    const res = await request(svc.url).get("/healthz").expect(503);
    expect(res.body).toMatchObject({ status: "broken" });
    expect(res.body.reason).toMatch(/^MySQL rejected the credentials at .* \(a rotated secret needs a new task\)$/);
  });
});
