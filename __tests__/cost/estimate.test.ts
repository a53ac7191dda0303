import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import { costSchema } from "../../config/cost-schema";
import { parseEnvConfig } from "../../config/schema";
import { splitTasks } from "../../scripts/cost/rules/compute";
import { estimate } from "../../scripts/cost/estimate";
import { FREE_RESOURCE_TYPES } from "../../scripts/cost/free";
import type { CostLine, Estimate } from "../../scripts/cost/model";
import { NoPricesError } from "../../scripts/cost/price-table";
import { RULES } from "../../scripts/cost/rules";
import { readSynth, Synth, type StackJson } from "../../scripts/synthesized/synth";
import { NetworkStack } from "../../stacks/network";
import { devWith, errorOf } from "../helpers/config";
import { synthApp } from "../helpers/terraform";

const outdirs: string[] = [];

/** Synthesizes the network stack alone (cheap) and reads it back the way the CLI does. */
function synthNetwork(patch: Parameters<typeof devWith>[0]): Synth {
  const outdir = mkdtempSync(join(tmpdir(), "fc-cost-network-"));
  outdirs.push(outdir);
  const app = new App({ outdir });
  new NetworkStack(app, "network", { config: parseEnvConfig("dev", devWith(patch)) });
  app.synth();
  return readSynth(outdir);
}

/** A one-stack synth written by hand. */
function handSynth(resource: StackJson["resource"], region = "eu-west-1"): Synth {
  const provider = { aws: [{ region, default_tags: [{ tags: { "fc:environment": "hand" } }] }] };
  return new Synth([{ name: "hand", json: { provider, resource } }]);
}

const assumptions = (values: Record<string, number> = {}) => costSchema.parse(values);
const line = (e: Estimate, group: string): CostLine => {
  const found = e.stacks.flatMap((s) => s.lines).filter((l) => l.group === group);
  if (found.length !== 1) throw new Error(`expected one line "${group}", found ${found.length}`);
  return found[0]!;
};
const quantity = (l: CostLine, what: string) => l.usage.find((u) => u.what === what)?.quantity;

