import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCallerConfig } from "../../apps/caller/src/config";
import { startCaller } from "../../apps/caller/src/server";
import { loadResponderConfig } from "../../apps/responder/src/config";
import { CircuitBreaker, CircuitOpenError } from "../../apps/shared/src/circuit-breaker";
import { AppConfigError } from "../../apps/shared/src/config";
import { ServiceCallError, ServiceClient, type ServiceClientOptions } from "../../apps/shared/src/http-client";
import { z } from "zod";
import { captureLogger } from "./harness";

const Ok = z.object({ ok: z.boolean() });

/** A ServiceClient for `baseUrl` with short backoffs and a breaker that stays closed; `opts` set the rest. */
const testClient = (
  baseUrl: string,
  opts: Pick<ServiceClientOptions, "name" | "deadlineMs" | "attemptTimeoutMs" | "maxRetries"> &
    Partial<ServiceClientOptions>,
) =>
  new ServiceClient({
    baseUrl,
    logger: captureLogger("t").logger,
    backoffBaseMs: 5,
    backoffMaxMs: 5,
    breaker: new CircuitBreaker({ failureThreshold: 10, resetTimeoutMs: 1_000 }),
    ...opts,
  });

describe("app config", () => {
  it("when the environment is empty, then the documented defaults apply (keep-alive above the ALB's 60 s)", () => {
    const c = loadCallerConfig({});
    expect(c).toMatchObject({
      PORT: 8080,
      KEEP_ALIVE_TIMEOUT_MS: 65_000,
      HEADERS_TIMEOUT_MS: 66_000,
      RESPONDER_URL: "http://127.0.0.1:8081",
    });
    expect(loadResponderConfig({}).PORT).toBe(8081);
  });

  it("when a variable is bad, then start-up fails naming the variable, the value and what is allowed", () => {
    expect(() => loadCallerConfig({ PORT: "eighty", RESPONDER_URL: "ftp://x" })).toThrow(AppConfigError);
    const bad = () => loadResponderConfig({ MYSQL_POOL_SIZE: "0", FAILURE_MODE: "chaos" } as NodeJS.ProcessEnv);
    expect(bad).toThrow(/MYSQL_POOL_SIZE: got "0"; expected an integer from 1 to 200/);
    expect(bad).toThrow(/FAILURE_MODE: got "chaos"; .*"return_500"/);
    expect(() => loadCallerConfig({ PORT: "eighty" })).toThrow(
      /PORT: got "eighty"; expected an integer from 0 to 65535/,
    );
  });

  it("when a secret is invalid, then its value is not printed", () => {
    const bad = () => loadResponderConfig({ MYSQL_PASSWORD: 5 as unknown as string, REDIS_URL: "http://x" });
    expect(bad).toThrow(/REDIS_URL: got "http:\/\/x"/);
    expect(bad).toThrow(/MYSQL_PASSWORD: got \(redacted\)/);
  });

  it("when the server starts, then keepAliveTimeout and headersTimeout are set from config", async () => {
    const { logger } = captureLogger("caller");
    const running = await startCaller(
      { HOST: "127.0.0.1", PORT: "0", REDIS_URL: "redis://127.0.0.1:1" },
      { logger, flushLogs: false },
    );
    expect(running.server.keepAliveTimeout).toBe(65_000);
    expect(running.server.headersTimeout).toBe(66_000);
    await running.shutdown("test");
  });
});

describe("CircuitBreaker", () => {
  it("when failures reach the threshold, then it opens, half-opens after the reset, and closes on success", async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 1_000, now: () => now });
    const fail = () => Promise.reject(new Error("boom"));
    await expect(breaker.run(fail)).rejects.toThrow("boom");
    expect(breaker.state).toBe("closed");
    await expect(breaker.run(fail)).rejects.toThrow("boom");
    expect(breaker.state).toBe("open");
    await expect(breaker.run(() => Promise.resolve(1))).rejects.toBeInstanceOf(CircuitOpenError);
    now = 1_000;
    expect(breaker.state).toBe("half_open");
    await expect(breaker.run(fail)).rejects.toThrow("boom");
    expect(breaker.state).toBe("open");
    now = 2_000;
    expect(await breaker.run(() => Promise.resolve(7))).toBe(7);
    expect(breaker.state).toBe("closed");
  });

  it("when the threshold is not a positive integer, then construction fails naming it", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, resetTimeoutMs: 1 })).toThrow(
      "failureThreshold must be an integer >= 1, got 0",
    );
  });
});

