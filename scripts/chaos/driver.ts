/**
 * Runs one chaos scenario: steady state, bounded load, fault on, fault off, recovery, then checks
 * every stream against its bound and every acknowledged write against MySQL.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChaosEnv } from "./env";
import { LoadRun, stats, type NetworkError, type Sample, type Stats, type StreamSpec } from "./load";
import type { ServiceName } from "./processes";

/** The behaviour a stream must keep for the whole scenario (warm-up, fault and recovery). */
export interface Bound {
  readonly statuses: readonly number[];
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Network errors that are allowed (e.g. "refused" once a stopped service has closed its port); resets never are. */
  readonly allowedErrors?: readonly NetworkError[];
  /** Every 503 body must name this dependency (`"dependency":"mysql"`). */
  readonly dependency?: string;
}

export interface LoadStream extends StreamSpec {
  readonly bound: Bound;
}

export interface Timing {
  readonly warmupMs: number;
  readonly faultMs: number;
  readonly recoveryTimeoutMs: number;
  readonly clientTimeoutMs: number;
  /**
   * Runs beside other test files (inside `npm test`): bounds of a few tens of ms get the scheduler's
   * noise on a busy 2-core machine added. Bounds of a second or more do not need it.
   */
  readonly sharedMachine: boolean;
}

export const FULL_TIMING: Timing = {
  warmupMs: 500,
  faultMs: 3_000,
  recoveryTimeoutMs: 12_000,
  clientTimeoutMs: 10_000,
  sharedMachine: false,
};
export const FAST_TIMING: Timing = {
  warmupMs: 300,
  faultMs: 1_500,
  recoveryTimeoutMs: 8_000,
  clientTimeoutMs: 5_000,
  sharedMachine: true,
};

/** A named pass/fail fact a scenario establishes besides its streams (exit code, log line, ...). */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ScenarioContext {
  readonly env: ChaosEnv;
  readonly timing: Timing;
  /** Unique prefix of this scenario's message texts. */
  readonly tag: string;
  /** warmup → fault (from inject until clear) → recovery. */
  phase: "warmup" | "fault" | "recovery";
  readonly checks: Check[];
  readonly notes: string[];
  /** Moments a row records (performance.now()), e.g. when a fault began, for its checks. */
  readonly marks: Record<string, number>;
}

export interface Scenario {
  readonly id: string;
  /** The row of the seed's table or of issue 11 this reproduces. */
  readonly row: string;
  /** Part of the subset `npm test` runs. */
  readonly fast: boolean;
  /** Before the load starts (e.g. restart the services with SSM hanging). */
  prepare?(ctx: ScenarioContext): Promise<void>;
  streams(ctx: ScenarioContext): LoadStream[];
  inject(ctx: ScenarioContext): Promise<void>;
  clear(ctx: ScenarioContext): Promise<void>;
  /** One probe of "back to normal"; recovery is the time to 3 passing probes in a row. */
  recovered(ctx: ScenarioContext): Promise<boolean>;
  /** Longest acceptable recovery after the fault clears. */
  readonly recoveryBoundMs: number;
  /** The fault window, if not the timing's. */
  faultMs?(timing: Timing): number;
  /** After the load: checks on what the streams saw (bodies, timing against `marks`). */
  verify?(ctx: ScenarioContext, samples: readonly Sample[]): void | Promise<void>;
}

export interface StreamResult extends Stats {
  readonly stream: string;
  readonly bound: Bound;
  readonly violations: string[];
}

export interface WriteCheck {
  /** POSTs answered 2xx. */
  readonly acknowledged: number;
  readonly storedOnce: number;
  /** Acknowledged but not in MySQL. */
  readonly lost: number;
  /** Any message stored more than once. */
  readonly duplicates: number;
  /** Requests answered non-2xx (or not at all) whose row is nevertheless stored. */
  readonly storedForFailed: number;
  readonly failed: number;
  /** Writes that needed their one retry (same Idempotency-Key). */
  readonly retried: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly row: string;
  readonly streams: StreamResult[];
  readonly recoveryMs: number | null;
  readonly recoveryBoundMs: number;
  readonly writes?: WriteCheck;
  readonly checks: Check[];
  readonly notes: string[];
  readonly durationMs: number;
  readonly pass: boolean;
  readonly failures: string[];
}

