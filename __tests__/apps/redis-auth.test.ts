import { X509Certificate } from "node:crypto";
import { createClient } from "redis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysqlTls } from "../../apps/shared/src/mysql";
import { eventually, fakeResponder, privateRedis, startTestCaller, timedFetch, uniquePrefix } from "./harness";

const TOKEN = "t0ken-from-secrets-manager-0123456789";
const ROTATED = "r0tated-t0ken-from-secrets-manager-42";

// ElastiCache with transit encryption requires AUTH; the token reaches the task through `secrets`
// as REDIS_AUTH_TOKEN. A private redis-server plays ElastiCache; ACL SETUSER plays its rotation:
// `>pass` adds a password (ROTATE: old and new both valid), `resetpass >pass` keeps only the new one (SET).
describe("Redis AUTH token", () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let admin: ReturnType<typeof createClient>;
  let fake: Awaited<ReturnType<typeof fakeResponder>>;
  let withToken: Awaited<ReturnType<typeof startTestCaller>>;
  let withoutToken: Awaited<ReturnType<typeof startTestCaller>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await privateRedis(["--requirepass", TOKEN]);
    admin = createClient({ url: redis.url, password: TOKEN });
    admin.on("error", () => undefined);
    await admin.connect();
    fake = await fakeResponder();
    env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: uniquePrefix(),
      RESPONDER_URL: fake.url,
      LIVENESS_AUTH_FAILURE_MS: "1000",
    };
    withToken = await startTestCaller({ ...env, REDIS_AUTH_TOKEN: TOKEN });
    withoutToken = await startTestCaller(env);
  });
  afterAll(async () => {
    await withToken.shutdown("test done");
    await withoutToken.shutdown("test done");
    await admin.close();
    await fake.close();
    await redis.stop();
  });

  it("when REDIS_AUTH_TOKEN is set, then the caller authenticates and stores data", async () => {
    await eventually(() => withToken.deps.redis.isReady);
    await request(withToken.url).post("/data").send({ user: "Alice", message: "hi" }).expect(201);
    await request(withToken.url).get("/readyz").expect(200);
  });

  it("when the token is missing, then Redis refuses, the caller is not ready, and after LIVENESS_AUTH_FAILURE_MS it is not live either", async () => {
    await request(withoutToken.url).get("/readyz").expect(503);
    expect(withoutToken.deps.redis.isReady).toBe(false);
    await eventually(async () => (await timedFetch(`${withoutToken.url}/healthz`)).status === 503, 6_000);
    const res = await request(withoutToken.url).get("/healthz").expect(503);
    expect(res.body.reason).toMatch(
      /^Redis has refused the credentials since .* \(NOAUTH .*\); a rotated secret needs a new task$/,
    );
  });

  it("when the token is rotated (ROTATE, then SET) and the connection drops, then liveness fails within the bound, and recovers once the token works again", async () => {
    await eventually(() => withToken.deps.redis.isReady);
    // ROTATE: both tokens work; the running task is unaffected.
    await admin.sendCommand(["ACL", "SETUSER", "default", `>${ROTATED}`]);
    await request(withToken.url).post("/data").send({ user: "Alice", message: "during rotate" }).expect(201);
    // SET: only the new token; connections logged in before stay, so drop them (a failover does).
    await admin.sendCommand(["ACL", "SETUSER", "default", "resetpass", `>${ROTATED}`]);
    const setAt = Date.now();
    await admin.sendCommand(["CLIENT", "KILL", "USER", "default", "SKIPME", "yes"]);
    await eventually(async () => (await timedFetch(`${withToken.url}/healthz`)).status === 503, 8_000);
    const tookMs = Date.now() - setAt;
    // LIVENESS_AUTH_FAILURE_MS (1 s) plus at most one reconnect backoff (2.1 s), plus a loaded machine.
    expect(tookMs).toBeGreaterThanOrEqual(1_000);
    expect(tookMs).toBeLessThan(6_000);
    const broken = await request(withToken.url).get("/healthz").expect(503);
    expect(broken.body.reason).toMatch(/^Redis has refused the credentials .*WRONGPASS/);
    await request(withToken.url).get("/get-cache/x").expect(503);

    // A new task reads the rotated secret and works at once.
    const replacement = await startTestCaller({ ...env, REDIS_AUTH_TOKEN: ROTATED });
    try {
      await eventually(() => replacement.deps.redis.isReady);
      await request(replacement.url).get("/healthz").expect(200);
    } finally {
      await replacement.shutdown("test done");
    }

    // The old token is valid again (a rotation rolled back): the old task recovers by itself.
    await admin.sendCommand(["ACL", "SETUSER", "default", `>${TOKEN}`]);
    await eventually(async () => (await timedFetch(`${withToken.url}/healthz`)).status === 200, 6_000);
    await request(withToken.url).get("/readyz").expect(200);
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
