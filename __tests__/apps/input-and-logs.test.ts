import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCallerConfig } from "../../apps/caller/src/config";
import { loadResponderConfig } from "../../apps/responder/src/config";
import { startResponder } from "../../apps/responder/src/server";
import { AppConfigError } from "../../apps/shared/src/config";
import {
  captureLogger,
  createTestDatabase,
  eventually,
  postJson,
  redisProbe,
  startTestCaller,
  startTestResponder,
  timedFetch,
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
  responder = await startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: prefix });
  caller = await startTestCaller({
    REDIS_KEY_PREFIX: prefix,
    RESPONDER_URL: responder.url,
    CACHE_DEFAULT_TTL_SEC: "600",
  });
  redis = await redisProbe();
  await eventually(() => caller.deps.redis.isReady && responder.deps.redis.isReady);
});
afterAll(async () => {
  await caller.shutdown("test done");
  await responder.shutdown("test done");
  await redis.close();
  await db.drop();
});

const stored = async (message: string) => db.query(`SELECT id FROM messages WHERE message = '${message}'`);

/** Raw bytes on a socket, for what fetch refuses to send; resolves with the reply text. */
function raw(url: string, payload: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), "127.0.0.1", () => s.write(payload));
    let reply = "";
    s.on("data", (c) => (reply += c.toString()));
    s.on("end", () => resolve(reply));
    s.on("error", reject);
  });
}