function fmtStatuses(bound: Bound): string {
  const extra = bound.allowedErrors?.length ? `|${bound.allowedErrors.join("|")}` : "";
  return `${bound.statuses.join("|")}${extra}`;
}

export function describeBound(bound: Bound): string {
  return `${fmtStatuses(bound)}, p99<${bound.p99Ms}, max<${bound.maxMs}, 0 resets`;
}

function checkStream(stream: LoadStream, samples: Sample[]): StreamResult {
  const s = stats(samples);
  const { bound } = stream;
  const violations: string[] = [];
  if (s.requests === 0) violations.push("no requests completed");
  const bad = Object.entries(s.statuses).filter(([k]) =>
    /^\d+$/.test(k)
      ? !bound.statuses.includes(Number(k))
      : k === "reset" || !bound.allowedErrors?.includes(k as NetworkError),
  );
  if (bad.length) violations.push(`outcomes not allowed: ${bad.map(([k, n]) => `${k}×${n}`).join(", ")}`);
  if (s.p99Ms >= bound.p99Ms) violations.push(`p99 ${s.p99Ms} ms ≥ ${bound.p99Ms}`);
  if (s.maxMs >= bound.maxMs) violations.push(`max ${s.maxMs} ms ≥ ${bound.maxMs}`);
  if (s.resets > 0) violations.push(`${s.resets} reset(s)`);
  if (bound.dependency) {
    const unnamed = samples.filter((x) => x.status === 503 && !x.body?.includes(`"dependency":"${bound.dependency}"`));
    if (unnamed.length) violations.push(`${unnamed.length} 503(s) not naming ${bound.dependency}: ${unnamed[0]!.body}`);
  }
  return { stream: stream.label, bound, ...s, violations };
}

async function checkWrites(ctx: ScenarioContext, samples: Sample[]): Promise<WriteCheck | undefined> {
  const writes = samples.filter((s) => s.write);
  if (writes.length === 0) return undefined;
  const rows = await ctx.env.rowsByMessage(ctx.tag);
  let acknowledged = 0;
  let storedOnce = 0;
  let lost = 0;
  let storedForFailed = 0;
  let failed = 0;
  for (const s of writes) {
    const n = rows.get(s.write!.message) ?? 0;
    if (s.status !== undefined && s.status >= 200 && s.status < 300) {
      acknowledged++;
      if (n === 1) storedOnce++;
      if (n === 0) lost++;
    } else {
      failed++;
      if (n > 0) storedForFailed++;
    }
  }
  const duplicates = [...rows.values()].filter((n) => n > 1).length;
  const retried = writes.filter((s) => s.attempts > 1).length;
  return { acknowledged, storedOnce, lost, duplicates, storedForFailed, failed, retried };
}

/** Polls until `probe` holds 3 times in a row; the recovery time is when the first of the three passed. */
async function measureRecovery(ctx: ScenarioContext, scenario: Scenario, clearedAt: number): Promise<number | null> {
  const end = clearedAt + ctx.timing.recoveryTimeoutMs;
  let streakStart: number | null = null;
  let streak = 0;
  while (performance.now() < end) {
    const ok = await scenario.recovered(ctx).catch(() => false);
    if (ok) {
      streakStart ??= performance.now();
      if (++streak >= 3) return Math.round(streakStart - clearedAt);
    } else {
      streak = 0;
      streakStart = null;
    }
    await sleep(100);
  }
  return null;
}

