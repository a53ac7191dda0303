import type { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FailureModeSource } from "../../apps/shared/src/failure-mode";
import { captureLogger, eventually, startTestCaller, timedFetch, uniquePrefix } from "./harness";

/** An SSM client whose answers the test scripts: "hang" never settles. */
function scriptedSsm(script: ("hang" | string)[]) {
  let calls = 0;
  const client = {
    send: () => {
      const step = script[Math.min(calls++, script.length - 1)]!;
      return step === "hang" ? new Promise(() => undefined) : Promise.resolve({ Parameter: { Value: step } });
    },
    destroy: () => undefined,
  };
  return { client: client as unknown as SSMClient, calls: () => calls };
}

describe("SSM never answers", () => {
  let caller: Awaited<ReturnType<typeof startTestCaller>>;

  beforeAll(async () => {
    caller = await startTestCaller(
      { REDIS_KEY_PREFIX: uniquePrefix(), FAILURE_MODE_PARAMETER: "/fc/test/failure_mode", SSM_TIMEOUT_MS: "200" },
      { ssm: scriptedSsm(["hang"]).client },
    );
  });
  afterAll(async () => caller.shutdown("test done"));

  it("when the first SSM read hangs, then no route waits for it: /healthz answers at once and the starting mode is logged", async () => {
    const r = await timedFetch(`${caller.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(500);
    expect(caller.logs).toContainEqual(
      expect.objectContaining({ message: "failure mode starts as none until SSM answers" }),
    );
  });

  it("when reads hang, then each is cut at SSM_TIMEOUT_MS and logged", async () => {
    await eventually(() => caller.logs.some((l) => l.errorType === "ssm_unavailable"), 3_000);
    expect(caller.logs.find((l) => l.errorType === "ssm_unavailable")).toMatchObject({
      message: expect.stringMatching(/no answer within 200 ms/),
    });
  });
});

describe("FailureModeSource with a hanging SSM", () => {
  it("when a refresh hangs, then it is abandoned at the timeout and retried on the next TTL, which picks up the new mode", async () => {
    const ssm = scriptedSsm(["slow", "hang", "return_500"]);
    const source = new FailureModeSource({
      logger: captureLogger("t").logger,
      parameterName: "/fc/test/failure_mode",
      ssm: ssm.client,
      ttlMs: 50,
      timeoutMs: 100,
    });
    source.start();
    await eventually(async () => (await source.current()) === "slow", 2_000);
    // The second read hangs: the mode stays "slow" meanwhile, and is not frozen for good.
    await eventually(async () => (await source.current()) === "return_500", 3_000);
    expect(ssm.calls()).toBeGreaterThanOrEqual(3);
  });
});

describe("/work against /healthz", () => {
  let caller: Awaited<ReturnType<typeof startTestCaller>>;

  beforeAll(async () => {
    caller = await startTestCaller({
      REDIS_KEY_PREFIX: uniquePrefix(),
      WORK_MAX_CONCURRENT: "2",
      WORK_MAX_QUEUED: "2",
    });
  });
  afterAll(async () => caller.shutdown("test done"));

  it("when 4 concurrent /work?ms=1500 run, then /healthz stays fast (the work is off the event loop)", async () => {
    const work = Array.from({ length: 4 }, () => timedFetch(`${caller.url}/work?ms=1500`));
    await new Promise((r) => setTimeout(r, 200));
    const probes = [];
    for (let i = 0; i < 5; i++) {
      probes.push(await timedFetch(`${caller.url}/healthz`));
      await new Promise((r) => setTimeout(r, 50));
    }
    // 100 ms is the target; the bound leaves room for a machine shared with other test runs.
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(250);
    expect((await Promise.all(work)).map((w) => w.status)).toEqual([200, 200, 200, 200]);
  });

  it("when more /work arrives than threads plus queue, then the excess answers 429", async () => {
    const work = await Promise.all(Array.from({ length: 6 }, () => timedFetch(`${caller.url}/work?ms=300`)));
    const statuses = work.map((w) => w.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(work.find((w) => w.status === 429)!.body).toMatchObject({ error: "Too many concurrent /work requests" });
  });
});
