import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Tracing } from "../../apps/shared/src/tracing";
import { IMAGE_NODE_OPTIONS } from "../../scripts/image-node-options";
import { CLIENT_SPAN_SCOPE, SERVER_SPAN_SCOPE } from "../../apps/shared/src/tracing-settings";
import { nativeRequire } from "./tracing-native";

type Harness = typeof import("./harness");
type SdkTrace = typeof import("@opentelemetry/sdk-trace");
type TracingModule = typeof import("../../apps/shared/src/tracing");

// Tracing is process-wide: start it (with an in-memory exporter) before the apps load express & co.
const load = nativeRequire();
const { InMemorySpanExporter, SimpleSpanProcessor } = load<SdkTrace>("@opentelemetry/sdk-trace");
const exporter = new InMemorySpanExporter();
const tracing: Tracing = load<TracingModule>("../../apps/shared/src/tracing.ts").startTracing({
  env: { SERVICE_NAME: "tracing-test", TRACES_SAMPLE_RATIO: "1" },
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
})!;
const h = load<Harness>("./harness.ts");

let db: Awaited<ReturnType<Harness["createTestDatabase"]>>;
let responder: Awaited<ReturnType<Harness["startTestResponder"]>>;
let caller: Awaited<ReturnType<Harness["startTestCaller"]>>;

const startedSec = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  db = await h.createTestDatabase();
  const prefix = h.uniquePrefix();
  responder = await h.startTestResponder({ MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: `${prefix}r:` });
  caller = await h.startTestCaller({ REDIS_KEY_PREFIX: prefix, RESPONDER_URL: responder.url });
  await h.eventually(() => caller.deps.redis.isReady && responder.deps.redis.isReady);
});

afterAll(async () => {
  await caller.shutdown("test done");
  await responder.shutdown("test done");
  await db.drop();
  await tracing.shutdown(1_000);
});

beforeEach(() => exporter.reset());

/** The finished spans of one trace, once `count` of them have ended (server spans end last). */
async function traceSpans(traceId: string, count: number): Promise<ReadableSpan[]> {
  const mine = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  await h.eventually(() => mine().length >= count, 2_000);
  return mine();
}

