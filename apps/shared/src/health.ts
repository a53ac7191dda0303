import { Router } from "express";

/** A named readiness check; resolves when the dependency answers. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Per-check deadline. */
  readonly timeoutMs: number;
  /** False once shutdown begins, so the load balancer stops sending traffic. */
  readonly accepting: () => boolean;
}

function withTimeout(check: ReadinessCheck, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    check(),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** /healthz: the process is alive (no dependency checks). /readyz: every dependency answers. */
export function healthRouter(opts: HealthOptions): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const names = Object.keys(opts.checks);
    const results = await Promise.allSettled(names.map((n) => withTimeout(opts.checks[n]!, opts.timeoutMs)));
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    results.forEach((r, i) => {
      checks[names[i]!] = r.status === "fulfilled" ? { ok: true } : { ok: false, error: (r.reason as Error).message };
    });
    const ready = opts.accepting() && results.every((r) => r.status === "fulfilled");
    if (!ready) res.locals.errorType = opts.accepting() ? "not_ready" : "shutting_down";
    res.status(ready ? 200 : 503).json({ ready, shuttingDown: !opts.accepting(), checks });
  });
  return router;
}
