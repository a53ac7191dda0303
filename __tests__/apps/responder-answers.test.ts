import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestCaller, uniquePrefix } from "./harness";

const CAP = 65_536;

/** A responder whose answer each test writes: `answer` gets every request; bytes written are counted. */
async function scriptedResponder() {
  const state: { answer: (req: IncomingMessage, res: ServerResponse) => unknown; hits: number; bytesWritten: number } =
    {
      answer: (_req, res) => res.end('{"data":[]}'),
      hits: 0,
      bytesWritten: 0,
    };
  const server: Server = createServer((req, res) => {
    state.hits++;
    state.answer(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Streams 64 KiB chunks for as long as the client reads, counting them; stops when it goes. */
function stream(state: { bytesWritten: number }, res: ServerResponse, headers: Record<string, string | number>) {
  res.writeHead(200, { "content-type": "application/json", ...headers });
  const chunk = Buffer.alloc(65_536, "a");
  res.write('{"data":[{"user":"x","message":"');
  const pump = () => {
    while (!res.destroyed && state.bytesWritten < 300 * 1_048_576) {
      state.bytesWritten += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
  };
  res.once("close", () => res.removeAllListeners("drain"));
  pump();
}

describe("caller reading the responder's answer", () => {
  let fake: Awaited<ReturnType<typeof scriptedResponder>>;
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  let breakerCaller: Awaited<ReturnType<typeof startTestCaller>>;

  beforeAll(async () => {
    fake = await scriptedResponder();
    const env = {
      REDIS_KEY_PREFIX: uniquePrefix(),
      RESPONDER_URL: fake.url,
      RESPONDER_DEADLINE_MS: "600",
      RESPONDER_ATTEMPT_TIMEOUT_MS: "500",
      RESPONDER_RETRIES: "0",
      UPSTREAM_MAX_BODY_BYTES: String(CAP),
    };
    [caller, breakerCaller] = await Promise.all([
      startTestCaller({ ...env, BREAKER_FAILURE_THRESHOLD: "1000" }),
      startTestCaller({ ...env, BREAKER_FAILURE_THRESHOLD: "3", BREAKER_RESET_MS: "60000" }),
    ]);
    await eventually(() => caller.deps.redis.isReady);
    await request(caller.url).post("/data").send({ user: "Alice", message: "mine" }).expect(201);
  });
  afterAll(async () => {
    await Promise.all([caller.shutdown("test done"), breakerCaller.shutdown("test done")]);
    await fake.close();
  });

  const root = async () => {
    const started = Date.now();
    const res = await request(caller.url).get("/").expect(200);
    return { body: res.body, ms: Date.now() - started };
  };

  it("when the responder declares a body over UPSTREAM_MAX_BODY_BYTES, then GET / degrades at once with bad_body and the body is not read", async () => {
    fake.state.bytesWritten = 0;
    fake.state.answer = (_req, res) => stream(fake.state, res, { "content-length": 210_000_000 });
    const { body, ms } = await root();
    expect(body.caller_service_data).toEqual([{ user: "Alice", message: "mine" }]);
    expect(body.missing.responder_service_data).toEqual({
      reason: "bad_body",
      detail: `responder: answer of 210000000 bytes is over the ${CAP}-byte limit`,
    });
    expect(ms).toBeLessThan(600);
    // Only what the sockets buffered before the caller hung up, nowhere near the 210 MB.
    expect(fake.state.bytesWritten).toBeLessThan(16 * 1_048_576);
  });

  it("when an undeclared (chunked) body grows past the cap, then reading stops there: bad_body", async () => {
    fake.state.bytesWritten = 0;
    fake.state.answer = (_req, res) => stream(fake.state, res, {});
    const { body } = await root();
    expect(body.missing.responder_service_data).toEqual({
      reason: "bad_body",
      detail: `responder: answer of more than ${CAP} bytes is over the ${CAP}-byte limit`,
    });
    expect(fake.state.bytesWritten).toBeLessThan(16 * 1_048_576);
  });

  it("when the body trickles in after quick headers, then the deadline covers it: timeout within RESPONDER_DEADLINE_MS", async () => {
    fake.state.answer = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"data":[');
      const timer = setInterval(() => res.write(" "), 50);
      res.once("close", () => clearInterval(timer));
    };
    const { body, ms } = await root();
    expect(body.missing.responder_service_data).toMatchObject({ reason: "timeout" });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1_500);
  });

  it.each([
    ["null", "null"],
    ["a string", '"hello"'],
    ["an empty object", "{}"],
    ["data: null", '{"data":null}'],
    ["data: a string", '{"data":"x"}'],
    ["data: an object", '{"data":{}}'],
    ["data: [null]", '{"data":[null]}'],
    ["a user that is a number", '{"data":[{"user":1,"message":"m"}]}'],
    ["items: null instead of data", '{"items":null}'],
    ["a list", "[]"],
  ])("when the answer is %s, then GET / is 200 with bad_body naming the problem, never a 500", async (_name, text) => {
    fake.state.answer = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(text);
    const { body } = await root();
    expect(body.caller_service_data).toEqual([{ user: "Alice", message: "mine" }]);
    expect(body.responder_service_data).toEqual([]);
    expect(body.missing.responder_service_data.reason).toBe("bad_body");
    expect(body.missing.responder_service_data.detail).toMatch(
      /^responder: answered 200 with an unexpected shape \(.+\)$/,
    );
  });

  it("when the answer has extra fields, then only user and message are kept", async () => {
    fake.state.answer = (_req, res) =>
      res.end('{"data":[{"id":7,"user":"Bob","message":"hi","created_at":"x","admin":true}],"extra":1}');
    const { body } = await root();
    expect(body).toEqual({
      caller_service_data: [{ user: "Alice", message: "mine" }],
      responder_service_data: [{ user: "Bob", message: "hi" }],
    });
  });

  it("when wrong-shaped answers repeat, then the breaker counts them and opens: the responder is not called any more", async () => {
    fake.state.answer = (_req, res) => res.end('{"data":null}');
    for (let i = 0; i < 3; i++) {
      const res = await request(breakerCaller.url).get("/").expect(200);
      expect(res.body.missing.responder_service_data.reason).toBe("bad_body");
    }
    const hits = fake.state.hits;
    const res = await request(breakerCaller.url).get("/").expect(200);
    expect(res.body.missing.responder_service_data.reason).toBe("circuit_open");
    expect(fake.state.hits).toBe(hits);
    expect(breakerCaller.logs.some((l) => l.status === 500)).toBe(false);
  });
});
