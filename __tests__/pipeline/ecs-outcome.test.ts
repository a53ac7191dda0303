import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { run } from "../../scripts/pipeline";
import { watchDeployments } from "../../scripts/pipeline/ecs-outcome";

const ecsMock = mockClient(ECSClient);
const since = new Date("2026-12-01T10:00:00Z");
const arn = (service: string, n = 1) => `arn:aws:ecs:eu-west-1:210987654321:service-deployment/fc-dev/${service}/d${n}`;

/** ECS answers: the newest deployment of each service created after `since`, described as given. */
function deployments(byService: Record<string, ServiceDeployment[]>): void {
  ecsMock.on(ListServiceDeploymentsCommand).callsFake((input: { service: string; createdAt?: { after?: Date } }) => ({
    serviceDeployments: (byService[input.service] ?? []).map((d, i) => ({
      serviceDeploymentArn: d.serviceDeploymentArn ?? arn(input.service, i + 1),
      createdAt: d.createdAt,
      status: d.status,
    })),
  }));
  ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns: string[] }) => ({
    serviceDeployments: Object.entries(byService).flatMap(([service, list]) =>
      list
        .map((d, i) => ({ ...d, serviceDeploymentArn: d.serviceDeploymentArn ?? arn(service, i + 1) }))
        .filter((d) => input.serviceDeploymentArns.includes(d.serviceDeploymentArn)),
    ),
  }));
}

async function watch(services: string[], opts: { timeoutMs?: number; rounds?: () => void } = {}) {
  let clock = since.getTime();
  const lines: string[] = [];
  const outcomes = await watchDeployments({
    ecs: new ECSClient({ region: "eu-west-1" }),
    cluster: "fc-dev",
    services: services.map((name) => ({ name, ecsService: `fc-dev-${name}` })),
    since,
    timeoutMs: opts.timeoutMs ?? 60 * 60_000,
    pollMs: 15_000,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      opts.rounds?.();
    },
    log: (l) => lines.push(l),
  });
  return { outcomes, lines, waitedMs: clock - since.getTime() };
}

beforeEach(() => ecsMock.reset());

describe("ECS deployment outcome", () => {
  it("when every service's deployment succeeds, then each outcome is ok", async () => {
    deployments({
      "fc-dev-api": [{ status: "SUCCESSFUL", createdAt: new Date("2026-12-01T10:01:00Z") }],
      "fc-dev-worker": [{ status: "SUCCESSFUL", createdAt: new Date("2026-12-01T10:01:00Z") }],
    });
    const { outcomes } = await watch(["api", "worker"]);
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ["api", true],
      ["worker", true],
    ]);
    expect(ecsMock.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input).toEqual({
      cluster: "fc-dev",
      service: "fc-dev-api",
      createdAt: { after: since },
    });
  });

  it("when ECS rolls a deployment back on alarms, then the outcome fails with the service and ECS's reason", async () => {
    deployments({
      "fc-dev-api": [
        {
          status: "ROLLBACK_SUCCESSFUL",
          statusReason: "Service deployment rolled back because of alarm(s)",
          rollback: { reason: "alarm fc-dev-api-5xx in ALARM" },
          alarms: { status: "TRIGGERED", triggeredAlarmNames: ["fc-dev-api-5xx"] },
          createdAt: new Date("2026-12-01T10:01:00Z"),
        },
      ],
    });
    const { outcomes } = await watch(["api"]);
    expect(outcomes).toEqual([
      {
        name: "api",
        ok: false,
        detail:
          "ROLLBACK_SUCCESSFUL: Service deployment rolled back because of alarm(s); alarm fc-dev-api-5xx in ALARM; alarms in ALARM: fc-dev-api-5xx",
      },
    ]);
  });

  it("when a deployment is in progress, then it waits and reports the final status (circuit breaker)", async () => {
    const d: ServiceDeployment = { status: "IN_PROGRESS", createdAt: new Date("2026-12-01T10:01:00Z") };
    deployments({ "fc-dev-api": [d] });
    let round = 0;
    const { outcomes, lines, waitedMs } = await watch(["api"], {
      rounds: () => {
        round += 1;
        if (round === 3) {
          Object.assign(d, {
            status: "STOPPED",
            statusReason: "tasks failed to start",
            deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
          });
        }
      },
    });
    expect(waitedMs).toBe(45_000);
    expect(lines[0]).toBe("api: IN_PROGRESS");
    expect(outcomes[0]).toEqual({
      name: "api",
      ok: false,
      detail: "STOPPED: tasks failed to start; circuit breaker triggered after 3 failed tasks (threshold 3)",
    });
  });

  it("when no deployment started since the deploy, then the running deployment's rollout state decides", async () => {
    deployments({});
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          deployments: [
            {
              status: "PRIMARY",
              rolloutState: "FAILED",
              rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
            },
          ],
        },
      ],
    });
    const { outcomes } = await watch(["api"]);
    expect(outcomes[0]).toEqual({
      name: "api",
      ok: false,
      detail: "FAILED: ECS deployment circuit breaker: tasks failed to start.",
    });
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED" }] }] });
    expect((await watch(["api"])).outcomes[0]!.ok).toBe(true);
  });

  it("when a deployment outlasts the timeout, then the outcome fails saying where it stood", async () => {
    deployments({ "fc-dev-api": [{ status: "IN_PROGRESS", createdAt: new Date("2026-12-01T10:01:00Z") }] });
    const { outcomes, waitedMs } = await watch(["api"], { timeoutMs: 60_000 });
    expect(waitedMs).toBe(60_000);
    expect(outcomes[0]).toEqual({ name: "api", ok: false, detail: "still IN_PROGRESS after 1 min" });
  });

  it("when ECS throttles a call, then the next round retries it", async () => {
    ecsMock
      .on(ListServiceDeploymentsCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .resolves({
        serviceDeployments: [{ serviceDeploymentArn: arn("fc-dev-api"), createdAt: new Date("2026-12-01T10:01:00Z") }],
      });
    ecsMock.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{ status: "SUCCESSFUL" }] });
    const { outcomes, lines } = await watch(["api"]);
    expect(lines[0]).toBe("api: ECS call failed: ThrottlingException: Rate exceeded");
    expect(outcomes[0]!.ok).toBe(true);
  });
});

