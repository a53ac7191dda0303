/**
 * The chaos table: one scenario per row. Bounds are what issue 11 requires of the services under
 * each fault (not what they happen to do), so a regression fails the row.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DEFECT_SCENARIOS } from "./defect-scenarios";
import type { Bound, Scenario, ScenarioContext, Timing } from "./driver";
import { SERVICE_SETTINGS } from "./env";
import type { ServiceName } from "./processes";
import {
  callerRoot,
  callerWhole,
  fastHealthz,
  get,
  healthz,
  probe,
  responderData,
  responderDb,
  responderWrites,
  stream,
} from "./streams";

/** App defaults the bounds derive from (apps/shared/src/config.ts, apps/caller/src/config.ts). */
const BREAKER_RESET_MS = 5_000;
const REDIS_RECONNECT_MAX_MS = 2_100;
const SHUTDOWN_TIMEOUT_MS = Number(SERVICE_SETTINGS.SHUTDOWN_TIMEOUT_MS);

// ---- bounds -------------------------------------------------------------------------------------

/** The caller's fan-out: responder deadline 1 s, then it answers with a `missing` marker. */
const DEGRADED_ROOT: Bound = { statuses: [200], p99Ms: 1_500, maxMs: 2_500 };
/** Every MySQL call has a deadline: 503 naming mysql within about 1–2 s. */
const mysqlBound = (ok: number): Bound => ({ statuses: [ok, 503], p99Ms: 2_500, maxMs: 3_000, dependency: "mysql" });
/** REDIS_COMMAND_TIMEOUT_MS (500) holds for every command; the cache is best-effort. */
const REDIS_SLOW_READ: Bound = { statuses: [200], p99Ms: 1_500, maxMs: 2_500 };

// ---- scenarios ----------------------------------------------------------------------------------

function responderModeScenario(id: string, mode: "slow" | "return_500", row: string, fast: boolean): Scenario {
  return {
    id,
    row,
    fast,
    streams: (ctx) => [callerRoot(ctx, DEGRADED_ROOT)],
    inject: async (ctx) => ctx.env.setMode("responder", mode),
    clear: async (ctx) => ctx.env.setMode("responder", "none"),
    recovered: (ctx) => callerWhole(ctx.env),
    // The breaker opened during the fault: one reset period, then a trial call closes it.
    recoveryBoundMs: BREAKER_RESET_MS + 3_000,
  };
}

function mysqlScenario(
  id: string,
  row: string,
  fast: boolean,
  fault: (ctx: ScenarioContext) => void | Promise<void>,
  clear: (ctx: ScenarioContext) => void | Promise<void> = (ctx) => ctx.env.mysqlProxy.setFault({ kind: "pass" }),
): Scenario {
  return {
    id,
    row,
    fast,
    streams: (ctx) => [responderWrites(ctx, mysqlBound(201)), responderData(ctx, mysqlBound(200))],
    inject: async (ctx) => fault(ctx),
    clear: async (ctx) => clear(ctx),
    recovered: (ctx) => responderDb(ctx.env),
    recoveryBoundMs: 5_000,
  };
}

function redisScenario(
  id: string,
  row: string,
  fast: boolean,
  fault: (ctx: ScenarioContext) => Promise<void>,
  clear: (ctx: ScenarioContext) => Promise<void>,
  readBound: Bound | ((timing: Timing) => Bound),
  recoveryBoundMs: number,
): Scenario {
  const bound = (ctx: ScenarioContext) => (typeof readBound === "function" ? readBound(ctx.timing) : readBound);
  return {
    id,
    row,
    fast,
    streams: (ctx) => [
      // The caller degrades as when the responder is down: 200 with a `missing` marker for its own part.
      callerRoot(ctx, bound(ctx)),
      // The responder serves from MySQL; the cache is skipped.
      responderData(ctx, bound(ctx)),
      // The caller's own data lives in Redis: writes fail fast, naming it.
      stream(
        ctx,
        "caller POST /data",
        () => ({
          method: "POST",
          url: ctx.env.url("caller", "/data"),
          body: { user: "chaos", message: "caller write under a Redis fault" },
        }),
        { statuses: [201, 503], p99Ms: bound(ctx).p99Ms, maxMs: bound(ctx).maxMs, dependency: "redis" },
        { concurrency: 1, intervalMs: 50 },
      ),
    ],
    inject: fault,
    clear,
    recovered: (ctx) => callerWhole(ctx.env),
    recoveryBoundMs,
  };
}

