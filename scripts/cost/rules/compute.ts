import { baselineTaskCount, type CapacityShare, ecsServices, type EcsServiceFacts } from "../../synthesized/ecs";
import { type CostLine, makeLine, type NotPriced, type Usage } from "../model";
import { count, fmt, type Rule, type RuleContext, usage } from "../rule";

/**
 * How ECS places `tasks` over a capacity provider strategy: the provider with a base gets up to
 * `base` tasks first, the rest is split by weight. Fractions are kept (an expected value).
 */
export function splitTasks(tasks: number, strategy: readonly CapacityShare[]): Map<string, number> {
  const out = new Map<string, number>(strategy.map((s) => [s.provider, 0]));
  let rest = tasks;
  for (const s of strategy) {
    const base = Math.min(rest, s.base);
    out.set(s.provider, out.get(s.provider)! + base);
    rest -= base;
  }
  const totalWeight = strategy.reduce((n, s) => n + s.weight, 0);
  for (const s of strategy) {
    const share = totalWeight > 0 ? (rest * s.weight) / totalWeight : 0;
    out.set(s.provider, out.get(s.provider)! + share);
  }
  return out;
}

const FARGATE_PROVIDERS = new Set(["FARGATE", "FARGATE_SPOT"]);

/** Fargate vCPU, memory and extra ephemeral storage of every ECS service, on-demand and Spot. */
export const fargate: Rule = {
  types: ["aws_ecs_service"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    for (const s of ecsServices(ctx.synth)) {
      const problem = unpriceable(s);
      if (problem) {
        notPriced.push({
          stack: s.resource.stack,
          type: s.resource.type,
          resources: [s.resource.address],
          reason: problem,
        });
        continue;
      }
      lines.push(fargateLine(ctx, s));
    }
    return { lines, notPriced };
  },
};

function unpriceable(s: EcsServiceFacts): string | undefined {
  if (!s.task) return "its task definition is not in the synth, so its size is unknown";
  if (s.task.operatingSystem !== "LINUX")
    return `operating system ${s.task.operatingSystem}: the table has Linux prices only`;
  if (s.launchType !== undefined && s.launchType !== "FARGATE")
    return `launch type ${s.launchType}: the table has Fargate prices only`;
  if (s.launchType === undefined && s.strategy.length === 0) {
    return "no capacity provider strategy on the service or its cluster (ECS would use the EC2 launch type)";
  }
  const other = s.strategy.find((p) => !FARGATE_PROVIDERS.has(p.provider));
  if (other) return `capacity provider ${other.provider}: the table prices FARGATE and FARGATE_SPOT only`;
  return undefined;
}

function fargateLine(ctx: RuleContext, s: EcsServiceFacts): CostLine {
  const task = s.task!;
  const tasks = baselineTaskCount(s);
  const split = s.launchType === "FARGATE" ? new Map([["FARGATE", tasks]]) : splitTasks(tasks, s.strategy);
  const onDemand = split.get("FARGATE") ?? 0;
  const spot = split.get("FARGATE_SPOT") ?? 0;
  const vcpu = task.cpuUnits / 1024;
  const gb = task.memoryMiB / 1024;
  const extraStorage = Math.max(0, task.ephemeralStorageGiB - 20);
  const arm = task.cpuArchitecture === "ARM64";
  const vcpuId = arm ? "fargate.arm.vcpu-hour" : "fargate.x86.vcpu-hour";
  const gbId = arm ? "fargate.arm.gb-hour" : "fargate.x86.gb-hour";
  const spotFactor = 1 - ctx.assumptions.fargateSpotDiscountPercent / 100;
  const spotLabel = `on Spot (−${fmt(ctx.assumptions.fargateSpotDiscountPercent)} %)`;
  const h = ctx.hours;
  const items: Usage[] = [];
  if (onDemand > 0) {
    items.push(usage(ctx, vcpuId, "vCPU-hours on demand", onDemand * vcpu * h));
    items.push(usage(ctx, gbId, "GB-hours on demand", onDemand * gb * h));
  }
  if (spot > 0) {
    items.push(usage(ctx, vcpuId, `vCPU-hours ${spotLabel}`, spot * vcpu * h, { factor: spotFactor }));
    items.push(usage(ctx, gbId, `GB-hours ${spotLabel}`, spot * gb * h, { factor: spotFactor }));
  }
  if (extraStorage > 0 && tasks > 0) {
    items.push(
      usage(
        ctx,
        "fargate.ephemeral-storage.gb-hour",
        "ephemeral storage GB-hours above 20 GB",
        tasks * extraStorage * h,
      ),
    );
  }
  const countedAs = s.scaling ? `autoscaling min; max ${fmt(s.scaling.max)}` : "desired_count";
  const detail =
    `${count(tasks, "task")} (${countedAs}) × ${fmt(vcpu)} vCPU / ${fmt(gb)} GB ${arm ? "ARM64" : "x86_64"}; ` +
    `${fmt(onDemand)} on demand, ${fmt(spot)} Spot`;
  return makeLine(s.resource.stack, `Fargate: ${s.name}`, detail, [s.resource.address, task.resource.address], items);
}

/** X-Ray traces of the services that export to X-Ray: one trace per sampled request at the edge. */
export const xray: Rule = {
  types: [],
  price(ctx) {
    const traced = ecsServices(ctx.synth).filter((s) => s.tracesToXray);
    if (traced.length === 0) return { lines: [], notPriced: [] };
    const { requestsPerMonthMillions: requests, traceSampledPercent: sampled } = ctx.assumptions;
    const traces = (requests * sampled) / 100;
    const line = makeLine(
      traced[0]!.resource.stack,
      "X-Ray traces",
      `${fmt(traces)}M traces (${fmt(requests)}M requests × ${fmt(sampled)} % sampled); ${count(traced.length, "service")} export to X-Ray`,
      traced.map((s) => s.resource.address),
      [usage(ctx, "xray.traces.million", "million traces recorded", traces)],
    );
    return { lines: [line], notPriced: [] };
  },
};

/** The cluster is free; Container Insights bills per metric or observation, which needs usage we do not model. */
export const ecsCluster: Rule = {
  types: ["aws_ecs_cluster"],
  price(ctx) {
    const notPriced: NotPriced[] = [];
    for (const c of ctx.synth.resources("aws_ecs_cluster")) {
      const settings = Array.isArray(c.body.setting) ? (c.body.setting as Record<string, unknown>[]) : [];
      const insights = settings.find((s) => s.name === "containerInsights")?.value;
      if (insights === "enabled" || insights === "enhanced") {
        notPriced.push({
          stack: c.stack,
          type: c.type,
          resources: [c.address],
          reason: `Container Insights "${insights}" is billed per custom metric or per observation, which depends on task and container counts over time (the cluster itself is free)`,
        });
      }
    }
    return { lines: [], notPriced };
  },
};
