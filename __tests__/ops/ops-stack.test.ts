import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import { FAILURE_MODES } from "../../apps/shared/src/config";
import devConfig from "../../config/dev";
import prodConfig from "../../config/prod";
import { ConfigError, parseEnvConfig } from "../../config/schema";
import { ERROR_TYPES, errorTypePattern } from "../../apps/shared/src/error-types";
import { hostSources } from "../../modules/lib/fis-sources";
import { synthesizedEnvironment } from "../helpers/synth-once";
import { dataOf, resourcesOf, synthApp, type TfJson } from "../helpers/terraform";

type Block = Record<string, unknown>;

/** dev (FIS on, one cache node), prod (FIS off, three nodes), and prod with FIS on (Multi-AZ cache). */
let dev: Record<string, TfJson>;
let prod: Record<string, TfJson>;
let prodFis: Record<string, TfJson>;

beforeAll(async () => {
  dev = (await synthesizedEnvironment("dev")).stacks;
  prod = (await synthesizedEnvironment("prod")).stacks;
  prodFis = synthApp(parseEnvConfig("prod", { ...prodConfig, fis: { enabled: true } })).stacks;
});

const REMOTE = /^\$\{data\.terraform_remote_state\.cross_stack_reference_input_(\w+)\.outputs\.(\w+)\}$/;
/** The stack and output a cross-stack reference reads, and that output's own value there. */
function resolveRemote(stacks: Record<string, TfJson>, ref: unknown): { stack: string; value: unknown } {
  const m = REMOTE.exec(String(ref));
  if (!m) throw new Error(`not a remote-state reference: ${String(ref)}`);
  return { stack: m[1]!, value: stacks[m[1]!]!.output![m[2]!]!.value };
}

const alarmsOf = (json: TfJson): Record<string, Block> =>
  Object.fromEntries(
    Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).map((a) => [String(a.alarm_name), a]),
  );

