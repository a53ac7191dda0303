import type { Express } from "express";
import { withDeadline } from "./deadline";
import { methodNotAllowed } from "./errors";
import { sendJson } from "./send-json";

/** A named readiness check; resolves when the dependency answers. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Per-check deadline. */
  readonly timeoutMs: number;
  /** False once shutdown begins, so the load balancer stops sending traffic. */
  readonly accepting: () => boolean;
  /** A reason the process is broken beyond self-repair (ECS should replace it), or undefined. */
  readonly liveness?: () => string | undefined;
}

const OK = JSON.stringify({ status: "ok" });

/**
 * /healthz: the process is alive (no dependency checks; refused credentials count, see AuthWatch).
 * /readyz: every dependency answers, and the service is not shutting down.
 */
export function mountHealth(app: Express, opts: HealthOptions): void {
  app
    .route("/healthz")
    .get((_req, res) => {
      const broken = opts.liveness?.();
      if (broken) {
        res.locals.errorType = "not_live";
        res.status(503).json({ status: "broken", reason: broken });
        return;
      }
      sendJson(res, 200, OK);
    })
    .all(methodNotAllowed("GET"));
  app
    .route("/readyz")
    .get(async (_req, res) => {
      const names = Object.keys(opts.checks);
      const results = await Promise.allSettled(
        names.map((n) => withDeadline(opts.checks[n]!(), opts.timeoutMs, `${n} readiness`)),
      );
      const checks: Record<string, { ok: boolean; error?: string }> = {};
      results.forEach((r, i) => {
        checks[names[i]!] = r.status === "fulfilled" ? { ok: true } : { ok: false, error: (r.reason as Error).message };
      });
      const ready = opts.accepting() && results.every((r) => r.status === "fulfilled");
      if (!ready) res.locals.errorType = opts.accepting() ? "not_ready" : "shutting_down";
      res.status(ready ? 200 : 503).json({ ready, shuttingDown: !opts.accepting(), checks });
    })
    .all(methodNotAllowed("GET"));
}