describe("check-deployments command", () => {
  const fixture = (name: string) => join(__dirname, "fixtures", name);

  it("when a service rolls back, then it exits 1 with an annotation naming the service and reason", async () => {
    deployments({
      "fc-dev-api": [{ status: "SUCCESSFUL", createdAt: new Date("2026-12-01T10:01:00Z") }],
      "fc-dev-worker": [
        {
          status: "ROLLBACK_FAILED",
          statusReason: "rollback could not start tasks",
          createdAt: new Date("2026-12-01T10:01:00Z"),
        },
      ],
      "fc-dev-proxy": [{ status: "SUCCESSFUL", createdAt: new Date("2026-12-01T10:01:00Z") }],
    });
    let out = "";
    const code = await run(
      [
        "check-deployments",
        "--catalog",
        fixture("catalog-dev.json"),
        "--outputs",
        fixture("outputs-dev.json"),
        "--outputs",
        fixture("services-outputs-dev.json"),
        "--since",
        since.toISOString(),
      ],
      {
        out: (t) => (out += t),
        err: () => undefined,
        readText: (p) => readFileSync(p, "utf8"),
        ecs: () => new ECSClient({ region: "eu-west-1" }),
      },
    );
    expect(code).toBe(1);
    expect(out).toContain("api: SUCCESSFUL");
    expect(out).toContain(
      "::error title=ECS deployment of worker failed::worker: ROLLBACK_FAILED: rollback could not start tasks\n",
    );
    expect(out).not.toContain("deployment of api failed");
    expect(
      ecsMock
        .commandCalls(ListServiceDeploymentsCommand)
        .map((c) => [c.args[0].input.cluster, c.args[0].input.service]),
    ).toEqual([
      ["fc-dev", "fc-dev-api"],
      ["fc-dev", "fc-dev-worker"],
      ["fc-dev", "fc-dev-proxy"],
    ]);
  });

  it("when --since is not a time, then it refuses before calling ECS", async () => {
    await expect(
      run(["check-deployments", "--catalog", fixture("catalog-dev.json"), "--since", "yesterday"], {
        out: () => undefined,
        err: () => undefined,
        readText: (p) => readFileSync(p, "utf8"),
        ecs: () => new ECSClient({}),
      }),
    ).rejects.toThrow("--since: not a time: yesterday");
    expect(ecsMock.calls()).toHaveLength(0);
  });
});
