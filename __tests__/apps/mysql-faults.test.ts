import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../scripts/chaos/fault-proxy";
import { createTestDatabase, eventually, postJson, startTestResponder, timedFetch, uniquePrefix } from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

const rowsWith = async (message: string) =>
  ((await db.query(`SELECT COUNT(*) AS n FROM messages WHERE message = '${message}'`)) as { n: number }[])[0]!.n;

describe("responder with MySQL behind a fault proxy", () => {
  let proxy: FaultProxy;
  let svc: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    proxy = await FaultProxy.start({ targetHost: "127.0.0.1", targetPort: 3306 });
    svc = await startTestResponder({
      MYSQL_DATABASE: db.name,
      MYSQL_PORT: String(proxy.port),
      MYSQL_POOL_SIZE: "1",
      REDIS_KEY_PREFIX: uniquePrefix(),
      SHUTDOWN_TIMEOUT_MS: "3000",
    });
    await eventually(() => svc.deps.redis.isReady);
  });
  afterEach(() => proxy.setFault({ kind: "pass" }));
  afterAll(async () => {
    proxy.setFault({ kind: "pass" });
    await svc.shutdown("test done");
    await proxy.close();
  });

  it("when MySQL is blackholed, then POST and GET /data answer 503 naming mysql within 2.5 s, the pool exhausted included", async () => {
    expect((await postJson(`${svc.url}/data`, { user: "a", message: "before" })).status).toBe(201);
    proxy.setFault({ kind: "blackhole" });
    // More requests than the pool (1) and its queue can serve at once: some wait for a connection.
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => postJson(`${svc.url}/data`, { user: "a", message: `bh-${i}` })),
      ...Array.from({ length: 3 }, (_, i) => timedFetch(`${svc.url}/data?limit=${i + 30}`)),
    ]);
    for (const r of results) {
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ error: "Service unavailable", dependency: "mysql" });
      expect(r.ms).toBeLessThan(2_500);
    }
  });

  it("when a client gives up while its write waits for a connection, then the write is dropped, not run later, and logged as aborted", async () => {
    // Each MySQL packet takes 300 ms each way: the first request holds the only connection a while.
    proxy.setFault({ kind: "latency", ms: 300 });
    const busy = timedFetch(`${svc.url}/data?limit=41`);
    await new Promise((r) => setTimeout(r, 50));
    const gone = await timedFetch(`${svc.url}/data`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "gone-1" },
      body: JSON.stringify({ user: "a", message: "abandoned" }),
      timeoutMs: 150,
    });
    expect(gone.error).toBe("TimeoutError");
    await busy;
    proxy.setFault({ kind: "pass" });
    await new Promise((r) => setTimeout(r, 500));
    expect(await rowsWith("abandoned")).toBe(0);
    await eventually(() => svc.logs.some((l) => l.requestId === "gone-1"));
    expect(svc.logs.filter((l) => l.requestId === "gone-1")).toEqual([
      expect.objectContaining({
        message: "request",
        aborted: true,
        abortedBy: "client",
        status: 499,
        path: "/data",
        errorType: "client_gone",
      }),
    ]);
  });

  it("when MySQL comes back after a blackhole, then writes succeed again", async () => {
    proxy.setFault({ kind: "blackhole" });
    await postJson(`${svc.url}/data`, { user: "a", message: "during" });
    proxy.setFault({ kind: "pass" });
    await eventually(
      async () => (await postJson(`${svc.url}/data`, { user: "a", message: "after" })).status === 201,
      5_000,
    );
    expect(await rowsWith("after")).toBeGreaterThanOrEqual(1);
  });
});

describe("connection_leak and recovery (SSM mocked)", () => {
  const ssmMock = mockClient(SSMClient);
  let svc: Awaited<ReturnType<typeof startTestResponder>>;
  const setMode = (m: string) => {
    ssmMock.reset();
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: m } });
  };

  beforeAll(async () => {
    setMode("connection_leak");
    svc = await startTestResponder(
      {
        MYSQL_DATABASE: db.name,
        MYSQL_POOL_SIZE: "3",
        MYSQL_ACQUIRE_TIMEOUT_MS: "300",
        FAILURE_MODE_PARAMETER: "/fc/test/failure_mode",
        FAILURE_MODE_TTL_MS: "50",
        REDIS_KEY_PREFIX: uniquePrefix(),
      },
      { ssm: new SSMClient({ region: "eu-west-1" }) },
    );
    await eventually(async () => (await svc.deps.failureModes.current()) === "connection_leak");
  });
  afterAll(async () => {
    await svc.shutdown("test done");
    ssmMock.restore();
  });

  it("when the mode leaves connection_leak, then the leaked connections are released and /db and POST /data work again", async () => {
    let last = 0;
    for (let i = 0; i < 4; i++) last = (await timedFetch(`${svc.url}/db`)).status;
    expect(last).toBe(503);
    const exhausted = await postJson(`${svc.url}/data`, { user: "a", message: "while-leaking" });
    expect(exhausted.status).toBe(503);
    expect(exhausted.ms).toBeLessThan(2_000);

    setMode("none");
    await eventually(
      async () =>
        (await timedFetch(`${svc.url}/healthz`)).status === 200 && (await svc.deps.failureModes.current()) === "none",
    );
    expect((await timedFetch(`${svc.url}/db`)).status).toBe(200);
    expect((await postJson(`${svc.url}/data`, { user: "a", message: "after-leak" })).status).toBe(201);
    expect(svc.logs).toContainEqual(
      expect.objectContaining({ message: "connection_leak ended; releasing leaked connections" }),
    );
  });
});
