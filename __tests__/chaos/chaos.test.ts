// The fast subset of `npm run chaos`: the real services as child processes, against the real
// MariaDB and a private redis-server through fault proxies, a few seconds per scenario.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_TIMING, runScenario, type Scenario, type ScenarioResult } from "../../scripts/chaos/driver";
import { ChaosEnv } from "../../scripts/chaos/env";
import { killAllChildren } from "../../scripts/chaos/processes";
import { SCENARIOS } from "../../scripts/chaos/scenarios";
import { formatResult } from "../../scripts/chaos/suite";

const fast = SCENARIOS.filter((s) => s.fast);
let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start(join(__dirname, "..", ".."));
});

afterAll(async () => {
  await env?.close();
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

  it("when a stream misses its bound or the service never recovers, then the row fails and says why", async () => {
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
    const result = await runScenario(env, impossible, { ...FAST_TIMING, warmupMs: 100, recoveryTimeoutMs: 500 });
    expect(result.pass).toBe(false);
    expect(result.failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^caller GET \/healthz: outcomes not allowed: 200×\d+$/),
        expect.stringMatching(/^caller GET \/healthz: p99 \d+ ms ≥ 0$/),
        "not recovered within 500 ms",
      ]),
    );
  });

  for (const scenario of fast) {
    it(`when ${scenario.id}, then every stream keeps its bound and the services recover`, async () => {
      const result: ScenarioResult = await runScenario(env, scenario, FAST_TIMING);
      // The whole report on failure: bounds, figures and what was missed.
      expect(result.failures, formatResult(result)).toEqual([]);
      expect(result.streams.every((s) => s.requests > 0)).toBe(true);
      expect(result.recoveryMs).not.toBeNull();
      if (result.writes) {
        expect(result.writes.lost).toBe(0);
        expect(result.writes.duplicates).toBe(0);
      }
    }, 40_000);
  }
});
