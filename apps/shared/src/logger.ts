import { AsyncLocalStorage } from "node:async_hooks";
import winston from "winston";
import { currentSpanIds } from "./trace-ids";

export type Logger = winston.Logger;

/**
 * Header ECS routes to the green revision during a native blue/green deployment through Service
 * Connect. The caller passes it on, so test traffic that reaches a green caller (the ALB's test
 * listener) also reaches a green responder.
 */
export const BLUE_GREEN_TEST_HEADER = "x-amzn-ecs-blue-green-test";

interface RequestContext {
  readonly requestId: string;
  /** Incoming headers passed on to downstream services unchanged. */
  readonly propagate: Readonly<Record<string, string>>;
}

const context = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with the request id (and headers to pass on) visible to the logger and the HTTP client. */
export function withRequestContext<T>(
  requestId: string,
  fn: () => T,
  propagate: Readonly<Record<string, string>> = {},
): T {
  return context.run({ requestId, propagate }, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

/** Headers of the current request that downstream calls carry (the blue/green test header). */
export function propagatedHeaders(): Readonly<Record<string, string>> {
  return context.getStore()?.propagate ?? {};
}

/** One JSON line per event with timestamp, level, service and (inside a request) requestId. */
export function createLogger(opts: { service: string; level?: string; stream?: NodeJS.WritableStream }): Logger {
  const addRequestId = winston.format((info) => {
    const requestId = currentRequestId();
    if (requestId && info.requestId === undefined) info.requestId = requestId;
    // With tracing on, every line inside a span joins its trace (X-Ray/CloudWatch search by traceId).
    const span = info.traceId === undefined ? currentSpanIds() : undefined;
    if (span) Object.assign(info, span);
    return info;
  });
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: opts.level ?? "info",
    defaultMeta: { service: opts.service },
    format: winston.format.combine(addRequestId(), winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}

/** Resolves when every buffered log line has been written. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.on("finish", () => resolve());
    logger.end();
  });
}
