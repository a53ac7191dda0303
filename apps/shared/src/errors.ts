import type { ErrorRequestHandler } from "express";
import type { Logger } from "./logger";

/** An error that maps to an HTTP status and a JSON body; `errorType` goes to the logs. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly errorType: string,
  ) {
    super(typeof body.error === "string" ? body.error : `HTTP ${status}`);
  }
}

/** 400 naming the field and what is allowed. */
export class ValidationError extends HttpError {
  constructor(
    readonly field: string,
    readonly detail: string,
    body?: Record<string, unknown>,
  ) {
    super(400, body ?? { error: "Invalid request", field, detail }, "validation");
  }
}

/** A backing service (redis, mysql, responder) failed: 503 so the client may retry elsewhere. */
export class DependencyError extends HttpError {
  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super(503, { error: "Service unavailable", dependency }, `${dependency}_unavailable`);
    this.cause = cause;
  }
}

/** Runs a call to a backing service, turning any failure into a DependencyError. */
export async function dependency<T>(name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof HttpError ? error : new DependencyError(name, error);
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** The one error middleware: logs through winston and answers with a JSON body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const parserError = error as BodyParserError;
    let http: HttpError;
    if (error instanceof HttpError) http = error;
    else if (parserError.type === "entity.too.large") {
      http = new HttpError(413, { error: "Payload too large", limitBytes: parserError.limit }, "payload_too_large");
    } else if (parserError.type === "entity.parse.failed") {
      http = new ValidationError("body", "expected a JSON object", { error: "Invalid JSON body" });
    } else if (parserError.type === "encoding.unsupported" || parserError.type === "charset.unsupported") {
      http = new HttpError(415, { error: "Unsupported encoding" }, "unsupported_encoding");
    } else {
      http = new HttpError(500, { error: "Internal server error" }, "unhandled");
    }
    res.locals.errorType = http.errorType;
    const detail = error instanceof ValidationError ? { field: error.field, detail: error.detail } : {};
    const cause = http instanceof DependencyError ? String((http.cause as Error)?.message ?? http.cause) : undefined;
    if (http.status >= 500) {
      logger.error("request failed", { errorType: http.errorType, error: (error as Error).message, cause, ...detail });
    } else {
      logger.warn("request rejected", { errorType: http.errorType, status: http.status, ...detail });
    }
    if (!res.headersSent) res.status(http.status).json(http.body);
  };
}
