import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from "@opentelemetry/api";
import { SamplingDecision, type Sampler } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import type { IncomingMessage } from "node:http";
import { batchSettings, createSampler, RequestSampler, samplerSettings } from "../../apps/shared/src/tracing";
import { eventually } from "./harness";

const traceIds = Array.from({ length: 200 }, () => randomBytes(16).toString("hex"));

/** How many of 200 new root traces the sampler records. */
function sampled(sampler: Sampler): number {
  return traceIds.filter(
    (id) =>
      sampler.shouldSample(ROOT_CONTEXT, id, "GET", SpanKind.SERVER, {}, []).decision ===
      SamplingDecision.RECORD_AND_SAMPLED,
  ).length;
}

/** One X-Ray sampling rule as GetSamplingRules returns it. */
const rule = (
  RuleName: string,
  ServiceName: string,
  Priority: number,
  FixedRate: number,
  ReservoirSize: number,
  URLPath = "*",
) => ({
  SamplingRule: {
    RuleName,
    ServiceName,
    Priority,
    FixedRate,
    ReservoirSize,
    ServiceType: "*",
    Host: "*",
    HTTPMethod: "*",
    URLPath,
    ResourceARN: "*",
    Version: 1,
  },
});

describe("trace sampling", () => {
  it("when no X-Ray endpoint is set, then TRACES_SAMPLE_RATIO decides (default 0.05), and a caller's decision is kept", () => {
    expect(samplerSettings({ SERVICE_NAME: "caller" })).toEqual({
      serviceName: "caller",
      ratio: 0.05,
      xrayEndpoint: undefined,
    });
    expect(sampled(createSampler({ serviceName: "s", ratio: 1 }))).toBe(200);
    expect(sampled(createSampler({ serviceName: "s", ratio: 0 }))).toBe(0);
    const half = sampled(createSampler({ serviceName: "s", ratio: 0.5 }));
    expect(half).toBeGreaterThan(40);
    expect(half).toBeLessThan(160);
    // Parent based: a sampled parent's trace is recorded whatever the ratio.
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: traceIds[0]!,
      spanId: "b".repeat(16),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const child = createSampler({ serviceName: "s", ratio: 0 }).shouldSample(
      parent,
      traceIds[0]!,
      "GET",
      SpanKind.SERVER,
      {},
      [],
    );
    expect(child.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it("when the X-Ray endpoint gives no rules (unreachable), then the fallback is TRACES_SAMPLE_RATIO, not the package's 1/s + 5 %", () => {
    const none = createSampler({ serviceName: "s", ratio: 0, xrayEndpoint: "http://127.0.0.1:1" });
    const all = createSampler({ serviceName: "s", ratio: 1, xrayEndpoint: "http://127.0.0.1:1" });
    try {
      // The package's own fallback would sample the first request of each second (its reservoir).
      expect(sampled(none)).toBe(0);
      expect(sampled(all)).toBe(200);
    } finally {
      for (const s of [none, all]) (s as unknown as { stopPollers(): void }).stopPollers();
    }
  });

  it("when the awsproxy serves rules, then the service's rule decides: its reservoir, then its fixed rate", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.end(
          JSON.stringify(
            req.url === "/GetSamplingRules"
              ? {
                  SamplingRuleRecords: [
                    rule("caller", "caller", 1, 0, 1),
                    // A rule that looks at the request, ahead of its service's rule.
                    rule("admin", "api", 2, 1, 0, "/admin/*"),
                    rule("api", "api", 3, 0, 0),
                    rule("Default", "*", 10_000, 1, 1),
                  ],
                }
              : { SamplingTargetDocuments: [], LastRuleModification: 0, UnprocessedStatistics: [] },
          ),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const caller = createSampler({ serviceName: "caller", ratio: 1, xrayEndpoint: endpoint });
    const other = createSampler({ serviceName: "other", ratio: 0, xrayEndpoint: endpoint });
    const api = createSampler({ serviceName: "api", ratio: 0.5, xrayEndpoint: endpoint });
    try {
      // Rules arrive asynchronously; until then the ratio (1 for caller) decides.
      await eventually(() => sampled(other) === 200, 5_000);
      // The caller's rule: reservoir 1 per second (borrowed before the first target poll), rate 0.
      expect(sampled(caller)).toBeLessThanOrEqual(1);
      // New requests as the server sees them: the caller's rule (the first it matches, and no rule
      // before it looks at the request) holds for every path; the api's depend on the path.
      const requests = (sampler: Sampler, path: string) => {
        const requestSampler = new RequestSampler(sampler);
        return Array.from({ length: 50 }, () =>
          requestSampler.traceRequest({
            method: "GET",
            url: `${path}?page=1`,
            headers: { host: "svc.local" },
          } as unknown as IncomingMessage),
        ).filter(Boolean).length;
      };
      await eventually(() => requests(api, "/items") === 0, 5_000);
      expect({
        callerItems: requests(caller, "/items"),
        callerAdmin: requests(caller, "/admin/users"),
        apiAdmin: requests(api, "/admin/users"),
        apiItems: requests(api, "/items"),
        apiAdminRoot: requests(api, "/admin"),
      }).toEqual({
        // At most the reservoir's one request per second.
        callerItems: expect.toBeOneOf([0, 1]),
        callerAdmin: expect.toBeOneOf([0, 1]),
        apiAdmin: 50,
        apiItems: 0,
        apiAdminRoot: 0,
      });
    } finally {
      for (const s of [caller, other, api]) (s as unknown as { stopPollers(): void }).stopPollers();
      server.closeAllConnections();
      server.close();
    }
  });

  it("when spans are batched for export, then they wait at most 100 ms in batches of 64, unless the OpenTelemetry variables say otherwise", () => {
    expect(batchSettings({})).toEqual({ scheduledDelayMillis: 100, maxExportBatchSize: 64 });
    expect(batchSettings({ OTEL_BSP_SCHEDULE_DELAY: "1000", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: " 512 " })).toEqual({
      scheduledDelayMillis: 1000,
      maxExportBatchSize: 512,
    });
    for (const bad of ["", "0", "-5", "1.5", "soon"]) {
      expect(batchSettings({ OTEL_BSP_SCHEDULE_DELAY: bad, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: bad }), bad).toEqual({
        scheduledDelayMillis: 100,
        maxExportBatchSize: 64,
      });
    }
  });
});
