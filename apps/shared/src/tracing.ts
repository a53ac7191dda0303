import { CompositePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { RedisInstrumentation } from "@opentelemetry/instrumentation-redis";
import { AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray";
import { envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { AWSXRayRemoteSampler } from "@opentelemetry/sampler-aws-xray";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { baseConfigShape } from "./config";
import {
  OTEL_ENDPOINT_ENV,
  OTEL_SERVICE_NAME_ENV,
  TRACES_SAMPLE_RATIO_ENV,
  XRAY_SAMPLING_ENDPOINT_ENV,
} from "./tracing-settings";

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
  if (!settings.xrayEndpoint) return new ParentBasedSampler({ root: ratio });
  const remote = new AWSXRayRemoteSampler({
    resource: resourceFromAttributes({ "service.name": settings.serviceName }),
    endpoint: settings.xrayEndpoint.replace(/\/+$/, ""),
    pollingInterval: settings.rulesPollSec ?? 300,
  });
  // The package falls back to a fixed 1 request/s + 5 % of its own with no option to change it;
  // the fallback here is TRACES_SAMPLE_RATIO, as everywhere else. Pinned version (0.3.0), checked
  // by the tracing tests: should the field move, the package's own fallback stays in force.
  const inner = (remote as unknown as { internalXraySampler?: { fallbackSampler?: Sampler } }).internalXraySampler;
  if (inner && "fallbackSampler" in inner) inner.fallbackSampler = ratio;
  return remote;
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
  const sdk = new NodeSDK({
    serviceName: serviceName(opts.env),
    sampler: opts.sampler ?? createSampler(samplerSettings(opts.env)),
    resourceDetectors: [envDetector],
    idGenerator: new AWSXRayIdGenerator(),
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()],
    }),
    instrumentations: [
      new HttpInstrumentation({
        // Health probes every few seconds per target would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => req.url === "/healthz" || req.url === "/readyz",
      }),
      // Route handlers only: a span per middleware (JSON parser, logging, ...) is noise in X-Ray.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      new RedisInstrumentation(),
      new MySQL2Instrumentation(),
    ],
    ...(opts.spanProcessors
      ? { spanProcessors: opts.spanProcessors }
      : { traceExporter: new OTLPTraceExporter(exporterOptions) }),
    // Traces only: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  active = {
    shutdown: (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      return Promise.race([sdk.shutdown().catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
    },
  };
  return active;
}
