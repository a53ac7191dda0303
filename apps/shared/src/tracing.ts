import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  context as otelContext,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
} from "@opentelemetry/api";
import { CompositePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { RedisInstrumentation } from "@opentelemetry/instrumentation-redis";
import { AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray";
import { envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { AWSXRayRemoteSampler } from "@opentelemetry/sampler-aws-xray";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { baseConfigShape } from "./config";
import { parseInteger } from "./integer";
import {
  OTEL_ENDPOINT_ENV,
  OTEL_SERVICE_NAME_ENV,
  CLIENT_SPAN_SCOPE,
  SERVER_SPAN_SCOPE,
  setCallTracer,
  setTraceBinder,
  TRACED,
  TRACES_SAMPLE_RATIO_ENV,
  UNSAMPLED_HEADERS,
  XRAY_SAMPLING_ENDPOINT_ENV,
} from "./tracing-settings";
import { SamplingClientWithDeadline } from "./xray-sampling-client";

export interface TracingOptions {
  /**
   * Reads OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME (else SERVICE_NAME), TRACES_SAMPLE_RATIO and
   * XRAY_SAMPLING_ENDPOINT.
   */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Where spans go instead of the OTLP exporter (tests: an in-memory exporter).
   * @default - a batch processor exporting OTLP/HTTP to `${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`
   */
  readonly spanProcessors?: SpanProcessor[];
  /**
   * Deadline of one OTLP export; a dead collector costs at most this, off the request path.
   * @default 5000
   */
  readonly exportTimeoutMs?: number;
  /** @default - createSampler(samplerSettings(env)) */
  readonly sampler?: Sampler;
}

export interface Tracing {
  /** Flushes buffered spans and stops the SDK; never rejects, gives up after `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

let active: Tracing | undefined;

export interface SamplerSettings {
  /** The service name sampling rules match (X-Ray rule `service_name`). */
  readonly serviceName: string;
  /** Share of new traces sampled when no X-Ray rule applies (no endpoint, or no rules yet). */
  readonly ratio: number;
  /** The collector's awsproxy; unset: the ratio alone. */
  readonly xrayEndpoint?: string;
  /** How often the rules are read again, seconds. @default 300 */
  readonly rulesPollSec?: number;
}

/**
 * Which new traces to record; a request that comes with a sampling decision keeps it (parent
 * based), so a trace is whole or absent across services. With an X-Ray endpoint, the sampling
 * rules of the account decide (reservoir per second plus a fixed rate, polled from the collector's
 * awsproxy); until rules arrive, or when they have expired, the fixed ratio decides.
 */
export function createSampler(settings: SamplerSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.ratio);
  if (!settings.xrayEndpoint) return withRootSampler(new ParentBasedSampler({ root: ratio }), ratio);
  const endpoint = settings.xrayEndpoint.replace(/\/+$/, "");
  const remote = new AWSXRayRemoteSampler({
    resource: resourceFromAttributes({ "service.name": settings.serviceName }),
    endpoint,
    pollingInterval: settings.rulesPollSec ?? 300,
  });
  // The package falls back to a fixed 1 request/s + 5 % of its own with no option to change it;
  // the fallback here is TRACES_SAMPLE_RATIO, as everywhere else. Pinned version (0.3.0), checked
  // by the tracing tests: should the field move, the package's own fallback stays in force.
  const inner = (remote as unknown as { internalXraySampler?: XraySamplerInternals }).internalXraySampler;
  if (inner && "fallbackSampler" in inner) inner.fallbackSampler = ratio;
  // Every later poll goes through a client with a deadline (the first rules request, made as the
  // sampler was constructed, is the package's own).
  if (inner && "samplingClient" in inner)
    inner.samplingClient = new SamplingClientWithDeadline(endpoint, SAMPLING_CALL_TIMEOUT_MS);
  if (inner?.ruleCache) memoizeRuleMatching(inner.ruleCache);
  return inner?.shouldSample ? withRootSampler(remote, inner as Sampler) : remote;
}

/** The deadline of one call to the awsproxy: a sidecar on localhost answers in milliseconds. */
const SAMPLING_CALL_TIMEOUT_MS = 2_000;

/**
 * Where a sampler made by createSampler sends traces that have no parent: the sampler behind its
 * parent-based wrapper. RequestSampler asks it directly for a new request (which has no parent by
 * then), skipping the wrappers' calls and context lookups on every request.
 */
const ROOT_SAMPLER: unique symbol = Symbol("root sampler");
type WithRoot = Sampler & { [ROOT_SAMPLER]?: Sampler };

function withRootSampler(sampler: Sampler, root: Sampler): Sampler {
  (sampler as WithRoot)[ROOT_SAMPLER] = root;
  return sampler;
}

/** The parts of sampler-aws-xray 0.3.0's internal sampler the adjustments above touch. */
interface XraySamplerInternals {
  fallbackSampler?: Sampler;
  samplingClient?: unknown;
  shouldSample?: Sampler["shouldSample"];
  ruleCache?: {
    ruleAppliers: RuleApplier[];
    samplerResource?: unknown;
    getMatchedRule(attributes: Attributes): unknown;
  };
}
interface RuleApplier {
  samplingRule: { RuleName: string; Host: string; HTTPMethod: string; URLPath: string; Attributes?: object };
  matches(attributes: Attributes, resource: unknown): boolean;
}

/**
 * The package finds a request's rule by building regular expressions from the rules' patterns on
 * every call (microseconds per rule, for every request). Which rule matches depends only on the
 * attributes passed (method, host, path) and the rule set. When no rule ahead of the match looks at
 * the request (host, method and path "*", no attributes: one rule per service, as the services stack
 * writes them), every request gets the same rule, found once per rule set. Otherwise the index of the
 * match is remembered per attribute combination until the rules change. The rule object itself is
 * read each time, as the package swaps it when X-Ray sends new reservoir targets.
 */
function memoizeRuleMatching(cache: NonNullable<XraySamplerInternals["ruleCache"]>): void {
  const match = cache.getMatchedRule.bind(cache);
  let rules: RuleApplier[] | undefined;
  let everyRequest = -1;
  const indexes = new Map<string, number>();
  cache.getMatchedRule = (attributes: Attributes) => {
    if (cache.ruleAppliers !== rules) {
      rules = cache.ruleAppliers;
      indexes.clear();
      everyRequest = ruleForEveryRequest(rules, cache.samplerResource);
    }
    if (everyRequest >= 0) return rules[everyRequest];
    const key = `${attributes["http.request.method"]} ${attributes["server.address"]} ${attributes["url.path"]}`;
    let index = indexes.get(key);
    if (index === undefined) {
      index = rules.indexOf(match(attributes) as RuleApplier);
      if (indexes.size >= 1_000) indexes.clear();
      indexes.set(key, index);
    }
    return index >= 0 ? rules[index] : undefined;
  };
}

/**
 * The index of the rule that every request of this service matches, or -1 when that depends on the
 * request: the first rule (in the package's priority order) that matches this service, provided no
 * rule before it looks at the request.
 */
function ruleForEveryRequest(rules: readonly RuleApplier[], resource: unknown): number {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!.samplingRule;
    const looksAtRequest =
      rule.Host !== "*" ||
      rule.HTTPMethod !== "*" ||
      rule.URLPath !== "*" ||
      Object.keys(rule.Attributes ?? {}).length > 0;
    if (looksAtRequest) return -1;
    if (rules[i]!.matches({}, resource) || rule.RuleName === "Default") return i;
  }
  return -1;
}

/** Sampling settings from the environment; invalid values fall back (the app's config check then fails start-up). */
export function samplerSettings(env: NodeJS.ProcessEnv): SamplerSettings {
  const ratio = baseConfigShape.TRACES_SAMPLE_RATIO.safeParse(env[TRACES_SAMPLE_RATIO_ENV]);
  const endpoint = baseConfigShape.XRAY_SAMPLING_ENDPOINT.safeParse(
    env[XRAY_SAMPLING_ENDPOINT_ENV]?.trim() || undefined,
  );
  return {
    serviceName: serviceName(env),
    ratio: ratio.success ? ratio.data : baseConfigShape.TRACES_SAMPLE_RATIO.parse(undefined),
    xrayEndpoint: endpoint.success ? endpoint.data : undefined,
  };
}

const HEALTH = new Set(["/healthz", "/readyz"]);
/**
 * A W3C traceparent of version 00 whose sampled flag is off, with valid (not all-zero) ids; anything
 * else goes through the propagators.
 */
const UNSAMPLED_PARENT = /^00-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-00$/;
/** AWSXRayPropagator's header, as Node lower-cases it. */
const XRAY_HEADER = "x-amzn-trace-id";
/**
 * Random hex for trace ids (32 characters) and span ids (16), sliced from a pool that one call
 * to the CSPRNG refills 4 KiB at a time: ids must be unique and evenly spread for ratio sampling,
 * and a call or a string built per request costs more than the rest of the decision. A slice of
 * the pool shares its memory; the pool is replaced, never overwritten.
 */
let hexPool = "";
let hexUsed = 0;
function randomHex(chars: number): string {
  if (hexUsed + chars > hexPool.length) {
    hexPool = randomBytes(4_096).toString("hex");
    hexUsed = 0;
  }
  hexUsed += chars;
  return hexPool.slice(hexUsed - chars, hexUsed);
}

/**
 * The client behind the load balancer: the first address of X-Forwarded-For, which the ALB appends
 * to (semantic conventions: `client.address` is the client behind any intermediaries). The socket's
 * peer is the ALB itself, and reading it would also cache it on the socket: a keep-alive connection
 * that once carried a traced request would change shape for every request after it.
 */
function forwardedClient(header: string | string[] | undefined): string | undefined {
  if (typeof header !== "string") return undefined;
  const comma = header.indexOf(",");
  return (comma < 0 ? header : header.slice(0, comma)).trim() || undefined;
}

/** The path of a request target, without its query. */
const pathOf = (url: string) => {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
};

/**
 * Decides whether an incoming request is traced before any instrumentation touches it, so a request
 * that is not (95 % of them at the X-Ray default) costs next to nothing: it runs with tracing
 * suppressed (no span objects, no context per Redis command) instead of through non-recording spans.
 * A request that comes with a decision (W3C `traceparent` or `X-Amzn-Trace-Id` with a Sampled flag)
 * keeps it; otherwise the sampler decides, once: the root span the instrumentation then starts gets
 * that same decision back, so X-Ray's reservoir and statistics count each request once.
 */
export class RequestSampler implements Sampler {
  private pending?: SamplingResult;
  /** What decides a trace that has no parent. */
  private readonly root: Sampler;

  constructor(private readonly inner: Sampler) {
    this.root = (inner as WithRoot)[ROOT_SAMPLER] ?? inner;
  }

  /**
   * True to trace `req`; false suppresses tracing for it (and marks its calls downstream "not
   * sampled"). Decided once per request: asking again returns the same answer.
   */
  traceRequest(req: IncomingMessage): boolean {
    const decided = (req as unknown as Record<symbol, boolean | undefined>)[TRACED];
    if (decided !== undefined) return decided;
    // Both marks on every request, in one order: requests keep a single shape, traced or not.
    (req as unknown as Record<symbol, unknown>)[UNSAMPLED_HEADERS] = undefined;
    const traced = this.decide(req);
    (req as unknown as Record<symbol, boolean>)[TRACED] = traced;
    return traced;
  }

  private decide(req: IncomingMessage): boolean {
    this.pending = undefined;
    if (HEALTH.has(req.url ?? "")) return false;
    // Most requests at the edge carry no trace header: no propagator needs to look.
    const headers = req.headers;
    // Behind a service that traces, most requests carry the "not sampled" parent that service sent
    // (see markUnsampled): read without the propagators, which build contexts to say the same.
    const traceparent = headers.traceparent;
    if (typeof traceparent === "string" && headers[XRAY_HEADER] === undefined && UNSAMPLED_PARENT.test(traceparent)) {
      markUnsampled(req, traceparent.slice(3, 35), randomHex(16));
      return false;
    }
    const parent =
      traceparent === undefined && headers[XRAY_HEADER] === undefined
        ? undefined
        : trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers));
    if (parent && isSpanContextValid(parent)) {
      const sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
      if (!sampled) markUnsampled(req, parent.traceId, randomHex(16));
      return sampled;
    }
    const traceId = randomHex(32);
    const result = this.root.shouldSample(
      ROOT_CONTEXT,
      traceId,
      req.method ?? "GET",
      SpanKind.SERVER,
      { "http.request.method": req.method, "url.path": pathOf(req.url ?? ""), "server.address": headers.host },
      [],
    );
    if (result.decision === SamplingDecision.RECORD_AND_SAMPLED) {
      this.pending = result;
      return true;
    }
    markUnsampled(req, traceId, randomHex(16));
    return false;
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const pending = this.pending;
    // The server span of the request traceRequest just let through: the decision already made.
    if (pending && spanKind === SpanKind.SERVER && !trace.getSpanContext(context)) {
      this.pending = undefined;
      return pending;
    }
    return this.inner.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `RequestSampler{${this.inner.toString()}}`;
  }
}

