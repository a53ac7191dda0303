/**
 * The contract between the apps and the collector sidecar the services stack adds (no OpenTelemetry
 * import here, so infrastructure code can read it without loading the SDK).
 */

/** Set on the app container to turn tracing on: the collector's OTLP/HTTP base URL. */
export const OTEL_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT";
/** Set on the app container: the service name X-Ray shows (falls back to SERVICE_NAME). */
export const OTEL_SERVICE_NAME_ENV = "OTEL_SERVICE_NAME";
/** The collector's OTLP/HTTP receiver port (the OTLP default); the apps never use gRPC (4317). */
export const OTLP_HTTP_PORT = 4318;
/** What the app container's OTEL_EXPORTER_OTLP_ENDPOINT is in a task (awsvpc: the sidecar is on localhost). */
export const OTLP_SIDECAR_ENDPOINT = `http://127.0.0.1:${OTLP_HTTP_PORT}`;
/** Fixed-ratio sampling (0..1): locally, and whenever X-Ray sampling rules cannot be had. */
export const TRACES_SAMPLE_RATIO_ENV = "TRACES_SAMPLE_RATIO";
/** Set on the app container to sample by X-Ray rules: the collector's awsproxy extension. */
export const XRAY_SAMPLING_ENDPOINT_ENV = "XRAY_SAMPLING_ENDPOINT";
/**
 * Set by tracing on an incoming request it does not trace: headers its downstream calls carry, so
 * the next service skips it as well (a W3C traceparent whose sampled flag is off).
 */
export const UNSAMPLED_HEADERS: unique symbol = Symbol.for("fargate-connect.unsampled-headers");
/** Set by tracing on every incoming request it has decided on: true when the request is traced. */
export const TRACED: unique symbol = Symbol.for("fargate-connect.traced");

/** The instrumentation scope of the server spans the apps make for traced requests. */
export const SERVER_SPAN_SCOPE = "fargate-connect/http-server";
/** The instrumentation scope of the spans of the apps' calls to other services. */
export const CLIENT_SPAN_SCOPE = "fargate-connect/http-client";

/** The span of one call to another service: ended with the answer's status, or the error. */
export interface CallSpan {
  end(status?: number, error?: Error): void;
}
type CallTracer = (method: string, url: string, headers: Record<string, string | number>) => CallSpan | undefined;
const CALL_TRACER: unique symbol = Symbol.for("fargate-connect.call-tracer");

/**
 * Starts the span of a call made inside a traced request and adds its trace headers to `headers`;
 * undefined (nothing done) outside one, or while tracing is off.
 */
export function traceCall(method: string, url: string, headers: Record<string, string | number>): CallSpan | undefined {
  const tracer = (globalThis as Record<symbol, CallTracer | undefined>)[CALL_TRACER];
  return tracer ? tracer(method, url, headers) : undefined;
}

/** Installed by tracing at start (a global, so every copy of this module sees it). */
export function setCallTracer(tracer: CallTracer): void {
  (globalThis as Record<symbol, CallTracer | undefined>)[CALL_TRACER] = tracer;
}

const BINDER: unique symbol = Symbol.for("fargate-connect.trace-binder");
type Binder = <F extends (...args: never[]) => unknown>(fn: F) => F;

/**
 * `fn` bound to the current request's trace, for a callback that runs from a socket event (the end of
 * a request body) rather than from the request's own promise chain; `fn` itself while tracing is off.
 */
export function bindToTrace<F extends (...args: never[]) => unknown>(fn: F): F {
  const bind = (globalThis as Record<symbol, Binder | undefined>)[BINDER];
  return bind ? bind(fn) : fn;
}

/** Installed by tracing at start (a global, so every copy of this module sees it). */
export function setTraceBinder(bind: Binder): void {
  (globalThis as Record<symbol, Binder | undefined>)[BINDER] = bind;
}