describe("ServiceClient retries", () => {
  let url: string;
  const postKeys: (string | string[] | undefined)[] = [];
  let hits = { GET: 0, POST: 0 };
  let close: () => void;

  beforeAll(async () => {
    // Fails the first two calls of each method with 503, then answers.
    const server = createServer((req, res) => {
      const m = req.method as "GET" | "POST";
      hits[m]++;
      if (m === "POST") postKeys.push(req.headers["idempotency-key"]);
      if (hits[m] <= 2) res.writeHead(503, { "content-type": "application/json" }).end("{}");
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  const client = () =>
    testClient(url, { name: "flaky", deadlineMs: 2_000, attemptTimeoutMs: 500, maxRetries: 2, backoffMaxMs: 20 });

  it("when an idempotent GET hits 503s, then it retries with backoff and succeeds", async () => {
    hits = { GET: 0, POST: 0 };
    expect(await client().getJson("/x", Ok)).toEqual({ ok: true });
    expect(hits.GET).toBe(3);
  });

  it("when a POST hits 503s, then it is retried with the same generated Idempotency-Key", async () => {
    hits = { GET: 0, POST: 0 };
    postKeys.length = 0;
    expect(await client().request("POST", "/x", Ok, { a: 1 })).toEqual({ ok: true });
    expect(hits.POST).toBe(3);
    expect(postKeys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(postKeys)).toEqual(new Set([postKeys[0]]));
  });

  it("when a POST is given a key, then that key is sent; a second call gets a new generated key", async () => {
    hits = { GET: 0, POST: 10 };
    postKeys.length = 0;
    await client().request("POST", "/x", Ok, { a: 1 }, { idempotencyKey: "order-42" });
    await client().request("POST", "/x", Ok, { a: 1 });
    await client().request("POST", "/x", Ok, { a: 1 });
    expect(postKeys[0]).toBe("order-42");
    expect(postKeys[1]).not.toBe(postKeys[2]);
  });

  it("when the error is classified, then it is a ServiceCallError", async () => {
    hits = { GET: -10, POST: 0 };
    const c = testClient(url, { name: "flaky", deadlineMs: 50, attemptTimeoutMs: 50, maxRetries: 0 });
    await expect(c.getJson("/x", Ok)).rejects.toBeInstanceOf(ServiceCallError);
  });
});

describe("ServiceClient connections", () => {
  let url = "";
  let close: () => void = () => {};
  /** Every socket the server accepted, and for each request the socket it came on. */
  const sockets: object[] = [];
  const seenOn: number[] = [];
  const closed = new Set<number>();
  beforeAll(async () => {
    const server = createServer((req, res) => {
      seenOn.push(sockets.indexOf(req.socket));
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
        res.write("{"); // the rest never comes: only a socket that is cut frees the exchange
        return;
      }
      if (req.url === "/slow") return; // never answers: the attempt timeout cuts it
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    server.on("connection", (socket) => {
      sockets.push(socket);
      socket.on("close", () => closed.add(sockets.indexOf(socket)));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => (server.closeAllConnections(), server.close());
  });
  afterAll(() => close());

  const client = () =>
    testClient(url, { name: "pool", deadlineMs: 300, attemptTimeoutMs: 150, maxRetries: 0, maxBodyBytes: 1_024 });

  it("when answers are whole, then calls reuse keep-alive sockets", async () => {
    const c = client();
    const before = seenOn.length;
    for (let i = 0; i < 6; i++) expect(await c.getJson("/ok", Ok)).toEqual({ ok: true });
    const used = seenOn.slice(before);
    expect(used).toHaveLength(6);
    // A call made as the previous one's answer completes may find its socket not yet free: at most two.
    expect(new Set(used).size).toBeLessThanOrEqual(2);
    c.close();
  });

  it("when an answer is cut (over the size cap, or past the timeout), then its socket is closed, never reused", async () => {
    const c = client();
    const before = seenOn.length;
    await expect(c.getJson("/big", Ok)).rejects.toMatchObject({ reason: "bad_body" });
    expect(await c.getJson("/ok", Ok)).toEqual({ ok: true });
    const started = Date.now();
    await expect(c.getJson("/slow", Ok)).rejects.toMatchObject({ reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(400);
    expect(await c.getJson("/ok", Ok)).toEqual({ ok: true });
    const [big, afterBig, slow, afterSlow] = seenOn.slice(before);
    expect(afterBig).not.toBe(big);
    expect(afterSlow).not.toBe(slow);
    expect(new Set([big, slow, afterSlow]).size).toBe(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed.has(big!) && closed.has(slow!)).toBe(true);
    expect(closed.has(afterSlow!)).toBe(false);
    c.close();
  });
});
