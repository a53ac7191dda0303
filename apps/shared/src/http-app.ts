import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Express, type RequestHandler, type Response } from "express";
import { CpuWorkPool } from "./cpu-work";
import { errorHandler, HttpError, INVALID_UTF8, methodNotAllowed, type ErrorLogFields } from "./errors";
import type { BaseConfig } from "./config";
import type { FailureModeSource } from "./failure-mode";
import { mountHealth, type ReadinessCheck } from "./health";
import { integerParam } from "./integer";
import { BLUE_GREEN_TEST_HEADER, type Logger, type RequestContext } from "./logger";
import type { Lifecycle } from "./server";
import { currentSpanIds } from "./trace-ids";
import { bindToTrace, TRACED, UNSAMPLED_HEADERS } from "./tracing-settings";

export interface BaseAppOptions {
  readonly config: BaseConfig;
  readonly logger: Logger;
  readonly failureModes: FailureModeSource;
  readonly lifecycle: Lifecycle;
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** Liveness: a reason to report the process broken (503 on /healthz), or undefined when it is fine. */
  readonly liveness?: () => string | undefined;
  /** Runs /work off the event loop. @default - a pool sized by WORK_MAX_CONCURRENT / WORK_MAX_QUEUED */
  readonly cpuWork?: CpuWorkPool;
  /** Mounts the service's own routes; `jsonBody` parses a JSON body (limit, UTF-8 check) where one is read. */
  readonly routes: (app: Express, jsonBody: RequestHandler) => void;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Spins the CPU for `ms` on the event loop: the break/fix lab's cpu_burn mode (deliberately blocking). */
export function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
}

/**
 * Aborted when the client goes away before its response was sent: work not yet started is skipped.
 * Made on first use: an AbortController per request would cost every request, most never ask.
 */
export function requestSignal(res: Response): AbortSignal {
  if (res.locals.gone === true) return AbortSignal.abort();
  const controller = ((res.locals.abort as AbortController | undefined) ??= new AbortController());
  return controller.signal;
}

/**
 * Everything every request goes through, in one function (each Express layer costs a match and a
 * call): accepts a well-formed X-Request-Id or makes one and echoes it; during shutdown marks the
 * answer `Connection: close`; applies the failure mode (synchronously when it is none, the usual
 * case); and logs exactly one line per request whatever its fate: answered, abandoned by the
 * client, or cut by shutdown (`aborted`).
 */
function requestPipeline(opts: BaseAppOptions): RequestHandler {
  const { logger, lifecycle, failureModes, config } = opts;
  return (req, res, next) => {
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    const start = performance.now();
    // The request's trace, taken now: 'close' comes from the socket, outside it. Looked up only for
    // a traced request: the others (most of them) have none.
    const spanIds = (req as unknown as Record<symbol, boolean | undefined>)[TRACED] ? currentSpanIds() : undefined;
    res.setHeader("x-request-id", requestId);
    // While draining, finish this response and close the socket so no new request lands on it.
    if (lifecycle.draining) res.setHeader("connection", "close");
    lifecycle.inFlight.add(res);
    // 'close' follows 'finish' for every answered response, and comes alone when the socket went first.
    res.once("close", () => {
      lifecycle.inFlight.delete(res);
      const aborted = !res.writableFinished;
      if (aborted) {
        res.locals.gone = true;
        (res.locals.abort as AbortController | undefined)?.abort();
      }
      const status = aborted && !res.headersSent ? 499 : res.statusCode;
      const cut = aborted && res.locals.cutByShutdown === true;
      const level = cut || status >= 500 ? "error" : aborted || status >= 400 ? "warn" : "info";
      // winston formats before its transports filter by level: skip the JSON work when nobody listens.
      if (!logger.isLevelEnabled(level)) return;
      const errorLog = res.locals.errorLog as ErrorLogFields | undefined;
      logger.log(level, "request", {
        requestId,
        method: req.method,
        path: req.path,
        status,
        errorType:
          (res.locals.errorType as string | undefined) ??
          (aborted ? (res.locals.cutByShutdown ? "shutdown_cut" : "client_gone") : undefined),
        latencyMs: Math.round((performance.now() - start) * 10) / 10,
        ...errorLog,
        ...(aborted ? { aborted: true, abortedBy: res.locals.cutByShutdown ? "shutdown" : "client" } : {}),
        ...(spanIds ?? NO_TRACE),
      });
    });
    const testHeader = req.headers[BLUE_GREEN_TEST_HEADER];
    // Bounded like any header value we echo downstream: short, printable.
    let propagate: Readonly<Record<string, string>> =
      typeof testHeader === "string" && /^[\x21-\x7e]{1,128}$/.test(testHeader)
        ? { [BLUE_GREEN_TEST_HEADER]: testHeader }
        : NO_HEADERS;
    // Tracing on and this request not traced: downstream services skip it too.
    const unsampled = (req as unknown as Record<symbol, Record<string, string> | undefined>)[UNSAMPLED_HEADERS];
    if (unsampled) propagate = propagate === NO_HEADERS ? unsampled : { ...propagate, ...unsampled };
    res.locals.context = { requestId, propagate } satisfies RequestContext;
    const mode = failureModes.current();
    if (mode === "none") return next();
    // The break/fix lab: before any route, /healthz included (so the ALB sees it).
    res.locals.failureMode = mode;
    res.locals.errorType = mode;
    switch (mode) {
      case "return_500":
        res.status(500).json({ error: "Injected failure", failureMode: mode });
        return;
      case "slow":
        void sleep(config.SLOW_MODE_DELAY_MS).then(() => next());
        return;
      case "cpu_burn":
        burnCpu(config.CPU_BURN_MODE_MS);
        break;
      case "connection_leak":
        break; // the MySQL routes leak; see the responder's db service
    }
    next();
  };
}