describe("ops stack: alarms", () => {
  it("when synthesized, then every alarm notifies the platform's topic on ALARM and OK", () => {
    const alarms = Object.values(alarmsOf(prod.ops!));
    expect(alarms.length).toBeGreaterThan(10);
    for (const a of alarms) {
      expect(resolveRemote(prod, (a.alarm_actions as string[])[0]).value).toBe("${aws_sns_topic.alarms_topic.arn}");
      expect(a.ok_actions).toEqual(a.alarm_actions);
    }
  });

  it("when the ALB 5xx alarm is built, then it is (ELB + target 5xx) / requests on the platform's ALB, threshold from config", () => {
    const a = alarmsOf(prod.ops!)["fc-prod-alb-5xx-rate"]!;
    expect(a).toMatchObject({ threshold: 1, comparison_operator: "GreaterThanThreshold", evaluation_periods: 3 });
    const queries = a.metric_query as Block[];
    const byId = Object.fromEntries(queries.map((q) => [q.id, q]));
    expect(Object.keys(byId).sort()).toEqual(["elb5xx", "rate", "requests", "target5xx"]);
    expect((byId.elb5xx!.metric as Block).metric_name).toBe("HTTPCode_ELB_5XX_Count");
    expect((byId.target5xx!.metric as Block).metric_name).toBe("HTTPCode_Target_5XX_Count");
    expect((byId.requests!.metric as Block).metric_name).toBe("RequestCount");
    const dims = (byId.requests!.metric as Block).dimensions as Record<string, string>;
    expect(resolveRemote(prod, dims.LoadBalancer).value).toBe("${aws_lb.alb_alb.arn_suffix}");
    expect(byId.rate!.expression).toBe(
      "IF(requests >= 50, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)",
    );
    expect(byId.rate!.return_data).toBe(true);
  });

  it("when services are monitored, then tasks-below-desired, CPU and memory alarms use their cluster and service names", () => {
    const alarms = alarmsOf(prod.ops!);
    for (const app of ["caller", "responder"]) {
      const below = alarms[`fc-prod-${app}-tasks-below-desired`]!;
      expect(below).toMatchObject({ evaluation_periods: 3, datapoints_to_alarm: 3, threshold: 1 });
      const q = below.metric_query as Block[];
      expect(q.map((x) => (x.metric as Block | undefined)?.metric_name ?? x.expression)).toEqual([
        "DesiredTaskCount",
        "RunningTaskCount",
        "desired - running",
      ]);
      const dims = (q[0]!.metric as Block).dimensions as Record<string, string>;
      expect(resolveRemote(prod, dims.ServiceName).value).toBe(`\${aws_ecs_service.${app}_service.name}`);
      expect(resolveRemote(prod, dims.ClusterName).value).toBe("${aws_ecs_cluster.ecs_cluster.name}");
      expect(alarms[`fc-prod-${app}-cpu-high`]).toMatchObject({ metric_name: "CPUUtilization", threshold: 80 });
      expect(alarms[`fc-prod-${app}-memory-high`]).toMatchObject({ metric_name: "MemoryUtilization", threshold: 80 });
    }
  });

  it("when the cache has three nodes, then each node has CPU, memory, evictions and replication lag alarms on its member cluster id", () => {
    const alarms = alarmsOf(prod.ops!);
    for (const node of ["001", "002", "003"]) {
      const cpu = alarms[`fc-prod-cache-${node}-engine-cpu`]!;
      expect(cpu).toMatchObject({ namespace: "AWS/ElastiCache", metric_name: "EngineCPUUtilization", threshold: 70 });
      expect(alarms[`fc-prod-cache-${node}-memory`]).toMatchObject({
        metric_name: "DatabaseMemoryUsagePercentage",
        threshold: 75,
      });
      expect(alarms[`fc-prod-cache-${node}-evictions`]).toMatchObject({ metric_name: "Evictions", threshold: 1000 });
      expect(alarms[`fc-prod-cache-${node}-replication-lag`]).toMatchObject({
        metric_name: "ReplicationLag",
        threshold: 5,
      });
      const id = (cpu.dimensions as Record<string, string>).CacheClusterId;
      // member_clusters crosses over; the sorted pick of node i happens here.
      const m = /^\$\{element\(sort\(tolist\(tolist\((data\.terraform_remote_state\.[\w.]+)\)\)\), (\d)\)\}$/.exec(
        id!,
      )!;
      expect(Number(m[2])).toBe(Number(node) - 1);
      const { stack, value } = resolveRemote(prod, `\${${m[1]}}`);
      expect(stack).toBe("data");
      expect(value).toBe("${aws_elasticache_replication_group.cache_replication_group.member_clusters}");
    }
  });

  it("when the cache has one node (dev), then there is no replication lag alarm", () => {
    const names = Object.keys(alarmsOf(dev.ops!));
    expect(names.filter((n) => n.includes("cache-")).sort()).toEqual([
      "fc-dev-cache-001-engine-cpu",
      "fc-dev-cache-001-evictions",
      "fc-dev-cache-001-memory",
    ]);
  });

  it("when Aurora is monitored, then CPU, connections and freeable memory alarm on the cluster identifier", () => {
    const alarms = alarmsOf(dev.ops!);
    expect(alarms["fc-dev-mysql-cpu-high"]).toMatchObject({ metric_name: "CPUUtilization", threshold: 80 });
    expect(alarms["fc-dev-mysql-connections-high"]).toMatchObject({
      metric_name: "DatabaseConnections",
      threshold: 150,
    });
    const mem = alarms["fc-dev-mysql-freeable-memory-low"]!;
    expect(mem).toMatchObject({
      metric_name: "FreeableMemory",
      statistic: "Minimum",
      comparison_operator: "LessThanThreshold",
      threshold: 128 * 1024 * 1024,
    });
    const id = (mem.dimensions as Record<string, string>).DBClusterIdentifier;
    expect(resolveRemote(dev, id).value).toBe("${aws_rds_cluster.mysql_cluster.cluster_identifier}");
  });

  it("when alarms other stacks own exist (blue/green, Service Connect, Firehose, ACU), then ops does not duplicate them", () => {
    const own = new Set(Object.keys(alarmsOf(prod.ops!)));
    for (const stack of ["platform", "data", "services"]) {
      for (const name of Object.keys(alarmsOf(prod[stack]!))) expect(own.has(name), name).toBe(false);
    }
  });
});

