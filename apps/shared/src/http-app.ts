import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Express, type RequestHandler } from "express";
import { errorHandler, HttpError, ValidationError } from "./errors";
import type { BaseConfig } from "./config";
import type { FailureModeSource } from "./failure-mode";
import { healthRouter, type ReadinessCheck } from "./health";
import { withRequestContext, type Logger } from "./logger";
import type { Lifecycle } from "./server";

export interface BaseAppOptions {
  readonly config: BaseConfig;
  readonly logger: Logger;
  readonly failureModes: FailureModeSource;
  readonly lifecycle: Lifecycle;
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** Mounts the service's own routes. */
  readonly routes: (app: Express) => void;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Spins the CPU for `ms` on the event loop: the break/fix lab's CPU load. */
export function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
}

/** Accepts a well-formed X-Request-Id or makes one, echoes it, and logs one line per request. */
function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const header = req.get("x-request-id");
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    const start = performance.now();
    res.setHeader("x-request-id", requestId);
    res.on("finish", () => {
      const latencyMs = Math.round((performance.now() - start) * 10) / 10;
      const errorType = res.locals.errorType as string | undefined;
      const level = res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info";
      // winston formats before its transports filter by level: skip the JSON work when nobody listens.
      if (!logger.isLevelEnabled(level)) return;
      logger.log(level, "request", {
        requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        errorType,
        latencyMs,
      });
    });
    withRequestContext(requestId, next);
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
  const accepting = () => lifecycle.accepting;
  const app = express();
  app.disable("x-powered-by");
  app.use(requestLogging(opts.logger));
  app.use((_req, res, next) => {
    // During shutdown, finish this response and close the socket so no new request lands on it.
    if (!accepting()) res.setHeader("connection", "close");
    next();
  });
  app.use(failureInjection(opts));
  app.use(express.json({ limit: config.BODY_LIMIT_BYTES, strict: true }));
  app.use(healthRouter({ checks: opts.readiness, timeoutMs: 1_000, accepting }));

  app.get("/work", (req, res) => {
    const raw = req.query.ms;
    const ms = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(ms >= 1 && ms <= config.WORK_MAX_MS)) {
      throw new ValidationError("ms", `expected an integer from 1 to ${config.WORK_MAX_MS}`);
    }
    burnCpu(ms);
    res.json({ workedMs: ms });
  });

  opts.routes(app);

  app.use(() => {
    throw new HttpError(404, { error: "Not found" }, "not_found");
  });
  app.use(errorHandler(opts.logger));
  return app;
}