/** "redis", "mysql2" for the instrumentations; "server" and "client" for the apps' own HTTP spans. */
const scope = (s: ReadableSpan) =>
  s.instrumentationScope.name === SERVER_SPAN_SCOPE
    ? "server"
    : s.instrumentationScope.name === CLIENT_SPAN_SCOPE
      ? "client"
      : s.instrumentationScope.name.replace("@opentelemetry/instrumentation-", "");
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe("tracing across caller and responder", () => {
  it("when these tests run, then Node runs with the images' options (context flows as in production)", () => {
    expect(process.execArgv).toEqual(expect.arrayContaining([...IMAGE_NODE_OPTIONS]));
  });

  it("when caller GET / runs on a cold cache, then one trace holds the caller's Redis read, the call to the responder, and the responder's Redis and MySQL", async () => {
    const res = await fetch(`${caller.url}/`);
    expect(res.status).toBe(200);
    const line = caller.logs.find((l) => l.message === "request" && l.path === "/")!;
    const traceId = line.traceId as string;
    // caller: server, LRANGE, client GET; responder: server, HMGET, SELECT, EVALSHA (fill)
    const spans = await traceSpans(traceId, 7);
    const find = (name: string, pred: (s: ReadableSpan) => boolean = () => true) => {
      const found = spans.find((s) => `${scope(s)} ${s.name}` === name && pred(s));
      expect(found, name).toBeDefined();
      return found!;
    };
    // Server spans are named after the matched route (no span per Express handler).
    const callerServer = find("server GET /", (s) => s.attributes["http.route"] === "/");
    const redisRead = find("redis redis-LRANGE");
    const client = find("client GET", (s) => s.kind === 2 /* CLIENT */);
    const responderServer = find("server GET /data", (s) => s.attributes["http.route"] === "/data");
    const cacheRead = find("redis redis-HMGET");
    const query = find("mysql2 SELECT");
    const cacheFill = find("redis redis-EVALSHA");

    expect(parentOf(callerServer)).toBeUndefined();
    expect(parentOf(redisRead)).toBe(callerServer.spanContext().spanId);
    expect(parentOf(client)).toBe(callerServer.spanContext().spanId);
    expect(client.attributes["url.full"]).toBe(`${responder.url}/data`);
    // The responder's server span continues the caller's client span: one trace over two services.
    expect(parentOf(responderServer)).toBe(client.spanContext().spanId);
    for (const child of [cacheRead, query, cacheFill]) {
      expect(parentOf(child)).toBe(responderServer.spanContext().spanId);
    }
    expect(query.attributes["db.namespace"]).toBe(db.name);
  });

  it("when a request is traced, then each service's request log line carries the trace id and its server span id", async () => {
    const res = await fetch(`${caller.url}/`, { headers: { "x-request-id": "log-join-1" } });
    expect(res.status).toBe(200);
    const callerLine = caller.logs.find((l) => l.message === "request" && l.requestId === "log-join-1")!;
    const responderLine = responder.logs.find((l) => l.message === "request" && l.requestId === "log-join-1")!;
    expect(callerLine.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(responderLine.traceId).toBe(callerLine.traceId);
    const spans = await traceSpans(callerLine.traceId as string, 5);
    const server = (name: string) => spans.find((s) => s.kind === 1 /* SERVER */ && s.name === name)!;
    expect(callerLine.spanId).toBe(server("GET /").spanContext().spanId);
    expect(responderLine.spanId).toBe(server("GET /data").spanContext().spanId);
  });

  it("when a request comes through the load balancer, then its server span names the client X-Forwarded-For gives first, and no client without it", async () => {
    const forwarded = await fetch(`${caller.url}/`, {
      headers: { "x-request-id": "xff-1", "x-forwarded-for": " 203.0.113.7 , 10.0.1.25" },
    });
    const direct = await fetch(`${caller.url}/`, { headers: { "x-request-id": "xff-2" } });
    expect([forwarded.status, direct.status]).toEqual([200, 200]);
    const serverSpan = async (requestId: string) => {
      const line = caller.logs.find((l) => l.message === "request" && l.requestId === requestId)!;
      const spans = await traceSpans(line.traceId as string, 5);
      return spans.find((s) => s.kind === 1 /* SERVER */ && s.name === "GET /")!;
    };
    expect((await serverSpan("xff-1")).attributes["client.address"]).toBe("203.0.113.7");
    expect((await serverSpan("xff-2")).attributes).not.toHaveProperty("client.address");
  });

  it("when a POST's body arrives after its headers, then the work after it (the INSERT) is still in the request's trace", async () => {
    // Headers first, the body 100 ms later: the handler then runs from the socket's last read.
    const body = JSON.stringify({ user: "Tracy", message: "traced write" });
    const { port } = new URL(responder.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /data HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-request-id: post-trace-1\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`,
        );
        setTimeout(() => socket.write(body), 100);
      });
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1.1 201/);
    const line = responder.logs.find((l) => l.message === "request" && l.requestId === "post-trace-1")!;
    const spans = await traceSpans(line.traceId as string, 2);
    const server = spans.find((s) => s.kind === 1 && s.name === "POST /data")!;
    const insert = spans.find(
      (s) => scope(s) === "mysql2" && String(s.attributes["db.query.text"] ?? s.name).includes("INSERT"),
    );
    expect(server).toBeDefined();
    expect(insert).toBeDefined();
    expect(parentOf(insert!)).toBe(server.spanContext().spanId);
  });

  it("when spans are made, then their trace ids are X-Ray ids: the first 8 hex digits are the start time in epoch seconds", async () => {
    await fetch(`${caller.url}/get-cache/nothing-here`, { headers: { "x-request-id": "xray-1" } });
    const line = caller.logs.find((l) => l.message === "request" && l.requestId === "xray-1")!;
    const spans = await traceSpans(line.traceId as string, 2);
    const epochSec = parseInt(spans[0]!.spanContext().traceId.slice(0, 8), 16);
    expect(epochSec).toBeGreaterThanOrEqual(startedSec);
    expect(epochSec).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it("when health probes arrive, then they make no spans", async () => {
    expect((await fetch(`${caller.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${responder.url}/readyz`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(exporter.getFinishedSpans().filter((s) => s.kind === 1)).toEqual([]);
  });
});

describe("context on the wire", () => {
  let server: Server;
  let seen: IncomingHttpHeaders[];
  let wired: Awaited<ReturnType<Harness["startTestCaller"]>>;

  beforeAll(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" }).end('{"data":[]}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    wired = await h.startTestCaller({ REDIS_KEY_PREFIX: h.uniquePrefix(), RESPONDER_URL: url });
    await h.eventually(() => wired.deps.redis.isReady);
  });

  afterAll(async () => {
    await wired.shutdown("test done");
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("when a request comes in marked not sampled, then it makes no spans and its call downstream says not sampled, same trace", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await fetch(`${wired.url}/`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } });
    expect(res.status).toBe(200);
    expect(seen.at(-1)!.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    await new Promise((r) => setTimeout(r, 100));
    expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)).toEqual([]);
  });

  it("when the caller calls the responder, then it sends both a W3C traceparent and an X-Amzn-Trace-Id for the same trace", async () => {
    expect((await fetch(`${wired.url}/`)).status).toBe(200);
    const headers = seen.at(-1)!;
    const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(headers.traceparent))!;
    expect(traceId).toBeDefined();
    expect(headers["x-amzn-trace-id"]).toBe(
      `Root=1-${traceId!.slice(0, 8)}-${traceId!.slice(8)};Parent=${parentId};Sampled=1`,
    );
  });
});