/** The request's id and the headers its downstream calls pass on (set by the request pipeline). */
export function requestContext(res: Response): RequestContext {
  return res.locals.context as RequestContext;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
/** The trace fields of a request line outside any trace: present, so the logger does not look for one. */
const NO_TRACE = Object.freeze({ traceId: undefined, spanId: undefined });

/**
 * The JSON parser would decode bytes that are not UTF-8 as U+FFFD and store that: refuse them
 * instead (400, see toHttpError), before anything is parsed.
 */
function rejectInvalidUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding === "utf-8" && !isUtf8(body)) {
    throw Object.assign(new Error("request body is not valid UTF-8"), { type: INVALID_UTF8 });
  }
}

/** The Express app every service shares: logging, failure modes, JSON limit, health, /work, errors. */
export function createBaseApp(opts: BaseAppOptions): Express {
  const { config, lifecycle } = opts;
  const cpuWork =
    opts.cpuWork ?? new CpuWorkPool({ maxConcurrent: config.WORK_MAX_CONCURRENT, maxQueued: config.WORK_MAX_QUEUED });
  const app = express();
  app.disable("x-powered-by");
  // A weak ETag is a SHA-1 of every body; nothing here answers conditional requests with 304s.
  app.disable("etag");
  app.use(requestPipeline(opts));
  // Health first: nothing a route does (or a flood of it) stands between a probe and its answer.
  mountHealth(app, {
    checks: opts.readiness,
    timeoutMs: 1_000,
    accepting: () => lifecycle.accepting,
    liveness: opts.liveness,
  });

  // A CPU burner is a demo, never something to hand the internet: only where the environment opts in.
  if (config.DEMO_ROUTES_ENABLED) {
    app
      .route("/work")
      .get(async (req, res) => {
        const ms = integerParam("ms", req.query.ms, { min: 1, max: config.WORK_MAX_MS });
        await cpuWork.run(ms);
        res.json({ workedMs: ms });
      })
      .all(methodNotAllowed("GET"));
  }

  // Only routes that read a body parse one; the limit and the UTF-8 check apply to every one.
  const parseJson = express.json({ limit: config.BODY_LIMIT_BYTES, strict: true, verify: rejectInvalidUtf8 });
  // The route runs when the body's last bytes arrive, from the socket: it stays in the request's trace.
  opts.routes(app, (req, res, next) => parseJson(req, res, bindToTrace(next)));

  app.use(() => {
    throw new HttpError(404, { error: "Not found" }, "not_found");
  });
  app.use(errorHandler());
  return app;
}
