import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeRequire } from "./tracing-native";

type Harness = typeof import("./harness");
type Api = typeof import("@opentelemetry/api");
type TracingModule = typeof import("../../apps/shared/src/tracing");

// The same start-up path as the apps' entries, with OTEL_EXPORTER_OTLP_ENDPOINT unset.
delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
const load = nativeRequire();
load("../../apps/shared/src/start-tracing.ts");
const h = load<Harness>("./harness.ts");
const api = load<Api>("@opentelemetry/api");

let caller: Awaited<ReturnType<Harness["startTestCaller"]>>;

beforeAll(async () => {
  caller = await h.startTestCaller({ REDIS_KEY_PREFIX: h.uniquePrefix(), RESPONDER_URL: "http://127.0.0.1:1" });
  await h.eventually(() => caller.deps.redis.isReady);
});

afterAll(async () => {
  await caller.shutdown("test done");
});

describe("tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  it("when the apps serve requests, then no SDK or exporter is loaded, nothing is patched, and logs carry no trace ids", async () => {
    expect((await fetch(`${caller.url}/`)).status).toBe(200);
    const loaded = Object.keys(require.cache).filter((f) =>
      /@opentelemetry[\\/](sdk-node|exporter-trace-otlp-\w+|instrumentation-\w+)[\\/]/.test(f),
    );
    expect(loaded).toEqual([]);
    // An instrumented http.request is a shimmer wrapper with __wrapped set.
    expect((httpRequest as unknown as { __wrapped?: boolean }).__wrapped).toBeUndefined();
    const span = api.trace.getTracer("probe").startSpan("probe");
    expect(span.isRecording()).toBe(false);
    span.end();
    const line = caller.logs.find((l) => l.message === "request" && l.path === "/")!;
    expect(line.requestId).toBeDefined();
    expect(line).not.toHaveProperty("traceId");
    expect(line).not.toHaveProperty("spanId");
  });

  // Last: it loads the SDK module, which the test above checks was never loaded.
  it("when the endpoint is unset, then startTracing starts nothing", () => {
    const { startTracing } = load<TracingModule>("../../apps/shared/src/tracing.ts");
    expect(startTracing({ env: { SERVICE_NAME: "x", OTEL_EXPORTER_OTLP_ENDPOINT: "  " } })).toBeUndefined();
  });
});
