import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type Agent, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import mysql from "mysql2/promise";
import { createClient } from "redis";
import { startCaller } from "../../apps/caller/src/server";
import { startResponder } from "../../apps/responder/src/server";
import { createLogger, type Logger } from "../../apps/shared/src/logger";
import type { StartOptions } from "../../apps/shared/src/server";

export const MYSQL = { host: "127.0.0.1", port: 3306, user: "root", password: "" };
export const REDIS_URL = "redis://127.0.0.1:6379";
/** A loopback port nothing listens on: "the dependency is down". */
export const CLOSED_PORT = 1;

/** A logger whose JSON lines the test can read. */
export function captureLogger(service: string): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service, level: "debug", stream }), lines };
}

/** A database of its own per test file, so files run in parallel without sharing rows. */
export async function createTestDatabase(): Promise<{
  name: string;
  query: (sql: string) => Promise<unknown[]>;
  drop: () => Promise<void>;
}> {
  const name = `fc_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const conn = await mysql.createConnection(MYSQL);
  await conn.query(`CREATE DATABASE ${name}`);
  return {
    name,
    query: async (sql) => (await conn.query(`USE ${name}`), (await conn.query(sql))[0] as unknown[]),
    drop: async () => {
      await conn.query(`DROP DATABASE IF EXISTS ${name}`);
      await conn.end();
    },
  };
}

export async function redisProbe() {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/** Redis key prefix of one test; the global teardown deletes every key of the run. */
export function uniquePrefix(): string {
  return `fc-test:${process.env.FC_TEST_RUN ?? "adhoc"}:${randomUUID().slice(0, 8)}:`;
}

/** Tests exercise the demo routes unless they say otherwise, and shut down without the drain delay. */
const quiet: NodeJS.ProcessEnv = {
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "debug",
  SHUTDOWN_TIMEOUT_MS: "5000",
  SHUTDOWN_DELAY_MS: "0",
  DEMO_ROUTES_ENABLED: "true",
};

export async function startTestResponder(env: NodeJS.ProcessEnv, opts: StartOptions = {}) {
  const capture = captureLogger("responder");
  const running = await startResponder(
    { ...quiet, REDIS_URL, ...env },
    { logger: capture.logger, flushLogs: false, ...opts },
  );
  return { ...running, logs: capture.lines };
}

export async function startTestCaller(env: NodeJS.ProcessEnv, opts: StartOptions = {}) {
  const capture = captureLogger("caller");
  const running = await startCaller(
    { ...quiet, REDIS_URL, ...env },
    { logger: capture.logger, flushLogs: false, ...opts },
  );
  return { ...running, logs: capture.lines };
}

/** Waits until `probe` returns true (e.g. Redis connected), failing after `ms`. */
export async function eventually(probe: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A stand-in responder whose behaviour the test switches: ok, slow, or 503. */
export async function fakeResponder(): Promise<{
  url: string;
  mode: { value: "ok" | "slow" | "error" };
  hits: () => number;
  close: () => Promise<void>;
  seenRequestIds: string[];
  seenHeaders: IncomingHttpHeaders[];
}> {
  const mode = { value: "ok" as "ok" | "slow" | "error" };
  let hits = 0;
  const seenRequestIds: string[] = [];
  const seenHeaders: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    hits++;
    seenRequestIds.push(String(req.headers["x-request-id"]));
    seenHeaders.push(req.headers);
    const answer = () => {
      if (mode.value === "error") {
        res.writeHead(503, { "content-type": "application/json" }).end('{"error":"down"}');
      } else {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end('{"data":[{"id":1,"user":"Bob","message":"hi","created_at":"x"}]}');
      }
    };
    if (mode.value === "slow") setTimeout(answer, 2_000).unref();
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    mode,
    hits: () => hits,
    seenRequestIds,
    seenHeaders,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sends a request and resolves with status and elapsed ms; never throws (errors come back as `error`). */
export async function timedFetch(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<{ status: number; ms: number; body: unknown; headers: Headers; error?: string }> {
  const start = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, ms: Date.now() - start, body, headers: res.headers };
  } catch (error) {
    return { status: 0, ms: Date.now() - start, body: undefined, headers: new Headers(), error: (error as Error).name };
  }
}

/** A GET through `agent` (keep-alive sockets the test controls), resolving with the status once the body is read. */
export function getStatus(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  timedFetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

/**
 * A Redis server of the test's own on a free loopback port, so the test may stop it (never the
 * machine's 6379). `stop` kills it; `start` brings it back on the same port.
 */
export async function privateRedis(
  extraArgs: readonly string[] = [],
): Promise<{ url: string; stop: () => Promise<void>; start: () => Promise<void> }> {
  const { spawn } = await import("node:child_process");
  const net = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn(
      "redis-server",
      [
        ...[
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--protected-mode",
          "yes",
        ],
        ...extraArgs,
      ],
      { stdio: "ignore" },
    );
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
          s.on("error", () => resolve(false));
        }),
      5_000,
    );
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}