/** errorType values the apps' source writes, read from the source (see apps/shared/src/error-types.ts). */
function errorTypesInSource(): Set<string> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts") && !path.endsWith(".test.ts")) files.push(path);
    }
  };
  for (const app of ["shared", "caller", "responder"]) walk(join("apps", app, "src"));
  const found = new Set<string>();
  const all = (re: RegExp, text: string) => [...text.matchAll(re)].map((m) => m[1]!);
  const callerReasons: string[] = [];
  const responderReasons = new Set<string>(["unreachable"]);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    // Literals on a line that sets errorType ("none" is the lab's no-failure value, logged as undefined).
    for (const line of text.split("\n").filter((l) => /errorType\s*[:=]/.test(l))) {
      for (const lit of all(/"([a-z][a-z0-9_]*)"/g, line)) if (lit !== "none") found.add(lit);
    }
    // new HttpError(status, body, "type") and subclasses' super(status, body, "type").
    for (const t of all(/(?:new HttpError|super)\(\s*\d{3},(?:[^()]|\([^()]*\))*?"([a-z_]+)",?\s*\)/g, text))
      found.add(t);
    // DependencyError("<name>") and dependency("<name>", ...) → "<name>_unavailable".
    for (const d of all(/(?:new DependencyError|dependency)\("([a-z]+)"/g, text)) found.add(`${d}_unavailable`);
    // Crash handlers: crash("uncaught exception") → "uncaught_exception".
    for (const k of all(/crash\("([a-z ]+)"\)/g, text)) found.add(k.replace(/ /g, "_"));
    // The caller's missing parts: caller_<reason>, responder_<ServiceCallError reason>.
    callerReasons.push(...all(/missing\.caller_service_data = \{ reason: "([a-z_]+)"/g, text));
    for (const r of all(/new ServiceCallError\(name, "([a-z_]+)"/g, text)) responderReasons.add(r);
  }
  if (/res\.locals\.errorType = mode;/.test(readFileSync("apps/shared/src/http-app.ts", "utf8"))) {
    for (const m of FAILURE_MODES) if (m !== "none") found.add(m);
  }
  for (const r of callerReasons) found.add(`caller_${r}`);
  for (const r of responderReasons) found.add(`responder_${r}`);
  return found;
}

describe("ops stack: log metric filters", () => {
  it("when the apps' source is read, then ERROR_TYPES lists exactly the errorType values it writes", () => {
    expect([...errorTypesInSource()].sort()).toEqual([...ERROR_TYPES].sort());
  });

  it("when synthesized, then each app log group has a status >= 500 filter and one filter per errorType", () => {
    const filters = Object.values(resourcesOf(dev.ops!, "aws_cloudwatch_log_metric_filter"));
    expect(filters).toHaveLength(2 * (1 + ERROR_TYPES.length));
    for (const app of ["caller", "responder"]) {
      const mine = filters.filter((f) => (f.name as string).startsWith(`${app}-`));
      const group = resolveRemote(dev, mine[0]!.log_group_name);
      expect(group.value).toBe(`\${aws_cloudwatch_log_group.${app}_logs.name}`);
      expect(new Set(mine.map((f) => f.log_group_name)).size).toBe(1);
      const fiveXx = mine.find((f) => f.name === `${app}-status-5xx`)!;
      expect(fiveXx.pattern).toBe("{ $.status >= 500 }");
      expect(fiveXx.metric_transformation).toMatchObject({
        namespace: "FargateConnect/fc-dev",
        name: `${app}.status_5xx`,
        value: "1",
      });
      for (const type of ERROR_TYPES) {
        const f = mine.find((x) => (x.metric_transformation as Block).name === `${app}.errorType.${type}`);
        expect(f?.pattern, type).toBe(errorTypePattern(type));
      }
    }
  });

  it("when the caller reports both parts missing, then the responder reason's pattern still matches the joined value", () => {
    expect(errorTypePattern("responder_timeout")).toBe(
      '{ ($.errorType = "responder_timeout") || ($.errorType = "caller_redis_unavailable,responder_timeout") }',
    );
    expect(errorTypePattern("caller_redis_unavailable")).toBe(
      '{ ($.errorType = "caller_redis_unavailable") || ($.errorType = "caller_redis_unavailable,*") }',
    );
    expect(errorTypePattern("slow")).toBe('{ $.errorType = "slow" }');
  });
});

describe("ops stack: dashboard", () => {
  const body = (stacks: Record<string, TfJson>) => {
    const d = Object.values(resourcesOf(stacks.ops!, "aws_cloudwatch_dashboard"));
    expect(d).toHaveLength(1);
    return { name: d[0]!.dashboard_name, json: JSON.parse(d[0]!.dashboard_body as string) as { widgets: Block[] } };
  };

  it("when synthesized, then one dashboard per environment with a valid body of placed widgets", () => {
    const { name, json } = body(prod);
    expect(name).toBe("fc-prod-operations");
    expect(json.widgets.length).toBeGreaterThan(15);
    for (const w of json.widgets) {
      expect(["metric", "text", "alarm"]).toContain(w.type);
      expect((w.x as number) + (w.width as number)).toBeLessThanOrEqual(24);
      if (w.type === "metric") expect((w.properties as Block).region).toBe("eu-west-1");
    }
  });

  it("when read, then it charts the ALB, both services, both target groups, cache nodes, Aurora and Firehose of this environment", () => {
    const text = JSON.stringify(body(prod).json);
    const refs = [...text.matchAll(/\$\{data\.terraform_remote_state[^}]+\}/g)].map(
      (m) => resolveRemote(prod, m[0]).value,
    );
    expect(refs).toEqual(
      expect.arrayContaining([
        "${aws_lb.alb_alb.arn_suffix}",
        "${aws_ecs_cluster.ecs_cluster.name}",
        "${aws_ecs_service.caller_service.name}",
        "${aws_ecs_service.responder_service.name}",
        "${aws_lb_target_group.caller_blue_green_blue.arn_suffix}",
        "${aws_lb_target_group.caller_blue_green_green.arn_suffix}",
        "${aws_rds_cluster.mysql_cluster.cluster_identifier}",
        "${aws_kinesis_firehose_delivery_stream.log_pipeline_stream.name}",
        "${aws_cloudwatch_metric_alarm.caller_blue_green_blue_5xx.arn}",
        "${aws_cloudwatch_metric_alarm.responder_target_5xx.arn}",
      ]),
    );
    for (const metric of [
      "EngineCPUUtilization",
      "ReplicationLag",
      "DatabaseConnections",
      "DeliveryToS3.DataFreshness",
      "RunningTaskCount",
    ]) {
      expect(text).toContain(`"${metric}"`);
    }
  });

  it("when synthesized twice, then the dashboard body is identical", () => {
    const again = synthApp(loadConfig("prod")).stacks;
    expect(body(again).json).toEqual(body(prod).json);
  });

  it("when config turns the dashboard off, then there is none", () => {
    expect(resourcesOf(internalOnly.ops!, "aws_cloudwatch_dashboard")).toEqual({});
  });
});

