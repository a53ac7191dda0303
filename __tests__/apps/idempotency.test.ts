import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  eventually,
  MYSQL,
  postJson,
  redisProbe,
  startTestCaller,
  startTestResponder,
  uniquePrefix,
} from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let responder: Awaited<ReturnType<typeof startTestResponder>>;

const rows = async (key: string) =>
  (await db.query(`SELECT \`user\`, message FROM messages WHERE idempotency_key = '${key}'`)) as object[];

beforeAll(async () => {
  db = await createTestDatabase();
  // A table as the previous release created it, without the idempotency column: start-up adds it.
  const conn = await mysql.createConnection({ ...MYSQL, database: db.name });
  await conn.query(`CREATE TABLE messages (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, \`user\` VARCHAR(64) NOT NULL, message VARCHAR(1000) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) CHARACTER SET utf8mb4`);
  await conn.query("INSERT INTO messages (`user`, message) VALUES ('old', 'row')");
  await conn.end();
  responder = await startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: uniquePrefix() });
});
afterAll(async () => {
  await responder.shutdown("test done");
  await db.drop();
});

describe("POST /data with Idempotency-Key (responder)", () => {
  it("when a table from before exists, then start-up adds the key column with a unique index and keeps the rows", async () => {
    const index = (await db.query("SHOW INDEX FROM messages WHERE Key_name = 'uq_messages_idempotency_key'")) as {
      Non_unique: number;
    }[];
    expect(index).toEqual([expect.objectContaining({ Non_unique: 0 })]);
    expect(await db.query("SELECT `user` FROM messages WHERE message = 'row'")).toEqual([{ user: "old" }]);
  });

  it("when the same key is sent twice, then the repeat returns the first answer and stores nothing new", async () => {
    const body = { user: "Ann", message: "pay once" };
    const first = await postJson(`${responder.url}/data`, body, { "idempotency-key": "k-1" });
    const again = await postJson(`${responder.url}/data`, body, { "idempotency-key": "k-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await rows("k-1")).toEqual([{ user: "Ann", message: "pay once" }]);
  });

  it("when 8 requests with one key race, then exactly one row is stored and all answer 201 (the unique index decides)", async () => {
    const body = { user: "Ann", message: "race" };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => postJson(`${responder.url}/data`, body, { "idempotency-key": "k-race" })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(await rows("k-race")).toHaveLength(1);
  });

  it("when a key is reused with another body, then 422 names the header and nothing is stored", async () => {
    await postJson(`${responder.url}/data`, { user: "Ann", message: "one" }, { "idempotency-key": "k-2" });
    const other = await postJson(
      `${responder.url}/data`,
      { user: "Ann", message: "two" },
      { "idempotency-key": "k-2" },
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ field: "Idempotency-Key" });
    expect(await rows("k-2")).toEqual([{ user: "Ann", message: "one" }]);
  });

  it("when the key is malformed, then 400 names it and nothing is stored", async () => {
    const r = await postJson(
      `${responder.url}/data`,
      { user: "Ann", message: "bad key" },
      { "idempotency-key": "x".repeat(129) },
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "Idempotency-Key" });
    expect(await db.query("SELECT id FROM messages WHERE message = 'bad key'")).toEqual([]);
  });

  it("when no key is sent, then every POST stores a row as before", async () => {
    await postJson(`${responder.url}/data`, { user: "Ann", message: "twice" });
    await postJson(`${responder.url}/data`, { user: "Ann", message: "twice" });
    expect(await db.query("SELECT id FROM messages WHERE message = 'twice'")).toHaveLength(2);
  });
});

describe("POST /data with Idempotency-Key (caller)", () => {
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  let redis: Awaited<ReturnType<typeof redisProbe>>;
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix();
    caller = await startTestCaller({ REDIS_KEY_PREFIX: prefix, RESPONDER_URL: responder.url });
    redis = await redisProbe();
    await eventually(() => caller.deps.redis.isReady);
  });
  afterAll(async () => {
    await caller.shutdown("test done");
    await redis.close();
  });

  it("when the same key is sent twice, then the list holds the message once and the repeat answers the first body", async () => {
    const first = await postJson(`${caller.url}/data`, { user: "Al", message: "once" }, { "idempotency-key": "c-1" });
    const again = await postJson(`${caller.url}/data`, { user: "Al", message: "once" }, { "idempotency-key": "c-1" });
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await redis.lRange(`${prefix}caller:data`, 0, -1)).toEqual([
      JSON.stringify({ user: "Al", message: "once" }),
    ]);
  });

  it("when a key is reused with another body, then 422 names the header, as the responder does, and nothing new is stored", async () => {
    const key = "c-conflict";
    const first = await postJson(`${caller.url}/data`, { user: "Al", message: "first" }, { "idempotency-key": key });
    expect(first.status).toBe(201);
    const other = await postJson(`${caller.url}/data`, { user: "Al", message: "second" }, { "idempotency-key": key });
    expect(other.status).toBe(422);
    expect(other.body).toEqual({
      error: "Idempotency-Key already used with a different body",
      field: "Idempotency-Key",
    });
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    const list = await redis.lRange(`${prefix}caller:data`, 0, -1);
    expect(list.filter((e) => e.includes('"first"'))).toHaveLength(1);
    expect(list.some((e) => e.includes('"second"'))).toBe(false);
    // The caller and the responder answer the same request the same way.
    const viaResponder = await postJson(
      `${responder.url}/data`,
      { user: "Al", message: "first" },
      { "idempotency-key": key },
    );
    expect(viaResponder.status).toBe(201);
    const conflict = await postJson(
      `${responder.url}/data`,
      { user: "Al", message: "second" },
      { "idempotency-key": key },
    );
    expect(conflict.status).toBe(other.status);
    expect(conflict.body).toEqual(other.body);
  });
});
