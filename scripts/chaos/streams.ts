/** Load streams and recovery probes the chaos rows share. */
import { randomUUID } from "node:crypto";
import type { Bound, LoadStream, ScenarioContext } from "./driver";
import type { ChaosEnv } from "./env";
import type { ServiceName } from "./processes";

export function stream(
  ctx: ScenarioContext,
  label: string,
  request: LoadStream["request"],
  bound: Bound,
  more: Partial<LoadStream> = {},
): LoadStream {
  return {
    label,
    concurrency: 4,
    intervalMs: 20,
    maxRequests: 3_000,
    timeoutMs: ctx.timing.clientTimeoutMs,
    request,
    bound,
    ...more,
  };
}

export const get = (env: ChaosEnv, service: ServiceName, path: string) => () =>
  ({ method: "GET", url: env.url(service, path) }) as const;

export const callerRoot = (ctx: ScenarioContext, bound: Bound, more?: Partial<LoadStream>) =>
  stream(ctx, "caller GET /", get(ctx.env, "caller", "/"), bound, more);

export const responderData = (ctx: ScenarioContext, bound: Bound, more?: Partial<LoadStream>) =>
  stream(ctx, "responder GET /data", get(ctx.env, "responder", "/data?limit=5"), bound, more);

export const healthz = (ctx: ScenarioContext, service: ServiceName, bound: Bound) =>
  stream(ctx, `${service} GET /healthz`, get(ctx.env, service, "/healthz"), bound, { concurrency: 1, intervalMs: 50 });

/** Writes with a unique message and an Idempotency-Key, retried once with the same key after a 503. */
export const responderWrites = (ctx: ScenarioContext, bound: Bound, more?: Partial<LoadStream>) =>
  stream(
    ctx,
    "responder POST /data",
    (seq) => {
      const message = `${ctx.tag}${seq}`;
      const key = randomUUID();
      return {
        method: "POST",
        url: ctx.env.url("responder", "/data"),
        body: { user: "chaos", message },
        headers: { "idempotency-key": key },
        write: { key, message },
      };
    },
    bound,
    { retryOnce: true, ...more },
  );

export async function probe(url: string, accept: (status: number, body: string) => boolean): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return accept(res.status, await res.text());
}

/** GET / answers 200 with both parts (no `missing` marker). */
export const callerWhole = (env: ChaosEnv) =>
  probe(env.url("caller", "/"), (s, b) => s === 200 && !b.includes('"missing"'));
export const responderDb = (env: ChaosEnv) => probe(env.url("responder", "/db"), (s) => s === 200);
export const fastHealthz = async (env: ChaosEnv, service: ServiceName, underMs: number) => {
  const start = performance.now();
  return (await probe(env.url(service, "/healthz"), (s) => s === 200)) && performance.now() - start < underMs;
};