const taskDefinition = {
  cpu: "1024",
  memory: "2048",
  container_definitions: "[]",
  runtime_platform: { cpu_architecture: "X86_64", operating_system_family: "LINUX" },
};
const service = {
  name: "api",
  desired_count: 3,
  task_definition: "${aws_ecs_task_definition.task.arn}",
  capacity_provider_strategy: [
    { capacity_provider: "FARGATE", base: 1, weight: 1 },
    { capacity_provider: "FARGATE_SPOT", weight: 1 },
  ],
};

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe("cost estimate: arithmetic", () => {
  it("when a small network is priced, then the total is the figure computed by hand", () => {
    const synth = synthNetwork((c) => {
      c.network = {
        vpcCidr: "10.20.0.0/16",
        azCount: 2,
        natMode: "single",
        vpcEndpoints: false,
        flowLogRetentionDays: 14,
      };
    });
    const e = estimate(synth, assumptions({ natGbPerMonth: 20, vpcFlowLogsGbPerMonth: 5 }));
    // NAT:       1 gateway × 730 h × $0.048 = $35.04, plus 20 GB × $0.048 = $0.96      → $36.00
    // EIP:       1 address × 730 h × $0.005                                            →  $3.65
    // flow logs: 5 GB × $0.57 = $2.85 ingested; kept 14 days = 14 / (730 / 24) months,
    //            so 5 × 0.460274 = 2.30137 GB archived × $0.03 = $0.069041             →  $2.919041
    // KMS:       1 key × $1.00                                                         →  $1.00
    // total                                                                            → $43.569041
    expect(e.monthly.low).toBeCloseTo(43.569041, 5);
    expect(e.monthly.high).toBeCloseTo(43.569041, 5);
    expect(line(e, "NAT gateways").monthly.low).toBeCloseTo(36.0, 6);
    expect(line(e, "CloudWatch Logs: VPC flow logs").monthly.low).toBeCloseTo(2.919041, 5);
    expect(e.stacks[0]!.notPriced).toEqual([]);
  });

  it("when 3 tasks run with base 1 and weights 1:1, then 2 are on demand and 1 on Spot at the assumed discount", () => {
    expect(
      Object.fromEntries(
        splitTasks(
          3,
          service.capacity_provider_strategy.map((s) => ({ base: 0, ...s, provider: s.capacity_provider })),
        ),
      ),
    ).toEqual({
      FARGATE: 2,
      FARGATE_SPOT: 1,
    });
    const e = estimate(
      handSynth({ aws_ecs_task_definition: { task: taskDefinition }, aws_ecs_service: { api: service } }),
      assumptions({ fargateSpotDiscountPercent: 70 }),
    );
    // one task-hour: 1 vCPU × $0.04048 + 2 GB × $0.004445 = $0.04937
    // on demand: 2 tasks × $0.04937 × 730 h = $72.0802
    // Spot:      1 task × $0.04937 × (1 − 0.70) × 730 h = $10.81203
    expect(line(e, "Fargate: api").monthly.low).toBeCloseTo(72.0802 + 10.81203, 5);
  });

  it("when alarms watch several metrics, sub-minute periods or other alarms, then each is billed by its kind", () => {
    const metric = (name: string, period: number) => ({
      metric: { metric_name: name, namespace: "AWS/X", period, stat: "Sum" },
    });
    const e = estimate(
      handSynth({
        aws_cloudwatch_metric_alarm: {
          math: {
            metric_query: [metric("a", 60), metric("b", 60), metric("c", 300), { id: "e", expression: "a+b+c" }],
          },
          fast: { metric_name: "d", namespace: "AWS/X", period: 10 },
          plain: { metric_name: "f", namespace: "AWS/X", period: 300 },
        },
        aws_cloudwatch_composite_alarm: { any: { alarm_rule: "ALARM(math) OR ALARM(fast)" } },
      }),
      assumptions(),
    );
    // (3 metrics of the math alarm + 1 plain) × $0.10 + 1 high-resolution × $0.30 + 1 composite × $0.50
    expect(line(e, "CloudWatch alarms").monthly.low).toBeCloseTo(4 * 0.1 + 0.3 + 0.5, 9);
    expect(line(e, "CloudWatch alarms").detail).toBe("3 metric alarms watching 5 metrics, 1 composite alarm");
  });

  it("when the NAT mode goes from single to per-az, then exactly (AZs − 1) × 730 NAT-hours are added", () => {
    const natMode = (mode: string) => (c: Record<string, Record<string, unknown>>) => {
      c.network = { vpcCidr: "10.30.0.0/16", azCount: 3, natMode: mode, vpcEndpoints: false, flowLogRetentionDays: 14 };
    };
    const single = estimate(synthNetwork(natMode("single")), assumptions());
    const perAz = estimate(synthNetwork(natMode("per-az")), assumptions());
    const hours = (e: Estimate) => quantity(line(e, "NAT gateways"), "NAT gateway-hours")!;
    expect(hours(single)).toBe(730);
    expect(hours(perAz) - hours(single)).toBe(2 * 730);
    // 1,460 NAT-hours × $0.048; GB processed stays the same (it is the traffic, not the gateways)
    expect(line(perAz, "NAT gateways").monthly.low - line(single, "NAT gateways").monthly.low).toBeCloseTo(70.08, 6);
    // and each extra gateway holds an Elastic IP: 2 × 730 h × $0.005
    expect(perAz.monthly.low - single.monthly.low).toBeCloseTo(70.08 + 7.3, 6);
  });
});