/** dev with no ALB (every service internal) and no dashboard. */
let internalOnly: Record<string, TfJson>;
beforeAll(() => {
  const raw = structuredClone(devConfig) as unknown as Record<string, Record<string, unknown>>;
  const platform = raw.platform as Record<string, unknown>;
  delete platform.loadBalancer;
  delete platform.waf;
  const caller = (raw.services as Record<string, Record<string, unknown>>).caller!;
  caller.exposure = "internal";
  delete caller.loadBalancer;
  delete (raw as Record<string, unknown>).demoRoutes;
  raw.ops = { ...raw.ops, dashboard: false };
  internalOnly = synthApp(parseEnvConfig("dev", raw)).stacks;
});

describe("ops stack: an environment without an ALB", () => {
  it("when no service is public, then there is no ALB, no ALB alarm, and a composite of the services' 5xx alarms stops every experiment", () => {
    expect(resourcesOf(internalOnly.platform!, "aws_lb")).toEqual({});
    expect(Object.keys(alarmsOf(internalOnly.ops!)).filter((n) => n.includes("alb"))).toEqual([]);
    const composite = resourcesOf(internalOnly.ops!, "aws_cloudwatch_composite_alarm").alarms_services_5xx!;
    const parts = String(composite.alarm_rule).split(" OR ");
    expect(parts.map((p) => resolveRemote(internalOnly, /^ALARM\("(.+)"\)$/.exec(p)![1]).value)).toEqual([
      "${aws_cloudwatch_metric_alarm.caller_target_5xx.alarm_name}",
      "${aws_cloudwatch_metric_alarm.responder_target_5xx.alarm_name}",
    ]);
    const templates = Object.values(resourcesOf(internalOnly.ops!, "aws_fis_experiment_template"));
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      expect(t.stop_condition).toEqual([
        { source: "aws:cloudwatch:alarm", value: "${aws_cloudwatch_composite_alarm.alarms_services_5xx.arn}" },
      ]);
    }
    expect(internalOnly.ops!.output!.stopAlarmName!.value).toBe(
      "${aws_cloudwatch_composite_alarm.alarms_services_5xx.alarm_name}",
    );
  });
});

