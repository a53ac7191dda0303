import type { IncomingMessage } from "node:http";
import { AlwaysOffSampler, AlwaysOnSampler } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { RequestSampler } from "../../apps/shared/src/tracing";
import { UNSAMPLED_HEADERS } from "../../apps/shared/src/tracing-settings";

const request = (url: string, headers: Record<string, string> = {}) =>
  ({ method: "GET", url, headers: { host: "svc.local", ...headers } }) as unknown as IncomingMessage;
const unsampled = (req: IncomingMessage) =>
  (req as unknown as Record<symbol, { traceparent: string } | undefined>)[UNSAMPLED_HEADERS];

describe("RequestSampler", () => {
  it("when new requests are not sampled, then each passes on a well-formed 'not sampled' traceparent with ids of its own", () => {
    const sampler = new RequestSampler(new AlwaysOffSampler());
    // Enough requests to cross several refills of the id pool.
    const requests = Array.from({ length: 1_000 }, (_, i) => request(`/items/${i}?page=2`));
    expect(requests.map((req) => sampler.traceRequest(req))).toEqual(requests.map(() => false));
    const headers = requests.map((req) => unsampled(req)?.traceparent ?? "");
    expect(headers.filter((h) => !/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/.test(h))).toEqual([]);
    expect(new Set(headers.map((h) => h.slice(3, 35))).size).toBe(1_000);
    expect(new Set(headers.map((h) => h.slice(36, 52))).size).toBe(1_000);
  });

  it("when a request is sampled, then it is traced, carries no 'not sampled' header, and asking again gives the same answer", () => {
    const sampler = new RequestSampler(new AlwaysOnSampler());
    const req = request("/data");
    expect(sampler.traceRequest(req)).toBe(true);
    expect(unsampled(req)).toBeUndefined();
    expect(sampler.traceRequest(req)).toBe(true);
  });

  it("when a request carries a 'not sampled' W3C parent, then it stays untraced and passes on the same trace; invalid ids are no parent", () => {
    const sampler = new RequestSampler(new AlwaysOnSampler());
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const unsampledParent = request("/data", { traceparent: `00-${traceId}-00f067aa0ba902b7-00` });
    expect(sampler.traceRequest(unsampledParent)).toBe(false);
    expect(unsampled(unsampledParent)?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    expect(unsampled(unsampledParent)?.traceparent.slice(36, 52)).not.toBe("00f067aa0ba902b7");
    // All-zero ids make the header invalid (W3C): a new trace, which this sampler records.
    for (const header of [`00-${"0".repeat(32)}-00f067aa0ba902b7-00`, `00-${traceId}-${"0".repeat(16)}-00`]) {
      expect(sampler.traceRequest(request("/data", { traceparent: header })), header).toBe(true);
    }
  });

  it("when a health probe arrives, then it is never traced", () => {
    const sampler = new RequestSampler(new AlwaysOnSampler());
    expect(sampler.traceRequest(request("/healthz"))).toBe(false);
    expect(sampler.traceRequest(request("/readyz"))).toBe(false);
  });

  it("when the inner sampler decides, then it sees the path without its query", () => {
    const paths: unknown[] = [];
    const sampler = new RequestSampler({
      shouldSample: (_c, _t, _n, _k, attributes) => (paths.push(attributes["url.path"]), { decision: 0 }),
      toString: () => "recording",
    });
    sampler.traceRequest(request("/list-keys?cursor=0&count=5"));
    sampler.traceRequest(request("/data"));
    expect(paths).toEqual(["/list-keys", "/data"]);
  });
});
