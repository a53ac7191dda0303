/**
 * Each app's entry imports this module first, so OpenTelemetry (when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set) patches `require` before express, redis and mysql2 load. With tracing off the SDK is never
 * loaded: the require below is lazy in the esbuild bundle too.
 */
import type { Tracing } from "./tracing";
import { OTEL_ENDPOINT_ENV } from "./tracing-settings";

let tracing: Tracing | undefined;
if (process.env[OTEL_ENDPOINT_ENV]?.trim()) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- conditional load is the point
  const { startTracing } = require("./tracing") as typeof import("./tracing");
  tracing = startTracing({ env: process.env });
}

/** Flushes buffered spans at exit, within `timeoutMs`; a no-op with tracing off. */
export function stopTracing(timeoutMs: number): Promise<void> {
  return tracing ? tracing.shutdown(timeoutMs) : Promise.resolve();
}
