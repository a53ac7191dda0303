import { AsyncLocalStorage } from "node:async_hooks";
import winston from "winston";
import { currentSpanIds } from "./trace-ids";

export type Logger = winston.Logger;

interface RequestContext {
  readonly requestId: string;
}

const context = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with the request id visible to the logger and the HTTP client. */
export function withRequestContext<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
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