/**
 * SIGTERM under 20 keep-alive connections. With `mysqlHung`, MySQL is blackholed first, so requests
 * are stuck on it when the signal comes and closing the pool meets a silent server.
 */
function sigtermScenario(service: ServiceName, fast: boolean, opts: { mysqlHung?: boolean } = {}): Scenario {
  let exitedAt: number | undefined;
  let signalledAt = 0;
  const until = () => exitedAt !== undefined;
  // After the listener closes, new connections are refused (behind an ALB the target is
  // deregistered by then); a reset on a kept-alive socket is the 502 the issue forbids.
  const allowedErrors = ["refused"] as const;
  return {
    id: opts.mysqlHung ? `sigterm-${service}-mysql-hung` : `sigterm-${service}`,
    row: opts.mysqlHung
      ? `SIGTERM of the ${service} while MySQL is blackholed, under 20 keep-alive connections`
      : `SIGTERM of the ${service} under 20 keep-alive connections (ECS stop, Spot reclaim)`,
    fast,
    prepare: async () => {
      exitedAt = undefined;
    },
    streams: (ctx) =>
      opts.mysqlHung
        ? [
            responderWrites(
              ctx,
              { ...mysqlBound(201), maxMs: SHUTDOWN_TIMEOUT_MS, allowedErrors },
              { concurrency: 10, until, retryOnce: false, stopOnRefused: true },
            ),
            responderData(
              ctx,
              { ...mysqlBound(200), maxMs: SHUTDOWN_TIMEOUT_MS, allowedErrors },
              { concurrency: 10, until, stopOnRefused: true },
            ),
          ]
        : [
            stream(
              ctx,
              service === "caller" ? "caller GET /" : "responder GET /data",
              get(ctx.env, service, service === "caller" ? "/" : "/data?limit=5"),
              { statuses: [200], p99Ms: 1_500, maxMs: SHUTDOWN_TIMEOUT_MS, allowedErrors },
              { concurrency: 20, intervalMs: 5, until, stopOnRefused: true },
            ),
          ],
    faultMs: () => 0,
    inject: async (ctx) => {
      if (opts.mysqlHung) {
        ctx.env.mysqlProxy.setFault({ kind: "blackhole" });
        await sleep(300);
      }
      const proc = ctx.env.services[service]!;
      void proc.exited.then((e) => (exitedAt = e.atMs));
      signalledAt = performance.now();
      proc.signal("SIGTERM");
      // While the load balancer deregisters the target, the listener stays open and says so.
      await sleep(100);
      const ready = await fetch(ctx.env.url(service, "/readyz"), { signal: AbortSignal.timeout(2_000) })
        .then(async (r) => ({ status: r.status, body: await r.text() }))
        .catch((error: Error) => ({ status: 0, body: error.message }));
      ctx.checks.push({
        name: `/readyz 503 shutting down during SHUTDOWN_DELAY_MS (${SERVICE_SETTINGS.SHUTDOWN_DELAY_MS} ms)`,
        ok: ready.status === 503 && ready.body.includes('"shuttingDown":true'),
        detail: `${ready.status} ${ready.body.slice(0, 120)}`,
      });
    },
    clear: async (ctx) => {
      const proc = ctx.env.services[service]!;
      const deadline = sleep(SHUTDOWN_TIMEOUT_MS + 3_000).then(() => undefined);
      const exit = await Promise.race([proc.exited, deadline]);
      if (!exit) await proc.kill();
      const tookMs = exit ? Math.round(exit.atMs - signalledAt) : null;
      const last = proc.lastLines(1)[0] ?? "";
      ctx.checks.push(
        {
          name: "exit code 0",
          ok: exit?.code === 0,
          detail: exit ? `code ${exit.code}, signal ${exit.signal}` : "did not exit",
        },
        {
          name: `exit within SHUTDOWN_TIMEOUT_MS (${SHUTDOWN_TIMEOUT_MS} ms)`,
          ok: tookMs !== null && tookMs < SHUTDOWN_TIMEOUT_MS,
          detail: `${tookMs ?? "never"} ms`,
        },
        { name: "last log line is JSON 'shutdown complete'", ok: isShutdownComplete(last), detail: last.slice(0, 200) },
      );
      ctx.notes.push(`exited ${tookMs ?? "?"} ms after SIGTERM; recovery = time to restart and answer`);
      ctx.env.mysqlProxy.setFault({ kind: "pass" });
      await ctx.env.startService(service);
    },
    recovered: (ctx) => probe(ctx.env.url(service, "/healthz"), (s) => s === 200),
    recoveryBoundMs: 5_000,
  };
}

