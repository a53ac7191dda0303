// The fast subset of `npm run chaos`: the real services as child processes, against the real
// MariaDB and a private redis-server through fault proxies, a few seconds per scenario. Scenarios
// run two at a time, each in an environment of its own (own redis-server, database, proxies,
// services), so one scenario's fault never reaches the other's services.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_TIMING, runScenario, type Scenario, type ScenarioResult } from "../../scripts/chaos/driver";
import { ChaosEnv } from "../../scripts/chaos/env";
import { killAllChildren } from "../../scripts/chaos/processes";
import { SCENARIOS } from "../../scripts/chaos/scenarios";
import { formatResult } from "../../scripts/chaos/suite";

const fast = SCENARIOS.filter((s) => s.fast);
/**
 * Scenarios whose bound is about the CPU itself (the /work flood saturates both cores by design and
 * checks that /healthz stays fast): they run alone, after the others.
 */
const ALONE = new Set(["work-flood"]);
const LANES = 2;
/** A concurrent test's clock starts before it gets an environment: room for the queue ahead of it. */
const QUEUED_TIMEOUT_MS = 120_000;

let envs: ChaosEnv[] = [];
const idle: ChaosEnv[] = [];
const waiting: ((env: ChaosEnv) => void)[] = [];

/** Runs `use` with an environment no other scenario is using. */
async function withEnv<T>(use: (env: ChaosEnv) => Promise<T>): Promise<T> {
  const env = idle.pop() ?? (await new Promise<ChaosEnv>((resolve) => waiting.push(resolve)));
  try {
    return await use(env);
  } finally {
    const next = waiting.shift();
    if (next) next(env);
    else idle.push(env);
  }
}

beforeAll(async () => {
  const root = join(__dirname, "..", "..");
  const started = await Promise.allSettled(Array.from({ length: LANES }, () => ChaosEnv.start(root)));
  envs = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  idle.push(...envs);
});

afterAll(async () => {
  await Promise.all(envs.map((env) => env.close()));
  killAllChildren();
});

describe("chaos (fast subset)", () => {
  it("covers the rows the issue names, with a fast subset of them", () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        "responder-killed",
        "responder-slow",
        "responder-500",
        "mysql-refusing",
        "mysql-blackholed",
        "mysql-slow",
        "mysql-dropped-mid-write",
        "redis-stopped",
        "redis-blackholed",
        "redis-slow",
        "ssm-hanging",
        "connection-leak",
        "cpu-burn",
        "work-flood",
        "sigterm-responder",
        "sigterm-caller",
        "redis-password-rejected",
        "redis-token-rotation",
        "mysql-password-rotated",
        "responder-oversized",
        "responder-wrong-shape",
        "stale-read-after-blackhole",
        "idempotency-key-reused",
      ]),
    );
    expect(fast.length).toBeGreaterThanOrEqual(6);
  });

  it.concurrent(
    "when a stream misses its bound or the service never recovers, then the row fails and says why",
    async ({ expect }) => {
      const impossible: Scenario = {
        id: "harness-self-check",
        row: "a bound nothing can meet",
        fast: true,
        streams: (ctx) => [
          {
            label: "caller GET /healthz",
            concurrency: 1,
            intervalMs: 20,
            maxRequests: 20,
            timeoutMs: 2_000,
            request: () => ({ method: "GET", url: ctx.env.url("caller", "/healthz") }),
            bound: { statuses: [204], p99Ms: 0, maxMs: 0 },
          },
        ],
        inject: async () => undefined,
        clear: async () => undefined,
        recovered: async () => false,
        recoveryBoundMs: 1_000,
        faultMs: () => 100,
      };
      const result = await withEnv((env) =>
        runScenario(env, impossible, { ...FAST_TIMING, warmupMs: 100, recoveryTimeoutMs: 500 }),
      );
      expect(result.pass).toBe(false);
      expect(result.failures).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^caller GET \/healthz: outcomes not allowed: 200×\d+$/),
          expect.stringMatching(/^caller GET \/healthz: p99 \d+ ms ≥ 0$/),
          "not recovered within 500 ms",
        ]),
      );
    },
  );

  const check = (result: ScenarioResult, expect: typeof import("vitest").expect) => {
    // The whole report on failure: bounds, figures and what was missed.
    expect(result.failures, formatResult(result)).toEqual([]);
    expect(result.streams.every((s) => s.requests > 0)).toBe(true);
    expect(result.recoveryMs).not.toBeNull();
    if (result.writes) {
      expect(result.writes.lost).toBe(0);
      expect(result.writes.duplicates).toBe(0);
    }
  };

  for (const scenario of fast.filter((s) => !ALONE.has(s.id))) {
    it.concurrent(
      `when ${scenario.id}, then every stream keeps its bound and the services recover`,
      async ({ expect }) => check(await withEnv((env) => runScenario(env, scenario, FAST_TIMING)), expect),
      QUEUED_TIMEOUT_MS,
    );
  }

  for (const scenario of fast.filter((s) => ALONE.has(s.id))) {
    it(`when ${scenario.id}, then every stream keeps its bound and the services recover`, async () => {
      check(await withEnv((env) => runScenario(env, scenario, FAST_TIMING)), expect);
    }, 40_000);
  }

  it("when a scenario is listed to run alone, then it is in the fast subset (a renamed one would run in a lane)", () => {
    expect(fast.map((s) => s.id)).toEqual(expect.arrayContaining([...ALONE]));
  });
});
