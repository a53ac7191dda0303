import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Express, type RequestHandler, type Response } from "express";
import { CpuWorkPool } from "./cpu-work";
import { errorHandler, HttpError, methodNotAllowed, ValidationError, type ErrorLogFields } from "./errors";
import type { BaseConfig } from "./config";
import type { FailureModeSource } from "./failure-mode";
import { healthRouter, type ReadinessCheck } from "./health";
import { BLUE_GREEN_TEST_HEADER, withRequestContext, type Logger } from "./logger";
import type { Lifecycle } from "./server";

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
  /** Mounts the service's own routes. */
  readonly routes: (app: Express) => void;
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
 * Accepts a well-formed X-Request-Id or makes one, echoes it, and logs exactly one line per
 * request whatever its fate: answered, abandoned by the client, or cut by shutdown (`aborted`).
 */
function requestLogging(logger: Logger, lifecycle: Lifecycle): RequestHandler {
  return (req, res, next) => {
    const header = req.get("x-request-id");
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    const start = performance.now();
    res.setHeader("x-request-id", requestId);
    lifecycle.inFlight.add(res);
    let logged = false;
    const log = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      lifecycle.inFlight.delete(res);
      if (aborted) {
        res.locals.gone = true;
        (res.locals.abort as AbortController | undefined)?.abort();
      }
      const latencyMs = Math.round((performance.now() - start) * 10) / 10;
      const errorLog = res.locals.errorLog as ErrorLogFields | undefined;
      const status = aborted && !res.headersSent ? 499 : res.statusCode;
      const cut = aborted && res.locals.cutByShutdown === true;
      const level = cut || status >= 500 ? "error" : aborted || status >= 400 ? "warn" : "info";
      // winston formats before its transports filter by level: skip the JSON work when nobody listens.
      if (!logger.isLevelEnabled(level)) return;
      logger.log(level, "request", {
        requestId,
        method: req.method,
        path: req.path,
        status,
        errorType:
          (res.locals.errorType as string | undefined) ??
          (aborted ? (res.locals.cutByShutdown ? "shutdown_cut" : "client_gone") : undefined),
        latencyMs,
        ...errorLog,
        ...(aborted ? { aborted: true, abortedBy: res.locals.cutByShutdown ? "shutdown" : "client" } : {}),
      });
    };
    res.once("finish", () => log(false));
    res.once("close", () => log(!res.writableFinished));
    const testHeader = req.get(BLUE_GREEN_TEST_HEADER);
    // Bounded like any header value we echo downstream: short, printable.
    const propagate: Record<string, string> =
      testHeader && /^[\x21-\x7e]{1,128}$/.test(testHeader) ? { [BLUE_GREEN_TEST_HEADER]: testHeader } : {};
    withRequestContext(requestId, next, propagate);
  };
}

/** Applies the current failure mode before any route, /healthz included (so the ALB sees it). */
function failureInjection(opts: BaseAppOptions): RequestHandler {
  return async (_req, res, next) => {
    const mode = await opts.failureModes.current();
    if (mode === "none") return next();
    res.locals.failureMode = mode;
    res.locals.errorType = mode;
    switch (mode) {
      case "return_500":
        res.status(500).json({ error: "Injected failure", failureMode: mode });
        return;
      case "slow":
        await sleep(opts.config.SLOW_MODE_DELAY_MS);
        break;
      case "cpu_burn":
        burnCpu(opts.config.CPU_BURN_MODE_MS);
        break;
      case "connection_leak":
        break; // the MySQL routes leak; see the responder's db service
    }
    next();
  };
}

/** The Express app every service shares: logging, failure modes, JSON limit, health, /work, errors. */
export function createBaseApp(opts: BaseAppOptions): Express {
  const { config, lifecycle } = opts;
  const cpuWork =
    opts.cpuWork ?? new CpuWorkPool({ maxConcurrent: config.WORK_MAX_CONCURRENT, maxQueued: config.WORK_MAX_QUEUED });
  const accepting = () => lifecycle.accepting;
  const app = express();
  app.disable("x-powered-by");
  app.use(requestLogging(opts.logger, lifecycle));
  app.use((_req, res, next) => {
    // During shutdown, finish this response and close the socket so no new request lands on it.
    if (!accepting()) res.setHeader("connection", "close");
    next();
  });
  app.use(failureInjection(opts));
  app.use(express.json({ limit: config.BODY_LIMIT_BYTES, strict: true }));
  app.use(healthRouter({ checks: opts.readiness, timeoutMs: 1_000, accepting, liveness: opts.liveness }));

  app.get("/work", async (req, res) => {
    const raw = req.query.ms;
    const ms = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(ms >= 1 && ms <= config.WORK_MAX_MS)) {
      throw new ValidationError("ms", `expected an integer from 1 to ${config.WORK_MAX_MS}`);
    }
    await cpuWork.run(ms);
    res.json({ workedMs: ms });
  });
  app.all("/work", methodNotAllowed("GET"));

  opts.routes(app);

  app.use(() => {
    throw new HttpError(404, { error: "Not found" }, "not_found");
  });
  app.use(errorHandler());
  return app;
}
