import type { ErrorRequestHandler, RequestHandler } from "express";

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
    this.message = `${dependency}: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
}

/** Runs a call to a backing service, turning any failure into a DependencyError. */
export async function dependency<T>(name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // A request whose client left is not a dependency failure: keep it recognisable (499 in the log).
    const callerGone = error instanceof Error && error.name === "CallerGoneError";
    throw error instanceof HttpError || callerGone ? error : new DependencyError(name, error);
  }
}

/** The body parser's error type for a body that is not valid UTF-8 (see http-app). */
export const INVALID_UTF8 = "entity.invalid_utf8";

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** What the request's one log line says about its error (see http-app's request logging). */
export interface ErrorLogFields {
  errorType: string;
  field?: string;
  detail?: string;
  error?: string;
  cause?: string;
  stack?: string;
}

/** Maps any thrown value to the HttpError the client sees. */
export function toHttpError(error: unknown): HttpError {
  const parserError = error as BodyParserError;
  if (error instanceof HttpError) return error;
  if (error instanceof Error && error.name === "CallerGoneError") {
    // Nobody reads this answer; 499 (client closed request) keeps it apart in the logs.
    return new HttpError(499, { error: "Client closed request" }, "client_gone");
  }
  if (error instanceof URIError && parserError.status === 400) {
    return new ValidationError("path", "expected a valid percent-encoded URL path");
  }
  switch (parserError.type) {
    case "entity.too.large":
      return new HttpError(413, { error: "Payload too large", limitBytes: parserError.limit }, "payload_too_large");
    case "entity.parse.failed":
      return new ValidationError("body", "expected a JSON object", { error: "Invalid JSON body" });
    case INVALID_UTF8:
      return new ValidationError("body", "expected UTF-8 text; the body has bytes that are not valid UTF-8", {
        error: "Invalid UTF-8 in body",
        field: "body",
      });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpError(415, { error: "Unsupported encoding" }, "unsupported_encoding");
  }
  return new HttpError(500, { error: "Internal server error" }, "unhandled");
}

/**
 * The one error middleware: answers with a JSON body and hands the details (field, cause, and
 * the stack of every 5xx) to the request's log line, so each request still logs exactly one line.
 */
export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const http = toHttpError(error);
    const fields: ErrorLogFields = { errorType: http.errorType };
    if (error instanceof ValidationError) Object.assign(fields, { field: error.field, detail: error.detail });
    if (http.status >= 500) {
      const err = error as Error;
      fields.error = err.message;
      fields.stack = err.stack;
      if (http instanceof DependencyError) {
        const cause = http.cause as Error | undefined;
        fields.cause = String(cause?.message ?? cause);
      }
    }
    res.locals.errorType = http.errorType;
    res.locals.errorLog = fields;
    if (!res.headersSent && !res.writableEnded) {
      res.status(http.status).json(http.body);
    }
  };
}

/** A route handler for the methods a known path does not serve: 405 with `Allow`. */
export function methodNotAllowed(...methods: string[]): RequestHandler {
  // Express answers HEAD wherever GET is served.
  const allow = methods.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])).join(", ");
  return (_req, res) => {
    res.setHeader("allow", allow);
    throw new HttpError(405, { error: "Method not allowed", allow }, "method_not_allowed");
  };
}
