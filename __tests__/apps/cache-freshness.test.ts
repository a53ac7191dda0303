import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../scripts/chaos/fault-proxy";
import {
  createTestDatabase,
  eventually,
  MYSQL,
  postJson,
  startTestResponder,
  timedFetch,
  uniquePrefix,
} from "./harness";

// Two responder tasks share MySQL and the page cache in Redis. Once a write is acknowledged, no
// read that starts more than ~1 s after Redis is reachable again may serve a page without it.
describe("page cache freshness across tasks", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  // Each task reaches Redis through its own proxy, so a test can cut one off and not the other.
  let writerRedis: FaultProxy;
  let readerRedis: FaultProxy;
  let mysqlProxy: FaultProxy;
  let writer: Awaited<ReturnType<typeof startTestResponder>>;
  let reader: Awaited<ReturnType<typeof startTestResponder>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    [writerRedis, readerRedis, mysqlProxy] = await Promise.all([
      FaultProxy.start({ targetHost: "127.0.0.1", targetPort: 6379 }),
      FaultProxy.start({ targetHost: "127.0.0.1", targetPort: 6379 }),
      FaultProxy.start({ targetHost: MYSQL.host, targetPort: MYSQL.port }),
    ]);
    const env = {
      MYSQL_DATABASE: db.name,
      REDIS_KEY_PREFIX: uniquePrefix(),
      REDIS_COMMAND_TIMEOUT_MS: "300",
      MYSQL_QUERY_TIMEOUT_MS: "3000",
      MYSQL_ACQUIRE_TIMEOUT_MS: "3000",
    };
    [writer, reader] = await Promise.all([
      startTestResponder({ ...env, REDIS_URL: `redis://127.0.0.1:${writerRedis.port}` }),
      // Its MySQL answers late when the test says so: its reads can race the writer's commits.
      startTestResponder({
        ...env,
        REDIS_URL: `redis://127.0.0.1:${readerRedis.port}`,
        MYSQL_PORT: String(mysqlProxy.port),
      }),
    ]);
    await eventually(() => writer.deps.redis.isReady && reader.deps.redis.isReady);
  });
  afterAll(async () => {
    await Promise.all([writer.shutdown("test done"), reader.shutdown("test done")]);
    await Promise.all([writerRedis.close(), readerRedis.close(), mysqlProxy.close()]);
    await db.drop();
  });

  const newest = async (url: string) => {
    const startedAt = Date.now();
    const r = await timedFetch(`${url}/data?limit=5`);
    const messages = (r.body as { data: { message: string }[] }).data.map((m) => m.message);
    return { startedAt, messages, cache: r.headers.get("x-cache") };
  };

  /** A cached page of the newest rows, read through the reader (a hit). */
  const warm = async (message: string) => {
    expect((await postJson(`${writer.url}/data`, { user: "u", message })).status).toBe(201);
    await eventually(async () => (await newest(reader.url)).cache === "hit", 5_000);
  };

  /** Reads through `svc` for `forMs`; returns those that started `afterMs` past `from` without `message` on top. */
  const staleReads = async (svc: { url: string }, message: string, from: number, afterMs: number, forMs: number) => {
    const stale: string[] = [];
    let freshHits = 0;
    while (Date.now() - from < forMs) {
      const read = await newest(svc.url);
      if (read.messages[0] === message && read.cache === "hit") freshHits++;
      if (read.startedAt - from >= afterMs && read.messages[0] !== message) {
        stale.push(`${read.startedAt - from} ms: ${read.cache} ${read.messages[0]}`);
      }
      await sleep(40);
    }
    return { stale, freshHits };
  };

  it("when Redis was away for every task while a write landed, then a task that saw it go trusts no page from before it came back", async () => {
    await warm("before the blackhole");
    writerRedis.setFault({ kind: "blackhole" });
    readerRedis.setFault({ kind: "blackhole" });
    // The reader meets the blackhole too (its read falls back to MySQL at the Redis deadline).
    expect((await newest(reader.url)).messages[0]).toBe("before the blackhole");
    // The write commits in MySQL; its generation bump fails at the Redis deadline and is owed.
    expect((await postJson(`${writer.url}/data`, { user: "u", message: "during the blackhole" })).status).toBe(201);
    // Redis is back for the reader; the writer stays cut off for 2 s more and cannot pay the bump.
    readerRedis.setFault({ kind: "pass" });
    const backAt = Date.now();
    const { stale, freshHits } = await staleReads(reader, "during the blackhole", backAt, 1_000, 2_000);
    writerRedis.setFault({ kind: "pass" });
    expect(stale).toEqual([]);
    // Pages filled after it came back are served again.
    expect(freshHits).toBeGreaterThan(0);
  });

  it("when only the writer lost Redis, then its owed generation bump lands within about a second of Redis coming back", async () => {
    await warm("before the cut");
    writerRedis.setFault({ kind: "blackhole" });
    expect((await postJson(`${writer.url}/data`, { user: "u", message: "during the cut" })).status).toBe(201);
    // Meanwhile the reader, which never lost Redis, may still serve the old page: nothing told it.
    await sleep(600);
    writerRedis.setFault({ kind: "pass" });
    const backAt = Date.now();
    const { stale } = await staleReads(reader, "during the cut", backAt, 1_000, 2_000);
    expect(stale).toEqual([]);
  });

  it("when a read asked MySQL before a write committed, then its page is not served after that write", async () => {
    await warm("race base");
    mysqlProxy.setFault({ kind: "latency", ms: 500 });
    // The reader's page is stale in Redis (another write), so it asks MySQL: its SELECT runs ~0.5 s
    // from now and the rows come back ~1 s from now, after the write below has committed.
    expect((await postJson(`${writer.url}/data`, { user: "u", message: "race start" })).status).toBe(201);
    try {
      const slow = newest(reader.url);
      await sleep(800);
      expect((await postJson(`${writer.url}/data`, { user: "u", message: "race write" })).status).toBe(201);
      const raced = await slow;
      expect(raced.messages[0]).toBe("race start");
    } finally {
      mysqlProxy.setFault({ kind: "pass" });
    }
    // The page it computed before the write is not served to a read after the write.
    const after = await newest(reader.url);
    expect(after.messages[0]).toBe("race write");
  });
});
