// After `cdktn deploy services`, ECS runs each service's deployment on its own (blue/green, bake
// time, alarm and circuit-breaker rollback); Terraform does not wait for it. This waits for the
// outcome of each service's deployment and fails with the service's name and ECS's reason when it
// was stopped or rolled back, so a failed dev release never promotes to prod.
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  type ECSClient,
  type ServiceDeployment,
  type ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";

/** Completed unsuccessfully (ECS service deployment lifecycle: "Completed" stage). */
const FAILED: readonly ServiceDeploymentStatus[] = ["STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];
const SUCCEEDED: readonly ServiceDeploymentStatus[] = ["SUCCESSFUL"];

export interface WatchedService {
  /** The service's name in config. */
  readonly name: string;
  /** Its ECS service name. */
  readonly ecsService: string;
}

export interface DeploymentOutcome {
  readonly name: string;
  readonly ok: boolean;
  /** One line: status, and ECS's reason when it failed. */
  readonly detail: string;
}

export interface WatchOptions {
  readonly ecs: ECSClient;
  readonly cluster: string;
  readonly services: readonly WatchedService[];
  /** When the deploy began: deployments created before it are not this release's. */
  readonly since: Date;
  readonly timeoutMs: number;
  /** @default 15000 */
  readonly pollMs?: number;
  /** Deadline of each ECS call. @default 10000 */
  readonly callTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** ECS's own words for why a deployment failed: reason, rollback, alarms, circuit breaker. */
export function failureReason(d: ServiceDeployment): string {
  const parts = [d.statusReason, d.rollback?.reason].filter((p): p is string => typeof p === "string" && p !== "");
  const alarms = d.alarms?.triggeredAlarmNames ?? [];
  if (alarms.length > 0) parts.push(`alarms in ALARM: ${alarms.join(", ")}`);
  const breaker = d.deploymentCircuitBreaker;
  if (breaker?.status === "TRIGGERED") {
    parts.push(
      `circuit breaker triggered after ${breaker.failureCount ?? "?"} failed tasks (threshold ${breaker.threshold ?? "?"})`,
    );
  }
  return [...new Set(parts)].join("; ") || "ECS gave no reason";
}

type Step =
  { readonly done: true; readonly outcome: DeploymentOutcome } | { readonly done: false; readonly status: string };

async function step(o: WatchOptions, s: WatchedService): Promise<Step> {
  const signal = () => AbortSignal.timeout(o.callTimeoutMs ?? 10_000);
  const listed = await o.ecs.send(
    new ListServiceDeploymentsCommand({ cluster: o.cluster, service: s.ecsService, createdAt: { after: o.since } }),
    { abortSignal: signal() },
  );
  const newest = [...(listed.serviceDeployments ?? [])].sort(
    (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
  )[0];
  if (!newest?.serviceDeploymentArn) {
    // Terraform changed nothing ECS deploys for this service: judge the deployment that runs now.
    const described = await o.ecs.send(new DescribeServicesCommand({ cluster: o.cluster, services: [s.ecsService] }), {
      abortSignal: signal(),
    });
    const primary = described.services?.[0]?.deployments?.find((d) => d.status === "PRIMARY");
    if (!primary)
      return {
        done: true,
        outcome: { name: s.name, ok: false, detail: `ECS service ${s.ecsService} not found in ${o.cluster}` },
      };
    // rolloutState is reported with the circuit breaker on; otherwise the task counts tell.
    const settled =
      primary.rolloutState === "COMPLETED" ||
      (primary.rolloutState === undefined && primary.runningCount === primary.desiredCount);
    if (settled) {
      return {
        done: true,
        outcome: { name: s.name, ok: true, detail: "no new deployment; the running one is complete" },
      };
    }
    if (primary.rolloutState === "FAILED") {
      return {
        done: true,
        outcome: { name: s.name, ok: false, detail: `FAILED: ${primary.rolloutStateReason ?? "ECS gave no reason"}` },
      };
    }
    return { done: false, status: `rollout ${primary.rolloutState}` };
  }
  const described = await o.ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [newest.serviceDeploymentArn] }),
    { abortSignal: signal() },
  );
  const deployment = described.serviceDeployments?.[0] ?? { ...newest };
  const status = deployment.status;
  if (status && SUCCEEDED.includes(status)) {
    return { done: true, outcome: { name: s.name, ok: true, detail: `SUCCESSFUL (${newest.serviceDeploymentArn})` } };
  }
  if (status && FAILED.includes(status)) {
    return { done: true, outcome: { name: s.name, ok: false, detail: `${status}: ${failureReason(deployment)}` } };
  }
  return { done: false, status: status ?? "unknown" };
}

/** Waits until every service's deployment has completed, or the timeout; one outcome per service. */
export async function watchDeployments(o: WatchOptions): Promise<DeploymentOutcome[]> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = o.log ?? (() => undefined);
  const deadline = now() + o.timeoutMs;
  const outcomes = new Map<string, DeploymentOutcome>();
  const last = new Map<string, string>();
  for (;;) {
    for (const s of o.services) {
      if (outcomes.has(s.name)) continue;
      let result: Step;
      try {
        result = await step(o, s);
      } catch (error) {
        // A throttled or timed-out call is retried on the next round, until the deadline.
        result = { done: false, status: `ECS call failed: ${(error as Error).name}: ${(error as Error).message}` };
      }
      if (result.done) {
        outcomes.set(s.name, result.outcome);
        log(`${s.name}: ${result.outcome.detail}`);
      } else if (last.get(s.name) !== result.status) {
        last.set(s.name, result.status);
        log(`${s.name}: ${result.status}`);
      }
    }
    if (outcomes.size === o.services.length) return o.services.map((s) => outcomes.get(s.name)!);
    if (now() >= deadline) {
      return o.services.map(
        (s) =>
          outcomes.get(s.name) ?? {
            name: s.name,
            ok: false,
            detail: `still ${last.get(s.name) ?? "unknown"} after ${Math.round(o.timeoutMs / 60_000)} min`,
          },
      );
    }
    await sleep(o.pollMs ?? 15_000);
  }
}
