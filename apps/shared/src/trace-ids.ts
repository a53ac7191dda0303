import { trace } from "@opentelemetry/api";

/**
 * The active span's ids, for log lines; undefined outside a span and whenever tracing is off (the
 * API alone, without the SDK, has no active span, so this costs a lookup and nothing else).
 */
export function currentSpanIds(): { traceId: string; spanId: string } | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined;
}