/**
 * Server spans, made here rather than by OpenTelemetry's HTTP instrumentation, which binds every
 * traced request's and response's event emitters to its context: methods added to those objects, so
 * with one request in twenty traced, Node's and Express's code sees two shapes of request and
 * response and slows for all of them. An untraced request (health probes too) goes straight to the
 * server's own `emit`; a traced one runs inside its server span. Context reaches the route through
 * the request's promise chain (AsyncContextFrame), and past a request body through bindToTrace (see
 * http-app).
 */
function serverSpans(sampler: RequestSampler): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded (and patched) only now
  const http = require("node:http") as typeof import("node:http");
  type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
  const proto = http.Server.prototype as unknown as { emit: Emit & { __original?: Emit } };
  const plain = proto.emit.__original ?? proto.emit;
  const tracer = trace.getTracer(SERVER_SPAN_SCOPE);
  // Every event of every server passes here: no rest-argument array per call.
  proto.emit = function emit(this: unknown, event: string | symbol, req?: unknown, res?: unknown): boolean {
    if (event !== "request") {
      // eslint-disable-next-line prefer-rest-params -- all of them, whatever the event
      return Reflect.apply(plain, this, arguments) as boolean;
    }
    // 'request' always comes with exactly these two: no arguments object for it.
    if (!sampler.traceRequest(req as IncomingMessage)) return plain.call(this, event, req, res);
    const request = req as IncomingMessage;
    const response = res as ServerResponse;
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const method = request.method ?? "GET";
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": method,
          "url.path": pathOf(request.url ?? ""),
          "url.scheme": "http",
          "server.address": request.headers.host,
          "client.address": forwardedClient(request.headers["x-forwarded-for"]),
          "user_agent.original": request.headers["user-agent"],
        },
      },
      parent,
    );
    // 'close' follows every response, answered or cut off.
    response.once("close", () => {
      const route = (request as { route?: { path?: unknown } }).route?.path;
      if (typeof route === "string") {
        span.setAttribute("http.route", route);
        span.updateName(`${method} ${route}`);
      }
      span.setAttribute("http.response.status_code", response.statusCode);
      if (!response.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: "response not finished" });
      else if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    return otelContext.with(trace.setSpan(parent, span), () => plain.call(this, event, req, res));
  };
  setTraceBinder((fn) => {
    const active = otelContext.active();
    return active === ROOT_CONTEXT ? fn : otelContext.bind(active, fn);
  });
}