describe("set-cache limits", () => {
  it("when no ttl is sent, then the entry expires after CACHE_DEFAULT_TTL_SEC", async () => {
    expect((await postJson(`${caller.url}/set-cache`, { key: "no-ttl", value: "v" })).status).toBe(200);
    const ttl = await redis.ttl(`${prefix}cache:no-ttl`);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it("when the default TTL is above CACHE_MAX_TTL_SEC, then the config is refused naming both", () => {
    expect(() => loadCallerConfig({ CACHE_DEFAULT_TTL_SEC: "100", CACHE_MAX_TTL_SEC: "60" })).toThrow(
      /CACHE_DEFAULT_TTL_SEC: got "100"; must be at most CACHE_MAX_TTL_SEC \(60\)/,
    );
  });

  it("when the key is __proto__, then it is stored and echoed as plain data, and nothing is polluted", async () => {
    expect((await postJson(`${caller.url}/set-cache`, { key: "__proto__", value: "polluted?" })).status).toBe(200);
    const r = await timedFetch(`${caller.url}/get-cache/__proto__`);
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toBe('{"__proto__":"polluted?"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe("small ones", () => {
  it("when a path has a bad percent-escape, then 400 names the path, not 500", async () => {
    const r = await timedFetch(`${caller.url}/get-cache/%zz`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "path" });
  });

  it.each([
    ["PUT", "/data", "GET, HEAD, POST"],
    ["DELETE", "/data", "GET, HEAD, POST"],
    ["PUT", "/db", "GET, HEAD"],
    ["DELETE", "/healthz", "GET, HEAD"],
  ])("when %s %s reaches the responder, then 405 with Allow: %s", async (method, path, allow) => {
    const r = await timedFetch(`${responder.url}${path}`, { method });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe(allow);
  });

  it.each([
    ["DELETE", "/get-cache/k", "GET, HEAD"],
    ["PUT", "/set-cache", "POST"],
    ["PUT", "/", "GET, HEAD"],
  ])("when %s %s reaches the caller, then 405 with Allow: %s", async (method, path, allow) => {
    const r = await timedFetch(`${caller.url}${path}`, { method });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe(allow);
  });

  it("when the user is 33 emoji (66 UTF-16 units), then it fits the 64-character limit and is stored intact", async () => {
    const user = "😀".repeat(33);
    expect((await postJson(`${responder.url}/data`, { user, message: "emoji" })).status).toBe(201);
    expect(await db.query("SELECT `user` FROM messages WHERE message = 'emoji'")).toEqual([{ user }]);
    const tooLong = await postJson(`${responder.url}/data`, { user: "😀".repeat(65), message: "emoji-long" });
    expect(tooLong.status).toBe(400);
  });

  it.each([
    ["NUL in user", { user: "a\u0000b", message: "ctl-1" }, "user"],
    ["escape in user", { user: "a\u001bb", message: "ctl-2" }, "user"],
    ["NUL in message", { user: "a", message: "ctl-3\u0000" }, "message"],
    ["lone surrogate in user", { user: "a\ud800", message: "ctl-4" }, "user"],
    ["lone surrogate in message", { user: "a", message: "ctl-5\udc00" }, "message"],
  ])("when %s, then 400 names the field and nothing is stored", async (_n, body, field) => {
    const r = await postJson(`${responder.url}/data`, body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field });
    expect(await stored(body.message)).toEqual([]);
  });

  it.each([
    ["a lone continuation byte", Buffer.from([0x80])],
    ["a truncated 2-byte sequence", Buffer.from([0xc3])],
    ["an overlong encoding of '/'", Buffer.from([0xc0, 0xaf])],
    ["a UTF-16 surrogate encoded in UTF-8", Buffer.from([0xed, 0xa0, 0x80])],
  ])(
    "when the body holds %s (invalid UTF-8), then both services answer 400 naming the body and store nothing",
    async (_n, bad) => {
      const body = (message: string) =>
        Buffer.concat([Buffer.from(`{"user":"u","message":"${message}`), bad, Buffer.from('"}')]);
      const tag = `utf8-${bad.toString("hex")}`;
      for (const url of [responder.url, caller.url]) {
        const r = await timedFetch(`${url}/data`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(tag),
        });
        expect(r.status).toBe(400);
        expect(r.body).toEqual({ error: "Invalid UTF-8 in body", field: "body" });
      }
      expect(await db.query(`SELECT id FROM messages WHERE message LIKE '${tag}%'`)).toEqual([]);
      expect((await redis.lRange(`${prefix}caller:data`, 0, -1)).some((e) => e.includes(tag))).toBe(false);
      // Valid multi-byte UTF-8 is fine.
      expect((await postJson(`${responder.url}/data`, { user: "u", message: `${tag} é ✓ 😀` })).status).toBe(201);
    },
  );

  it.each([
    ["caller", "/list-keys?count=1e2", "count"],
    ["caller", "/list-keys?count=0x10", "count"],
    ["caller", "/list-keys?count=%2B5", "count"],
    ["caller", "/list-keys?count=5&count=6", "count"],
    ["responder", "/data?limit=1e1", "limit"],
    ["responder", "/data?limit=10.0", "limit"],
    ["responder", "/data?limit=%2010", "limit"],
    ["responder", "/work?ms=1e2", "ms"],
    ["caller", "/work?ms=", "ms"],
  ] as const)("when %s gets %s, then one integer parser refuses it: 400 naming %s", async (service, path, field) => {
    const r = await timedFetch(`${service === "caller" ? caller.url : responder.url}${path}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field, detail: expect.stringMatching(/^expected an integer from \d+ to \d+$/) });
  });

  it("when integers are plain digits, then every route and env var reads them the same way", async () => {
    expect((await timedFetch(`${caller.url}/list-keys?count=10`)).status).toBe(200);
    expect((await timedFetch(`${responder.url}/data?limit=10`)).status).toBe(200);
    expect(loadCallerConfig({ PORT: "8000" }).PORT).toBe(8000);
    expect(() => loadCallerConfig({ PORT: "8e3" })).toThrow(/PORT: got "8e3"; expected an integer from 0 to 65535/);
    expect(() => loadCallerConfig({ PORT: " 80" })).toThrow(/PORT: got " 80"/);
  });

  it("when a message has tabs and newlines, then it is accepted", async () => {
    expect((await postJson(`${responder.url}/data`, { user: "a", message: "line1\n\tline2" })).status).toBe(201);
  });

  it("when HEADERS_TIMEOUT_MS is not above KEEP_ALIVE_TIMEOUT_MS, then start-up fails before connecting to anything", async () => {
    let connections = 0;
    const trap = net.createServer((s) => (connections++, s.destroy()));
    await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
    const port = (trap.address() as AddressInfo).port;
    await expect(
      startResponder(
        {
          HOST: "127.0.0.1",
          PORT: "0",
          REDIS_URL: `redis://127.0.0.1:${port}`,
          MYSQL_PORT: String(port),
          KEEP_ALIVE_TIMEOUT_MS: "5000",
          HEADERS_TIMEOUT_MS: "5000",
        },
        { logger: captureLogger("t").logger, flushLogs: false },
      ),
    ).rejects.toThrow(/HEADERS_TIMEOUT_MS: got "5000"; must be above KEEP_ALIVE_TIMEOUT_MS \(5000\)/);
    await new Promise((r) => setTimeout(r, 200));
    trap.close();
    expect(connections).toBe(0);
  });

  it("when running on ECS without explicit MySQL settings, then the config is refused naming them", () => {
    const ecs = { ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/x" };
    expect(() => loadResponderConfig({ ...ecs, MYSQL_HOST: "db.internal" })).toThrow(AppConfigError);
    expect(() => loadResponderConfig({ ...ecs, MYSQL_HOST: "db.internal" })).toThrow(
      /MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE: got nothing; required on ECS/,
    );
    const ok = loadResponderConfig({
      ...ecs,
      MYSQL_HOST: "db.internal",
      MYSQL_USER: "app",
      MYSQL_PASSWORD: "s",
      MYSQL_DATABASE: "app",
    });
    expect(ok.MYSQL_HOST).toBe("db.internal");
    expect(loadResponderConfig({}).MYSQL_HOST).toBe("127.0.0.1");
  });
});

describe("logs", () => {
  it("when Node's parser rejects a request (431, bad header, bad Content-Length), then the client gets a JSON error and one JSON line is logged", async () => {
    const before = caller.logs.length;
    const big = await raw(caller.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1.1 431 /);
    expect(big).toMatch(/\r\n\r\n\{"error":"Request Header Fields Too Large"\}$/);
    const bad = await raw(caller.url, "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n");
    expect(bad).toMatch(/^HTTP\/1.1 400 /);
    const len = await raw(caller.url, "POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    expect(len).toMatch(/^HTTP\/1.1 400 /);
    const lines = caller.logs.slice(before).filter((l) => l.errorType === "client_error");
    expect(lines.map((l) => l.status)).toEqual([431, 400, 400]);
    expect(lines[0]).toMatchObject({ message: "request", level: "warn", code: "HPE_HEADER_OVERFLOW" });
  });

  it("when a request fails with a 5xx, then its one log line carries the stack and the cause", async () => {
    const svc = await startTestResponder({
      MYSQL_PORT: "1",
      MYSQL_CONNECT_TIMEOUT_MS: "200",
      REDIS_KEY_PREFIX: prefix,
    });
    try {
      await eventually(() => svc.deps.redis.isReady);
      await timedFetch(`${svc.url}/data`, { headers: { "x-request-id": "stack-1" } });
      const lines = svc.logs.filter((l) => l.requestId === "stack-1" && l.message === "request");
      expect(lines).toEqual([
        expect.objectContaining({
          message: "request",
          status: 503,
          errorType: "mysql_unavailable",
          stack: expect.stringMatching(/Error: mysql: /),
          cause: expect.any(String),
        }),
      ]);
    } finally {
      await svc.shutdown("test done");
    }
  });

  it("when an exception escapes or a promise rejection is unhandled, then one JSON line is logged and the process exits 1", () => {
    // Bundled once with esbuild, then run with plain node: tsx's start-up would cost seconds per case.
    const dir = mkdtempSync(join(tmpdir(), "fc-crash-"));
    const entry = join(dir, "crash.ts");
    const root = join(__dirname, "../..");
    writeFileSync(
      entry,
      `import { createLogger } from "${root}/apps/shared/src/logger";
       import { installCrashHandlers } from "${root}/apps/shared/src/server";
       installCrashHandlers(createLogger({ service: "t" }));
       if (process.argv[2] === "throw") setTimeout(() => { throw new Error("boom"); });
       else void Promise.reject(new Error("boom"));`,
    );
    buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      outfile: join(dir, "crash.js"),
      logLevel: "silent",
    });
    for (const kind of ["throw", "reject"]) {
      const out = spawnSync(process.execPath, [join(dir, "crash.js"), kind], { encoding: "utf8", timeout: 10_000 });
      expect(out.status).toBe(1);
      const lines = out.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({
          level: "error",
          errorType: kind === "throw" ? "uncaught_exception" : "unhandled_rejection",
          error: "boom",
          stack: expect.stringContaining("boom"),
        }),
      ]);
    }
  });
});
