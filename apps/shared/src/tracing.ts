import { CompositePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { RedisInstrumentation } from "@opentelemetry/instrumentation-redis";
import { AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray";
import { envDetector } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import { OTEL_ENDPOINT_ENV, OTEL_SERVICE_NAME_ENV } from "./tracing-settings";

export interface TracingOptions {
  /** Reads OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME (else SERVICE_NAME). */
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
}

export interface Tracing {
  /** Flushes buffered spans and stops the SDK; never rejects, gives up after `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

let active: Tracing | undefined;

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
    serviceName: opts.env[OTEL_SERVICE_NAME_ENV] || opts.env.SERVICE_NAME || "service",
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