/** Back to a known state: faults off, modes none, Redis and both services up and answering. */
export async function steadyState(env: ChaosEnv, timeoutMs = 6_000): Promise<void> {
  env.mysqlProxy.setFault({ kind: "pass" });
  env.redisProxy.setFault({ kind: "pass" });
  env.responderProxy.setFault({ kind: "pass" });
  env.ssm.setHanging(false);
  env.setMode("caller", "none");
  env.setMode("responder", "none");
  await env.redis.start();
  for (const name of ["responder", "caller"] as ServiceName[]) await env.startService(name);
  const healthy = async () => {
    const [root, db] = await Promise.all([
      fetch(env.url("caller", "/"), { signal: AbortSignal.timeout(2_000) }),
      fetch(env.url("responder", "/db"), { signal: AbortSignal.timeout(2_000) }),
    ]);
    const body = (await root.json()) as { missing?: unknown };
    await db.arrayBuffer();
    return root.status === 200 && body.missing === undefined && db.status === 200;
  };
  const end = Date.now() + timeoutMs;
  let restarted = false;
  for (;;) {
    if (await healthy().catch(() => false)) return;
    if (Date.now() > end) {
      if (restarted) throw new Error("services not healthy again after a restart: the environment is wedged");
      // A wedged service is what ECS would replace; do the same so the next scenario starts clean.
      restarted = true;
      await env.restartService("responder");
      await env.restartService("caller");
    }
    await sleep(200);
  }
}

export async function runScenario(env: ChaosEnv, scenario: Scenario, timing: Timing): Promise<ScenarioResult> {
  const started = performance.now();
  const ctx: ScenarioContext = {
    env,
    timing,
    tag: `chaos:${env.runId}:${scenario.id}:`,
    phase: "warmup",
    checks: [],
    notes: [],
    marks: {},
  };
  const failures: string[] = [];
  let streams: StreamResult[] = [];
  let recoveryMs: number | null = null;
  let writes: WriteCheck | undefined;
  try {
    await steadyState(env);
    await scenario.prepare?.(ctx);
    const specs = scenario.streams(ctx);
    const faultMs = scenario.faultMs?.(timing) ?? timing.faultMs;
    const load = new LoadRun(specs, timing.warmupMs + faultMs + timing.recoveryTimeoutMs + 15_000);
    let samples: Sample[];
    try {
      await sleep(timing.warmupMs);
      ctx.phase = "fault";
      await scenario.inject(ctx);
      await sleep(faultMs);
      await scenario.clear(ctx);
      ctx.phase = "recovery";
      const clearedAt = performance.now();
      recoveryMs = await measureRecovery(ctx, scenario, clearedAt);
    } finally {
      ctx.phase = "recovery";
      samples = await load.stop();
    }
    streams = specs.map((spec) =>
      checkStream(
        spec,
        samples.filter((s) => s.stream === spec.label),
      ),
    );
    writes = await checkWrites(ctx, samples);
    await scenario.verify?.(ctx, samples);
  } catch (error) {
    failures.push(`scenario error: ${(error as Error).message}`);
  }
  for (const s of streams) for (const v of s.violations) failures.push(`${s.stream}: ${v}`);
  if (recoveryMs === null) failures.push(`not recovered within ${timing.recoveryTimeoutMs} ms`);
  else if (recoveryMs !== null && recoveryMs >= scenario.recoveryBoundMs)
    failures.push(`recovery ${recoveryMs} ms ≥ ${scenario.recoveryBoundMs}`);
  if (writes && writes.lost > 0) failures.push(`${writes.lost} acknowledged write(s) not in MySQL`);
  if (writes && writes.duplicates > 0) failures.push(`${writes.duplicates} message(s) stored more than once`);
  for (const c of ctx.checks) if (!c.ok) failures.push(`${c.name}: ${c.detail}`);
  return {
    id: scenario.id,
    row: scenario.row,
    streams,
    recoveryMs,
    recoveryBoundMs: scenario.recoveryBoundMs,
    writes,
    checks: ctx.checks,
    notes: ctx.notes,
    durationMs: Math.round(performance.now() - started),
    pass: failures.length === 0,
    failures,
  };
}
