import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FailureModeSource } from "../../apps/shared/src/failure-mode";
import {
  captureLogger,
  createTestDatabase,
  startTestCaller,
  startTestResponder,
  uniquePrefix,
  CLOSED_PORT,
} from "./harness";

const PARAM = "/fargate-connect/test/failure_mode";
const ssmMock = mockClient(SSMClient);
// Test files may share a worker: leave SSMClient unpatched for the next one.
afterAll(() => ssmMock.restore());

function param(value: string) {
  return { Parameter: { Name: PARAM, Value: value, Type: "String" as const } };
}

describe("FailureModeSource (SSM mocked)", () => {
  let clock = 0;
  let capture: ReturnType<typeof captureLogger>;
  let source: FailureModeSource;

  beforeEach(() => {
    ssmMock.reset();
    clock = 0;
    capture = captureLogger("test");
    source = new FailureModeSource({
      logger: capture.logger,
      parameterName: PARAM,
      ssm: new SSMClient({ region: "eu-west-1" }),
      ttlMs: 5_000,
      timeoutMs: 1_000,
      now: () => clock,
    });
  });

  it("when the parameter is read, then the value is cached for the TTL and re-read after it", async () => {
    ssmMock.on(GetParameterCommand, { Name: PARAM }).resolves(param("slow"));
    source.start();
    await source.settled();
    expect(await source.current()).toBe("slow");
    clock = 4_999;
    expect(await source.current()).toBe("slow");
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);

    ssmMock.on(GetParameterCommand).resolves(param("none"));
    clock = 5_000;
    await source.current(); // serves the cached value while refreshing
    await new Promise((r) => setImmediate(r));
    expect(await source.current()).toBe("none");
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it("when SSM fails on the first read, then the mode is none and the failure is logged", async () => {
    ssmMock.on(GetParameterCommand).rejects(Object.assign(new Error("no route"), { name: "InternalServerError" }));
    expect(await source.current()).toBe("none");
    await source.settled();
    expect(capture.lines).toContainEqual(
      expect.objectContaining({ errorType: "ssm_unavailable", parameter: PARAM, keeping: "none" }),
    );
  });

  it("when SSM throttles after a good read, then the last known value is kept and SSM is not asked again within the TTL", async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce(param("return_500"))
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    source.start();
    await source.settled();
    expect(await source.current()).toBe("return_500");
    clock = 6_000;
    await source.current();
    await new Promise((r) => setImmediate(r));
    expect(await source.current()).toBe("return_500");
    expect(capture.lines).toContainEqual(
      expect.objectContaining({ errorType: "ssm_unavailable", error: "ThrottlingException", keeping: "return_500" }),
    );
    clock = 7_000;
    await source.current();
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it("when the parameter holds an unknown mode, then the last value is kept and the allowed ones logged", async () => {
    ssmMock.on(GetParameterCommand).resolves(param("explode"));
    expect(await source.current()).toBe("none");
    await source.settled();
    expect(capture.lines).toContainEqual(
      expect.objectContaining({
        errorType: "failure_mode_invalid",
        value: "explode",
        allowed: expect.arrayContaining(["cpu_burn"]),
      }),
    );
  });

  it("when an override is set, then SSM is never called", async () => {
    const local = new FailureModeSource({
      logger: capture.logger,
      parameterName: PARAM,
      ssm: new SSMClient({ region: "eu-west-1" }),
      override: "cpu_burn",
      ttlMs: 5_000,
      timeoutMs: 1_000,
    });
    expect(await local.current()).toBe("cpu_burn");
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it("when many requests arrive at once, then SSM is read once", async () => {
    ssmMock.on(GetParameterCommand).resolves(param("slow"));
    const modes = await Promise.all(Array.from({ length: 20 }, () => source.current()));
    // Nobody waits for SSM: the first requests see the starting mode.
    expect(new Set(modes)).toEqual(new Set(["none"]));
    await source.settled();
    expect(await source.current()).toBe("slow");
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
  });
});

describe("failure modes in the running apps (SSM mocked, MySQL/Redis real)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let responder: Awaited<ReturnType<typeof startTestResponder>>;
  let caller: Awaited<ReturnType<typeof startTestCaller>>;
  const setMode = (m: string) => {
    ssmMock.reset();
    ssmMock.on(GetParameterCommand).resolves(param(m));
  };

  beforeAll(async () => {
    setMode("none");
    db = await createTestDatabase();
    const common = {
      FAILURE_MODE_PARAMETER: PARAM,
      FAILURE_MODE_TTL_MS: "0",
      SLOW_MODE_DELAY_MS: "300",
      CPU_BURN_MODE_MS: "150",
    };
    const ssm = new SSMClient({ region: "eu-west-1" });
    responder = await startTestResponder(
      {
        ...common,
        MYSQL_DATABASE: db.name,
        MYSQL_POOL_SIZE: "3",
        MYSQL_ACQUIRE_TIMEOUT_MS: "200",
        REDIS_KEY_PREFIX: uniquePrefix(),
      },
      { ssm },
    );
    caller = await startTestCaller(
      { ...common, REDIS_KEY_PREFIX: uniquePrefix(), RESPONDER_URL: `http://127.0.0.1:${CLOSED_PORT}` },
      { ssm },
    );
  });
  afterAll(async () => {
    await caller.shutdown("test done");
    await responder.shutdown("test done");
    await db.drop();
  });

  // TTL 0: every request sees the previous read; two calls make sure the new mode is in force.
  async function inMode(mode: string, url: string) {
    setMode(mode);
    await request(url).get("/healthz");
    await new Promise((r) => setTimeout(r, 20));
  }

  it("when return_500, then every route including /healthz answers 500 and logs errorType return_500", async () => {
    await inMode("return_500", caller.url);
    const res = await request(caller.url).get("/healthz").set("x-request-id", "fm-500").expect(500);
    expect(res.body).toEqual({ error: "Injected failure", failureMode: "return_500" });
    await request(caller.url).get("/get-cache/x").expect(500);
    expect(caller.logs.find((l) => l.requestId === "fm-500" && l.message === "request")).toMatchObject({
      status: 500,
      errorType: "return_500",
    });
  });

  it("when slow, then requests gain the configured latency", async () => {
    await inMode("slow", caller.url);
    const start = Date.now();
    await request(caller.url).get("/healthz").set("x-request-id", "fm-slow").expect(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
    expect(caller.logs.find((l) => l.requestId === "fm-slow" && l.message === "request")).toMatchObject({
      errorType: "slow",
    });
  });

  it("when cpu_burn, then each request burns CPU on the event loop", async () => {
    await inMode("cpu_burn", caller.url);
    // Wall time, not process.cpuUsage(): on a shared machine the burn loop gets less CPU than it spins.
    let ticks = 0;
    const tick = setInterval(() => ticks++, 10);
    await request(caller.url).get("/healthz").set("x-request-id", "fm-cpu").expect(200);
    clearInterval(tick);
    const line = caller.logs.find((l) => l.requestId === "fm-cpu" && l.message === "request");
    expect(line).toMatchObject({ errorType: "cpu_burn" });
    expect(line!.latencyMs).toBeGreaterThanOrEqual(145);
    // The loop was blocked: a 10 ms timer could not fire 14 times in 150 ms.
    expect(ticks).toBeLessThan(14);
  });

  it("when connection_leak, then /db keeps pool connections until the pool is exhausted and /db fails with 503", async () => {
    await inMode("connection_leak", responder.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(responder.url).get("/db")).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.at(-1)).toBe(503);
    expect(responder.logs.some((l) => l.errorType === "connection_leak" && l.path === "/db")).toBe(true);
  });

  it("when the mode returns to none, then the apps behave normally", async () => {
    await inMode("none", caller.url);
    await request(caller.url).get("/healthz").expect(200);
    await request(caller.url).get("/work?ms=5").expect(200);
  });
});