function isShutdownComplete(line: string): boolean {
  try {
    const parsed = JSON.parse(line) as { message?: unknown };
    return typeof parsed.message === "string" && parsed.message.includes("shutdown complete");
  } catch {
    return false;
  }
}

/**
 * Every 250 ms, resets every MySQL connection. Between resets each packet takes 30 ms more, so
 * writes are in flight when the reset comes (some after the commit, before the answer).
 */
function flapMysql(ctx: ScenarioContext): void {
  const proxy = ctx.env.mysqlProxy;
  void (async () => {
    while (ctx.phase === "fault") {
      proxy.setFault({ kind: "latency", ms: 30 });
      await sleep(230);
      proxy.setFault({ kind: "reset" });
      await sleep(20);
    }
    proxy.setFault({ kind: "pass" });
  })();
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "responder-killed",
    row: "Backend Service Unavailability: responder process killed (SIGKILL), restarted after the fault",
    fast: true,
    streams: (ctx) => [callerRoot(ctx, DEGRADED_ROOT)],
    inject: async (ctx) => ctx.env.services.responder!.kill(),
    clear: async (ctx) => void (await ctx.env.startService("responder")),
    recovered: (ctx) => callerWhole(ctx.env),
    recoveryBoundMs: BREAKER_RESET_MS + 3_000,
  },
  responderModeScenario("responder-slow", "slow", "Slow backend: responder in `slow` mode (2 s per request)", false),
  responderModeScenario("responder-500", "return_500", "Failing backend: responder in `return_500` mode", false),
  mysqlScenario("mysql-refusing", "MySQL down: open connections reset, new ones refused", false, (ctx) => {
    ctx.env.mysqlProxy.setFault({ kind: "reset" });
    ctx.env.mysqlProxy.setFault({ kind: "refuse" });
  }),
  mysqlScenario("mysql-blackholed", "MySQL blackholed: packets go nowhere, no RST", true, (ctx) =>
    ctx.env.mysqlProxy.setFault({ kind: "blackhole" }),
  ),
  mysqlScenario("mysql-slow", "MySQL slow: +300 ms each way on every packet", false, (ctx) =>
    ctx.env.mysqlProxy.setFault({ kind: "latency", ms: 300 }),
  ),
  mysqlScenario(
    "mysql-dropped-mid-write",
    "MySQL connections dropped mid-write (RST every 250 ms, +30 ms per packet between); writes retried once with their Idempotency-Key",
    true,
    flapMysql,
    () => undefined, // the flapping loop ends with the fault and leaves the proxy passing
  ),
  redisScenario(
    "redis-stopped",
    "Redis stopped (the suite's own redis-server, SIGKILL), restarted after the fault",
    true,
    (ctx) => ctx.env.redis.stop(),
    (ctx) => ctx.env.redis.start(),
    // Skipped at once while down: near-normal speed, not a wait per request (before the fix: 0.8–2.1 s
    // each). Inside npm test, the requests around the stop itself meet a CPU shared with other files.
    (timing) => ({ statuses: [200], p99Ms: timing.sharedMachine ? 1_000 : 500, maxMs: 1_500 }),
    // Reconnect backoff, plus slack; the caller's breaker must not stay open (it counts responder failures only).
    REDIS_RECONNECT_MAX_MS + 1_900,
  ),
  redisScenario(
    "redis-blackholed",
    "Redis blackholed: packets go nowhere, no RST",
    true,
    async (ctx) => ctx.env.redisProxy.setFault({ kind: "blackhole" }),
    async (ctx) => ctx.env.redisProxy.setFault({ kind: "pass" }),
    REDIS_SLOW_READ,
    5_000,
  ),
  redisScenario(
    "redis-slow",
    "Redis slow: +800 ms each way on every packet",
    false,
    async (ctx) => ctx.env.redisProxy.setFault({ kind: "latency", ms: 800 }),
    async (ctx) => ctx.env.redisProxy.setFault({ kind: "pass" }),
    REDIS_SLOW_READ,
    5_000,
  ),
  {
    id: "ssm-hanging",
    row: "SSM never answers: both services (re)start while the endpoint hangs, so the first read hangs",
    fast: true,
    prepare: async (ctx) => {
      ctx.env.ssm.setHanging(true);
      await ctx.env.restartService("responder");
      await ctx.env.restartService("caller");
    },
    streams: (ctx) => [
      healthz(ctx, "caller", { statuses: [200], p99Ms: 500, maxMs: 1_500 }),
      callerRoot(ctx, { statuses: [200], p99Ms: 1_500, maxMs: 2_500 }),
    ],
    inject: async () => undefined, // hanging since prepare
    clear: async (ctx) => {
      ctx.env.ssm.setHanging(false);
      ssmBaseline.set(ctx, {
        caller: ctx.env.ssm.answeredFor(ctx.env.parameter("caller")),
        responder: ctx.env.ssm.answeredFor(ctx.env.parameter("responder")),
      });
    },
    // A hung read must not freeze the mode: both services read SSM successfully again.
    recovered: async (ctx) => {
      const base = ssmBaseline.get(ctx)!;
      return (["caller", "responder"] as const).every((s) => ctx.env.ssm.answeredFor(ctx.env.parameter(s)) > base[s]);
    },
    recoveryBoundMs: 5_000,
  },
  {
    id: "connection-leak",
    row: "`connection_leak` mode on the responder, then back to `none`",
    fast: true,
    streams: (ctx) => [
      stream(ctx, "responder GET /db", get(ctx.env, "responder", "/db"), mysqlBound(200)),
      responderWrites(ctx, mysqlBound(201), { concurrency: 2 }),
    ],
    inject: async (ctx) => ctx.env.setMode("responder", "connection_leak"),
    clear: async (ctx) => ctx.env.setMode("responder", "none"),
    // Either the leak is released, or liveness fails and the task is replaced, as ECS would.
    recovered: (ctx) => leakRecovered(ctx),
    recoveryBoundMs: 8_000,
  },
  {
    id: "cpu-burn",
    row: "`cpu_burn` mode on the caller (200 ms of CPU per request) against /healthz latency",
    fast: false,
    streams: (ctx) => [
      callerRoot(ctx, { statuses: [200], p99Ms: 2_500, maxMs: 4_000 }, { concurrency: 2, intervalMs: 50 }),
      // Degrades by design, but stays well inside the ALB's 5 s health check timeout.
      healthz(ctx, "caller", { statuses: [200], p99Ms: 2_500, maxMs: 4_000 }),
    ],
    inject: async (ctx) => ctx.env.setMode("caller", "cpu_burn"),
    clear: async (ctx) => ctx.env.setMode("caller", "none"),
    recovered: (ctx) => fastHealthz(ctx.env, "caller", 100),
    recoveryBoundMs: 3_000,
  },
  {
    id: "work-flood",
    row: "/work flood on the caller (4 concurrent /work?ms=2000) against /healthz latency",
    fast: true,
    streams: (ctx) => [
      stream(
        ctx,
        "caller GET /work",
        get(ctx.env, "caller", `/work?ms=${ctx.timing.faultMs >= 3_000 ? 2_000 : 1_000}`),
        { statuses: [200, 429], p99Ms: 10_000, maxMs: 12_000 },
        { concurrency: 4, intervalMs: 100, until: () => ctx.phase === "recovery" },
      ),
      // The figure (under 100 ms), plus scheduler noise when other test files share the CPUs;
      // CPU work on the event loop would put it near the /work duration (1–2 s) instead.
      healthz(
        ctx,
        "caller",
        ctx.timing.sharedMachine
          ? { statuses: [200], p99Ms: 250, maxMs: 1_000 }
          : { statuses: [200], p99Ms: 100, maxMs: 500 },
      ),
    ],
    inject: async () => undefined, // the flood runs from the start of the load until the fault clears
    clear: async () => undefined,
    recovered: (ctx) => fastHealthz(ctx.env, "caller", 100),
    recoveryBoundMs: 3_000,
  },
  sigtermScenario("responder", true),
  sigtermScenario("caller", false),
  sigtermScenario("responder", false, { mysqlHung: true }),
  ...DEFECT_SCENARIOS,
];

const ssmBaseline = new WeakMap<ScenarioContext, Record<ServiceName, number>>();
const leakFailures = new WeakMap<ScenarioContext, number>();

/** /db answers again; if /healthz fails 3 probes in a row instead, replace the task like ECS. */
async function leakRecovered(ctx: ScenarioContext): Promise<boolean> {
  if (await responderDb(ctx.env).catch(() => false)) return true;
  const live = await probe(ctx.env.url("responder", "/healthz"), (s) => s === 200).catch(() => false);
  const failures = live ? 0 : (leakFailures.get(ctx) ?? 0) + 1;
  leakFailures.set(ctx, failures);
  if (failures >= 3) {
    ctx.notes.push("liveness reported the exhausted pool: responder replaced, as ECS would");
    leakFailures.set(ctx, 0);
    await ctx.env.restartService("responder");
  }
  return false;
}
