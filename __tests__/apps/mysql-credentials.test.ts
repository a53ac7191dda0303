import { randomUUID } from "node:crypto";
import mysql from "mysql2/promise";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, eventually, MYSQL, startTestResponder, timedFetch, uniquePrefix } from "./harness";

// RDS rotates the managed master password; ECS gives a task its secrets only at start. A task whose
// password was rotated away must report itself broken so ECS replaces it with one that reads the new
// one; and if the password works again first, the task is live again by itself.
describe("responder when MySQL refuses its credentials", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: mysql.Connection;
  let svc: Awaited<ReturnType<typeof startTestResponder>>;
  const user = `fc_u_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const setPassword = (password: string) => admin.query(`ALTER USER '${user}'@'%' IDENTIFIED BY '${password}'`);

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await mysql.createConnection(MYSQL);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'first-password'`);
    await admin.query(`GRANT ALL ON ${db.name}.* TO '${user}'@'%'`);
    svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      MYSQL_USER: user,
      MYSQL_PASSWORD: "first-password",
      REDIS_KEY_PREFIX: uniquePrefix(),
      LIVENESS_AUTH_FAILURE_MS: "1000",
    });
  });
  afterAll(async () => {
    await svc.shutdown("test done");
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
    await db.drop();
  });

  it("when the password is rotated away, then /healthz fails within the bound naming MySQL, and recovers when the password works again", async () => {
    await request(svc.url).post("/data").send({ user: "Alice", message: "before" }).expect(201);
    await setPassword("rotated-password");
    // Connections that logged in before the rotation keep working; new ones are refused.
    const [threads] = await admin.query(`SELECT id FROM information_schema.PROCESSLIST WHERE user = ?`, [user]);
    for (const { id } of threads as { id: number }[]) await admin.query(`KILL ${Number(id)}`);
    const rotatedAt = Date.now();
    await request(svc.url).get("/data").expect(503);
    await eventually(async () => (await timedFetch(`${svc.url}/healthz`)).status === 503, 6_000);
    expect(Date.now() - rotatedAt).toBeGreaterThanOrEqual(1_000);
    const res = await request(svc.url).get("/healthz").expect(503);
    expect(res.body).toMatchObject({ status: "broken" });
    expect(res.body.reason).toMatch(
      /^MySQL has refused the credentials since .*Access denied.*; a rotated secret needs a new task$/,
    );

    // No traffic needed: the task probes a fresh connection and follows MySQL back.
    await setPassword("first-password");
    await eventually(async () => (await timedFetch(`${svc.url}/healthz`)).status === 200, 6_000);
    // The pool replaces its refused connections on next use: a write lands within a second or so.
    await eventually(
      async () => (await request(svc.url).post("/data").send({ user: "Alice", message: "after" })).status === 201,
      2_000,
    );
    const after = await request(svc.url).get("/data").expect(200);
    expect(JSON.stringify(after.body)).toContain('"after"');
  });
});
