import { X509Certificate } from "node:crypto";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysqlTls } from "../../apps/shared/src/mysql";
import { eventually, fakeResponder, privateRedis, startTestCaller, uniquePrefix } from "./harness";

const TOKEN = "t0ken-from-secrets-manager-0123456789";

// ElastiCache with transit encryption requires AUTH; the token reaches the task through `secrets`
// as REDIS_AUTH_TOKEN. A private redis-server with requirepass plays ElastiCache here.
describe("Redis AUTH token", () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let fake: Awaited<ReturnType<typeof fakeResponder>>;
  let withToken: Awaited<ReturnType<typeof startTestCaller>>;
  let withoutToken: Awaited<ReturnType<typeof startTestCaller>>;

  beforeAll(async () => {
    redis = await privateRedis(["--requirepass", TOKEN]);
    fake = await fakeResponder();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniquePrefix(), RESPONDER_URL: fake.url };
    withToken = await startTestCaller({ ...env, REDIS_AUTH_TOKEN: TOKEN });
    withoutToken = await startTestCaller(env);
  });
  afterAll(async () => {
    await withToken.shutdown("test done");
    await withoutToken.shutdown("test done");
    await fake.close();
    await redis.stop();
  });

  it("when REDIS_AUTH_TOKEN is set, then the caller authenticates and stores data", async () => {
    await eventually(() => withToken.deps.redis.isReady);
    await request(withToken.url).post("/data").send({ user: "Alice", message: "hi" }).expect(201);
    await request(withToken.url).get("/readyz").expect(200);
  });

  it("when the token is missing, then Redis refuses and the caller reports not ready", async () => {
    await request(withoutToken.url).get("/readyz").expect(503);
    expect(withoutToken.deps.redis.isReady).toBe(false);
  });
});

describe("MySQL TLS", () => {
  it("when MYSQL_SSL is on, then certificates are verified against the Amazon RDS CAs (not Node's default store)", () => {
    const tls = mysqlTls(true)!;
    expect(tls.rejectUnauthorized).toBe(true);
    const subjects = tls.ca.map((pem) => new X509Certificate(pem).subject);
    expect(subjects.some((s) => /Amazon RDS .*eu-west-1.*Root CA/s.test(s))).toBe(true);
    expect(mysqlTls(false)).toBeUndefined();
  });
});