/**
 * Spans of the calls `ServiceClient` makes inside a traced request, with the trace headers (W3C and
 * X-Ray) added to the call. Made there rather than by patching `http.request`: the HTTP
 * instrumentation binds each traced answer's emitter, which gives those answers a shape of their own
 * (see serverSpans), and would also wrap the exporter's and the sampler's own calls.
 */
function clientSpans(): void {
  const tracer = trace.getTracer(CLIENT_SPAN_SCOPE);
  setCallTracer((method, url, headers) => {
    const active = otelContext.active();
    if (!trace.getSpan(active)?.isRecording()) return undefined;
    const span = tracer.startSpan(
      method,
      { kind: SpanKind.CLIENT, attributes: { "http.request.method": method, "url.full": url } },
      active,
    );
    propagation.inject(trace.setSpan(active, span), headers);
    return {
      end(status, error) {
        if (status !== undefined) span.setAttribute("http.response.status_code", status);
        if (error) {
          span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        } else if (status === undefined || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  });
}

/** What calls made for an untraced request carry: a W3C parent that says "not sampled". */
function markUnsampled(req: IncomingMessage, traceId: string, spanId: string): void {
  (req as unknown as Record<symbol, Record<string, string>>)[UNSAMPLED_HEADERS] = {
    traceparent: `00-${traceId}-${spanId}-00`,
  };
}

/**
 * How long finished spans wait for their export, and how many go in one: by default at most 100 ms and
 * 64 spans, not the SDK's 5 s and 512. A span held for seconds outlives several young-generation GCs
 * and is promoted with its attributes, which then cost full GCs: with one request in twenty traced,
 * the SDK's defaults promoted 43 KB per scavenge, these 8.5 KB. The collector is a sidecar on
 * localhost, so more and smaller exports cost little. The OpenTelemetry variables still set both.
 */
export function batchSettings(env: NodeJS.ProcessEnv): { scheduledDelayMillis: number; maxExportBatchSize: number } {
  return {
    scheduledDelayMillis: positiveInteger(env, "OTEL_BSP_SCHEDULE_DELAY") ?? 100,
    maxExportBatchSize: positiveInteger(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE") ?? 64,
  };
}

/** A whole number above zero from the environment; unset or anything else: undefined (the default). */
function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = parseInteger(env[name]?.trim());
  return value !== undefined && value > 0 ? value : undefined;
}

function serviceName(env: NodeJS.ProcessEnv): string {
  return env[OTEL_SERVICE_NAME_ENV] || env.SERVICE_NAME || "service";
}

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set (or span processors are injected), and
 * only then: otherwise nothing is loaded into the request path. Must run before express, redis and
 * mysql2 are first required, because the instrumentations patch them as `require` loads them.
 * X-Ray settings: X-Ray trace ids (time-prefixed) and both the W3C and the X-Ray header.
 */
export function startTracing(opts: TracingOptions): Tracing | undefined {
  if (active) return active;
  const endpoint = opts.env[OTEL_ENDPOINT_ENV]?.trim();
  if (!endpoint && !opts.spanProcessors) return undefined;
  const exporterOptions = {
    url: `${endpoint?.replace(/\/+$/, "")}/v1/traces`,
    timeoutMillis: opts.exportTimeoutMs ?? 5_000,
  };
  const sampler = new RequestSampler(opts.sampler ?? createSampler(samplerSettings(opts.env)));
  const sdk = new NodeSDK({
    serviceName: serviceName(opts.env),
    sampler,
    resourceDetectors: [envDetector],
    idGenerator: new AWSXRayIdGenerator(),
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()],
    }),
    // Spans only inside a traced request: health probes (every few seconds per target) and
    // untraced requests are skipped whole, and background calls (SSM reads) start no traces.
    // No Express instrumentation: a span per route handler costs every request and adds nothing
    // X-Ray needs; the server span is named after the matched route instead.
    instrumentations: [new RedisInstrumentation({ requireParentSpan: true }), new MySQL2Instrumentation()],
    ...(opts.spanProcessors
      ? { spanProcessors: opts.spanProcessors }
      : {
          spanProcessors: [
            new BatchSpanProcessor({ exporter: new OTLPTraceExporter(exporterOptions), ...batchSettings(opts.env) }),
          ],
        }),
    // Traces only: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  serverSpans(sampler);
  clientSpans();
  active = {
    shutdown: (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      return Promise.race([sdk.shutdown().catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
    },
  };
  return active;
}