describe("cost estimate: gaps", () => {
  it("when a resource type has no price and is not free, then it is listed as not priced and adds nothing", () => {
    const base = { aws_ecs_task_definition: { task: taskDefinition }, aws_ecs_service: { api: service } };
    const without = estimate(handSynth(base), assumptions());
    const withQueue = estimate(handSynth({ ...base, aws_sqs_queue: { jobs: { name: "jobs" } } }), assumptions());
    expect(withQueue.stacks[0]!.notPriced).toEqual([
      {
        stack: "hand",
        type: "aws_sqs_queue",
        resources: ["aws_sqs_queue.jobs"],
        reason: "no price for aws_sqs_queue in the table",
      },
    ]);
    expect(withQueue.monthly).toEqual(without.monthly);
    expect(withQueue.stacks[0]!.lines.map((l) => l.group)).toEqual(["Fargate: api"]);
  });

  it("when a cache node type is missing from the table, then the group is not priced, naming the type", () => {
    const e = estimate(
      handSynth({
        aws_elasticache_replication_group: {
          cache: { node_type: "cache.x2gd.large", engine: "valkey", num_cache_clusters: 2 },
        },
      }),
      assumptions(),
    );
    expect(e.stacks[0]!.lines).toEqual([]);
    expect(e.stacks[0]!.notPriced[0]!.reason).toBe("no eu-west-1 price for node type cache.x2gd.large in the table");
  });

  it("when the synth's region has no table, then the estimate fails with no prices for that region", () => {
    expect(() => estimate(handSynth({}, "us-east-1"), assumptions())).toThrow(NoPricesError);
    expect(() => estimate(handSynth({}, "us-east-1"), assumptions())).toThrow(/^no prices for us-east-1/);
  });

  it("when the rules and the free list are read together, then no resource type is both priced and free", () => {
    const priced = RULES.flatMap((r) => r.types);
    expect(priced.filter((t) => Object.hasOwn(FREE_RESOURCE_TYPES, t))).toEqual([]);
    expect(new Set(priced).size).toBe(priced.length);
  });
});

describe("cost assumptions in config", () => {
  it("when the cost block is omitted, then every assumption has its default", () => {
    const config = parseEnvConfig(
      "dev",
      devWith((c) => delete c.cost),
    );
    expect(config.cost).toEqual(costSchema.parse({}));
    expect(config.cost.fargateSpotDiscountPercent).toBe(70);
  });

  it("when an assumption is out of range or unknown, then the error names the field, the value and what is allowed", () => {
    const message = errorOf(devWith((c) => (c.cost = { natGbPerMonth: -1, requests: 3 })));
    expect(message).toContain("cost.natGbPerMonth: got -1; Too small: expected number to be >=0");
    expect(message).toContain(
      "cost.requests: unknown key; allowed keys here: fargateSpotDiscountPercent, requestsPerMonthMillions",
    );
  });
});

describe("cost estimate: dev and prod", () => {
  let dev: Estimate;
  let prod: Estimate;
  beforeAll(() => {
    for (const env of ["dev", "prod"] as const) {
      const { outdir } = synthApp(loadConfig(env));
      outdirs.push(outdir);
      const e = estimate(readSynth(outdir), loadConfig(env).cost);
      if (env === "dev") dev = e;
      else prod = e;
    }
  });

  it("when both environments are priced, then prod costs more than dev at both ends of the range", () => {
    expect(prod.monthly.low).toBeGreaterThan(dev.monthly.low);
    expect(prod.monthly.high).toBeGreaterThan(dev.monthly.high);
    expect(dev.monthly.low).toBeGreaterThan(0);
  });

  it("when prod is priced, then its counts come from the synth: 3 NAT gateways, 3 cache nodes, 2 Aurora instances at 2–32 ACU", () => {
    expect(quantity(line(prod, "NAT gateways"), "NAT gateway-hours")).toBe(3 * 730);
    const cache = prod.stacks.flatMap((s) => s.lines).find((l) => l.group.startsWith("ElastiCache"))!;
    expect(cache.usage[0]!.quantity).toBe(3 * 730);
    const aurora = prod.stacks.flatMap((s) => s.lines).find((l) => l.group.startsWith("Aurora"))!;
    expect(aurora.usage[0]).toMatchObject({ quantity: 2 * 2 * 730, quantityHigh: 2 * 32 * 730 });
    expect(line(prod, "VPC interface endpoints").usage[0]!.quantity).toBe(5 * 3 * 730);
  });

  it("when every stack of dev and prod is priced, then the only gap is Container Insights", () => {
    for (const e of [dev, prod]) {
      const gaps = e.stacks.flatMap((s) => s.notPriced);
      expect(gaps.map((g) => g.type)).toEqual(["aws_ecs_cluster"]);
      expect(gaps[0]!.reason).toContain("Container Insights");
    }
  });
});