describe("ops stack: FIS experiment templates", () => {
  const templates = (stacks: Record<string, TfJson>): Record<string, Block> =>
    Object.fromEntries(
      Object.values(resourcesOf(stacks.ops!, "aws_fis_experiment_template")).map((t) => [
        String((t.action as Block[])[0]!.name),
        t,
      ]),
    );

  it("when FIS is off (prod), then no template and no FIS role exists", () => {
    expect(templates(prod)).toEqual({});
    expect(JSON.stringify(prod.ops!.data ?? {})).not.toContain("fis.amazonaws.com");
  });

  it("when FIS is on, then each service has stop-tasks and CPU stress, each connectsTo edge latency and blackhole, with the documented action ids and target types; the cache one only with Multi-AZ", () => {
    const expected = {
      "stop-caller-tasks": ["aws:ecs:stop-task", "aws:ecs:task", "Tasks"],
      "stop-responder-tasks": ["aws:ecs:stop-task", "aws:ecs:task", "Tasks"],
      "caller-cpu-stress": ["aws:ecs:task-cpu-stress", "aws:ecs:task", "Tasks"],
      "responder-cpu-stress": ["aws:ecs:task-cpu-stress", "aws:ecs:task", "Tasks"],
      "caller-responder-latency": ["aws:ecs:task-network-latency", "aws:ecs:task", "Tasks"],
      "caller-responder-blackhole": ["aws:ecs:task-network-blackhole-port", "aws:ecs:task", "Tasks"],
      "aurora-failover": ["aws:rds:failover-db-cluster", "aws:rds:cluster", "Clusters"],
      "cache-az-power": [
        "aws:elasticache:replicationgroup-interrupt-az-power",
        "aws:elasticache:replicationgroup",
        "ReplicationGroups",
      ],
    };
    expect(Object.keys(templates(dev)).sort()).toEqual(
      Object.keys(expected)
        .filter((k) => k !== "cache-az-power")
        .sort(),
    );
    const all = templates(prodFis);
    expect(Object.keys(all).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, [actionId, resourceType, targetKey]] of Object.entries(expected)) {
      const t = all[key]!;
      const action = (t.action as Block[])[0]!;
      expect(action.action_id, key).toBe(actionId);
      expect(action.target, key).toEqual({ key: targetKey, value: (t.target as Block[])[0]!.name });
      expect((t.target as Block[])[0]!.resource_type, key).toBe(resourceType);
    }
  });

  it("when any template runs, then the ALB 5xx alarm is its only stop condition", () => {
    for (const t of Object.values(templates(prodFis))) {
      expect(t.stop_condition).toEqual([
        { source: "aws:cloudwatch:alarm", value: "${aws_cloudwatch_metric_alarm.alarms_alb_5xx_rate.arn}" },
      ]);
    }
  });

  it("when task-level templates target tasks, then they name the cluster and the right service, with config's parameters", () => {
    const all = templates(dev);
    const target = (k: string) => (all[k]!.target as Block[])[0]!;
    const param = (k: string) =>
      Object.fromEntries(
        (((all[k]!.action as Block[])[0]!.parameter as Block[] | undefined) ?? []).map((p) => [p.key, p.value]),
      );
    expect(target("stop-responder-tasks").selection_mode).toBe("PERCENT(50)");
    expect(resolveRemote(dev, (target("stop-responder-tasks").parameters as Block).service).value).toBe(
      "${aws_ecs_service.responder_service.name}",
    );
    expect(resolveRemote(dev, (target("caller-cpu-stress").parameters as Block).service).value).toBe(
      "${aws_ecs_service.caller_service.name}",
    );
    expect(param("caller-cpu-stress")).toEqual({ duration: "PT5M", percent: "80" });
    // The private subnets' host addresses: not the public subnets (ALB), not the resolver at 10.20.0.2.
    expect(param("caller-responder-latency")).toMatchObject({
      delayMilliseconds: "500",
      sources: hostSources(["10.20.0.0/20", "10.20.16.0/20"]),
      useEcsFaultInjectionEndpoints: "true",
    });
    expect(String(param("caller-responder-latency").sources).split(",")).toEqual(
      expect.arrayContaining(["10.20.0.4/30", "10.20.8.0/21", "10.20.16.4/30", "10.20.24.0/21"]),
    );
    // The target's port (the responder's 8081), never the caller's own 8080 (its health check and ingress).
    expect(param("caller-responder-blackhole")).toMatchObject({
      port: "8081",
      protocol: "tcp",
      trafficType: "egress",
      useEcsFaultInjectionEndpoints: "true",
    });
    expect(param("caller-responder-blackhole").port).toBe(String(loadConfig("dev").services.responder!.port));
    expect(param("caller-responder-blackhole").port).not.toBe(String(loadConfig("dev").services.caller!.port));
    expect(resolveRemote(dev, (target("caller-responder-blackhole").parameters as Block).service).value).toBe(
      "${aws_ecs_service.caller_service.name}",
    );
  });

  it("when a template's role is read, then FIS assumes it for this account only and it may do only its action's calls, on scoped resources", () => {
    const docs = dataOf(prodFis.ops!, "aws_iam_policy_document");
    const policy = (key: string) => docs[`fis_${key.replace(/-/g, "_")}_role_policy_document`]!.statement as Block[];
    const trust = docs.fis_aurora_failover_role_trust!.statement as Block[];
    expect(trust[0]).toMatchObject({
      actions: ["sts:AssumeRole"],
      principals: [{ type: "Service", identifiers: ["fis.amazonaws.com"] }],
    });
    expect(policy("aurora-failover")).toEqual([
      expect.objectContaining({
        actions: ["rds:FailoverDBCluster", "rds:DescribeDBClusters"],
        resources: [expect.stringMatching(REMOTE)],
      }),
      expect.objectContaining({ actions: ["tag:GetResources"], resources: ["*"] }),
    ]);
    const stop = policy("stop-responder-tasks");
    expect(stop.flatMap((s) => s.actions as string[]).sort()).toEqual([
      "ecs:DescribeTasks",
      "ecs:ListTasks",
      "ecs:StopTask",
      "tag:GetResources",
    ]);
    const stopTask = stop.find((s) => (s.actions as string[]).includes("ecs:StopTask"))!;
    expect((stopTask.resources as string[])[0]).toMatch(
      /:task\/\$\{data\.terraform_remote_state\.\w+\.outputs\.\w+\}\/\*$/,
    );
    const list = stop.find((s) => (s.actions as string[]).includes("ecs:ListTasks"))!;
    expect(list.condition).toEqual([
      { test: "ArnEquals", variable: "ecs:cluster", values: [expect.stringMatching(REMOTE)] },
    ]);
    expect(
      policy("caller-cpu-stress")
        .flatMap((s) => s.actions as string[])
        .sort(),
    ).toEqual(["ecs:DescribeTasks", "ecs:ListTasks", "ssm:CancelCommand", "ssm:ListCommands", "ssm:SendCommand"]);
    expect(
      policy("cache-az-power")
        .flatMap((s) => s.actions as string[])
        .sort(),
    ).toEqual(["elasticache:DescribeReplicationGroups", "elasticache:InterruptClusterAzPower", "tag:GetResources"]);
  });
});

describe("ops config validation", () => {
  const bad =
    (ops: unknown, extra: Record<string, unknown> = {}) =>
    () =>
      parseEnvConfig("dev", { ...devConfig, ops, ...extra });

  it("when a percentage threshold is 0 or above 100, then the error names the field and the allowed range", () => {
    expect(bad({ alarms: { alb5xxPercent: 0 } })).toThrow(ConfigError);
    expect(bad({ alarms: { alb5xxPercent: 0 } })).toThrow(
      /ops\.alarms\.alb5xxPercent: got 0; Too small: expected number to be >0/,
    );
    expect(bad({ alarms: { cacheMemoryPercent: 101 } })).toThrow(/ops\.alarms\.cacheMemoryPercent: got 101; .*<=100/);
  });

  it("when a count threshold is not an integer, then the error names it", () => {
    expect(bad({ alarms: { dbConnections: 2.5 } })).toThrow(
      "ops.alarms.dbConnections: got 2.5; Invalid input: expected int, received number",
    );
  });

  it("when an unknown threshold is given, then the error lists the allowed keys", () => {
    expect(bad({ alarms: { albFiveXx: 3 } })).toThrow(
      /ops\.alarms\.albFiveXx: unknown key; allowed keys here: alb5xxPercent, alb5xxMinRequestsPerMinute/,
    );
  });

  it("when experiment settings are given but fis is off, then the error names ops.experiments and the switch", () => {
    expect(bad({ experiments: { latencyMs: 100 } }, { fis: { enabled: false } })).toThrow(
      'ops.experiments: got {"durationMinutes":5,"stopTaskPercent":50,"cpuStressPercent":80,"latencyMs":100}; experiment settings need fis.enabled: true (no FIS templates exist without it)',
    );
  });

  it("when the FIS switch is not a boolean, then the error names fis.enabled", () => {
    expect(bad(devConfig.ops, { fis: { enabled: "yes" } })).toThrow(/fis\.enabled: got "yes"; .*boolean/);
  });

  it("when an experiment value is out of range, then the error names it", () => {
    expect(bad({ experiments: { stopTaskPercent: 0 } })).toThrow(/ops\.experiments\.stopTaskPercent: got 0; .*>=1/);
  });
});

describe("ops stack: cross-stack direction", () => {
  it("when synthesized, then ops reads platform, data and services, and no stack reads ops", () => {
    for (const stacks of [dev, prod]) {
      const keys = Object.values(dataOf(stacks.ops!, "terraform_remote_state")).map(
        (r) => (r.config as { key: string }).key,
      );
      expect(keys.map((k) => /(\w+)\.tfstate$/.exec(k)![1]).sort()).toEqual(["data", "platform", "services"]);
      for (const [name, json] of Object.entries(stacks)) {
        if (name === "ops") continue;
        const reads = Object.values(dataOf(json, "terraform_remote_state")).map((r) => JSON.stringify(r.config));
        expect(
          reads.filter((r) => r.includes("ops.tfstate")),
          name,
        ).toEqual([]);
      }
    }
  });
});
