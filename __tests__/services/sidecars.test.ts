import { TerraformStack, Testing } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { OTLP_SIDECAR_ENDPOINT } from "../../apps/shared/src/tracing-settings";
import devRaw from "../../config/dev";
import prodRaw from "../../config/prod";
import { parseEnvConfig } from "../../config/schema";
import { APP_LOG_CONFIGURATION, LOG_ROUTER_CONTAINER_NAME, logRouterConfigFile } from "../../fluent-bit/contract";
import { KmsKey } from "../../modules/kms-key";
import {
  ADOT_COLLECTOR_IMAGE,
  COLLECTOR_CONTAINER_NAME,
  EcsService,
  SSM_AGENT_CONTAINER_NAME,
  type EcsServiceProps,
  type LogRouterSettings,
} from "../../modules/ecs-service";
import { environmentReferences, readClassicConfig } from "../fluent-bit/classic-config";
import { synthesizedEnvironment } from "../helpers/synth-once";
import { dataOf, onlyResource, synthApp, synthModule, type TfJson } from "../helpers/terraform";

type Container = Record<string, unknown> & {
  name: string;
  environment?: { name: string; value: string }[];
  portMappings?: unknown[];
};
type Statement = {
  sid?: string;
  actions: string[];
  resources: string[];
  condition?: { test: string; variable: string; values: string[] }[];
};

const containersOf = (json: TfJson) =>
  JSON.parse(onlyResource(json, "aws_ecs_task_definition").container_definitions as string) as Container[];
const byName = (json: TfJson, name: string) => containersOf(json).find((c) => c.name === name);
const envOf = (c: Container | undefined) => Object.fromEntries((c?.environment ?? []).map((e) => [e.name, e.value]));

const granted: string[] = [];
const logRouter = (over: Partial<LogRouterSettings> = {}): LogRouterSettings => ({
  repository: {
    url: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fc-t/log-router",
    arn: "arn:aws:ecr:eu-west-1:123456789012:repository/fc-t/log-router",
  },
  imageTag: "2.0.0",
  logPipeline: {
    deliveryStreamName: "fc-t-logs",
    grantPutRecords: (role) => {
      granted.push("grant");
      return role.addToPrincipalPolicy({
        sid: "PutLogRecords",
        actions: ["firehose:PutRecordBatch"],
        resources: ["arn:aws:firehose:eu-west-1:123456789012:deliverystream/fc-t-logs"],
      });
    },
  },
  ...over,
});

/** An internal service (no load balancer) with only the sidecar switches varying. */
function props(key: KmsKey, over: Partial<EcsServiceProps> = {}): EcsServiceProps {
  return {
    name: "responder",
    namePrefix: "fc-t",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/fc-t",
    clusterName: "fc-t",
    vpcId: "vpc-1",
    subnetIds: ["subnet-a"],
    image: {
      repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fc-t/responder",
      repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/fc-t/responder",
      tag: "1.0.0",
    },
    cpu: 512,
    memoryMiB: 1024,
    containerPort: 8081,
    environment: { SERVICE_NAME: "responder", PORT: "8081" },
    desiredCount: 1,
    scaling: { minCount: 1, maxCount: 2 },
    capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
    deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 5 },
    serviceConnect: { namespaceArn: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-1" },
    logKmsKey: key,
    logRetentionDays: 14,
    faultInjection: { failureModeParameterName: "/fc-t/responder/failure-mode" },
    alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:fc-t-alarms",
    ...over,
  };
}

const synth = (over: (key: KmsKey) => Partial<EcsServiceProps>) =>
  synthModule((s) => {
    const key = new KmsKey(s, "key", { alias: "k", description: "k" });
    new EcsService(s, "responder", props(key, over(key)));
  });

describe("EcsService sidecars on (FireLens, ADOT collector, FIS)", () => {
  let json: TfJson;
  beforeAll(() => {
    granted.length = 0;
    json = synth(() => ({
      logRouter: logRouter(),
      tracing: { reservoirPerSecond: 2, fixedRate: 0.25 },
      faultInjection: { failureModeParameterName: "/fc-t/responder/failure-mode", fis: true },
    }));
  });

  it("when FireLens is on, then the router is essential, reads our config file, reserves memory and logs to KMS CloudWatch", () => {
    const router = byName(json, LOG_ROUTER_CONTAINER_NAME)!;
    expect(router).toMatchObject({
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fc-t/log-router:2.0.0",
      essential: true,
      readonlyRootFilesystem: true,
      privileged: false,
      memoryReservation: 64,
      firelensConfiguration: {
        type: "fluentbit",
        options: {
          "config-file-type": "file",
          "config-file-value": logRouterConfigFile({ dropHealthChecks: true, logstash: false }),
          "enable-ecs-log-metadata": "true",
        },
      },
      mountPoints: [{ sourceVolume: "log-router-tmp", containerPath: "/tmp", readOnly: false }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "${aws_cloudwatch_log_group.responder_logs.name}",
          "awslogs-stream-prefix": "log-router",
        },
      },
    });
    // FireLens runs Fluent Bit as root (the policy suite's CTR-03 exception names this container only).
    expect(router.user).toBe("0");
    expect(router.portMappings).toBeUndefined();
    expect(onlyResource(json, "aws_ecs_task_definition").volume).toEqual([{ name: "log-router-tmp" }]);
  });

  it("when FireLens is on, then the router sets exactly the variables its entry file reads", () => {
    const router = byName(json, LOG_ROUTER_CONTAINER_NAME)!;
    const file = (router.firelensConfiguration as { options: Record<string, string> }).options["config-file-value"]!;
    const read = environmentReferences(readClassicConfig(file));
    expect(Object.keys(envOf(router)).sort()).toEqual(read);
    expect(envOf(router)).toMatchObject({ ECS_SERVICE_NAME: "responder", FIREHOSE_DELIVERY_STREAM: "fc-t-logs" });
    expect(envOf(router).FIREHOSE_REGION).toMatch(/^\$\{data\.aws_region\.[\w]+\.region\}$/);
  });

  it("when FireLens is on, then the app logs through awsfirelens with no options and starts after the router and the collector", () => {
    const app = byName(json, "responder")!;
    expect(app.logConfiguration).toEqual(APP_LOG_CONFIGURATION);
    expect(app.dependsOn).toEqual([
      { containerName: LOG_ROUTER_CONTAINER_NAME, condition: "START" },
      { containerName: COLLECTOR_CONTAINER_NAME, condition: "START" },
    ]);
  });

  it("when FireLens is on, then the task role may put records on the stream and the execution role may pull the router image", () => {
    expect(granted).toHaveLength(1);
    const task = Object.entries(dataOf(json, "aws_iam_policy_document")).find(([k]) => k.includes("task_role"))!;
    const put = (task[1].statement as Statement[]).find((s) => s.sid === "PutLogRecords");
    expect(put).toMatchObject({ actions: ["firehose:PutRecordBatch"] });
    const exec = Object.entries(dataOf(json, "aws_iam_policy_document")).find(([k]) => k.includes("execution_role"))!;
    const pull = (exec[1].statement as Statement[]).find((s) => s.sid === "PullImage")!;
    expect(pull.resources).toContain("arn:aws:ecr:eu-west-1:123456789012:repository/fc-t/log-router");
  });

  it("when tracing is on, then a pinned, non-essential, non-root collector receives OTLP/HTTP on loopback only and exports to X-Ray", () => {
    const collector = byName(json, COLLECTOR_CONTAINER_NAME)!;
    expect(ADOT_COLLECTOR_IMAGE).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/);
    expect(collector).toMatchObject({
      image: ADOT_COLLECTOR_IMAGE,
      essential: false,
      readonlyRootFilesystem: true,
      memoryReservation: 128,
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-stream-prefix": "otel-collector" } },
    });
    expect(collector.user).not.toMatch(/^(0|root)(:|$)/);
    expect(collector.portMappings).toBeUndefined();
    expect(Object.keys(envOf(collector))).toEqual(["AOT_CONFIG_CONTENT"]);
    const config = parseYaml(envOf(collector).AOT_CONFIG_CONTENT!) as Record<string, Record<string, unknown>>;
    expect(config.receivers).toEqual({ otlp: { protocols: { http: { endpoint: "127.0.0.1:4318" } } } });
    expect(config.service).toMatchObject({
      extensions: ["awsproxy"],
      telemetry: { metrics: { level: "none" } },
      pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["awsxray"] } },
    });
    // The X-Ray sampling proxy listens on loopback only, on the port the X-Ray SDKs' samplers use.
    expect(config.extensions).toEqual({
      awsproxy: { endpoint: "127.0.0.1:2000", region: expect.stringMatching(/^\$\{data\.aws_region\./) },
    });
    const limiter = (config.processors as Record<string, { limit_mib: number }>).memory_limiter!;
    expect(limiter.limit_mib).toBeLessThan(128);
  });

  it("when tracing is on, then the app gets the OTLP endpoint, its name, the sampling proxy and ratio, and the task role exactly the X-Ray writes and sampling reads", () => {
    expect(envOf(byName(json, "responder"))).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_SIDECAR_ENDPOINT,
      OTEL_SERVICE_NAME: "fc-t-responder",
      TRACES_SAMPLE_RATIO: "0.25",
      XRAY_SAMPLING_ENDPOINT: "http://127.0.0.1:2000",
    });
    const task = Object.entries(dataOf(json, "aws_iam_policy_document")).find(([k]) => k.includes("task_role"))!;
    const xray = (task[1].statement as Statement[]).filter((s) => s.actions.some((a) => a.startsWith("xray:")));
    expect(xray).toEqual([
      { sid: "WriteTraces", actions: ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], resources: ["*"] },
      {
        sid: "ReadSamplingRules",
        actions: ["xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets"],
        resources: ["*"],
      },
    ]);
  });

  it("when tracing is on, then one X-Ray sampling rule matches the service's name with the configured reservoir and rate", () => {
    expect(onlyResource(json, "aws_xray_sampling_rule")).toEqual({
      rule_name: "fc-t-responder",
      service_name: "fc-t-responder",
      priority: 9000,
      version: 1,
      reservoir_size: 2,
      fixed_rate: 0.25,
      service_type: "*",
      host: "*",
      http_method: "*",
      url_path: "*",
      resource_arn: "*",
    });
  });

  it("when FIS is on, then the task definition enables fault injection with a task PID namespace and the SSM agent sidecar", () => {
    expect(onlyResource(json, "aws_ecs_task_definition")).toMatchObject({
      enable_fault_injection: true,
      pid_mode: "task",
    });
    const agent = byName(json, SSM_AGENT_CONTAINER_NAME)!;
    expect(agent).toMatchObject({ essential: false, entryPoint: [], user: "0", readonlyRootFilesystem: false });
    expect((agent.command as string[]).slice(0, 2)).toEqual(["/bin/bash", "-c"]);
    expect((agent.command as string[])[2]).toContain("amazon-ssm-agent -register");
    expect(envOf(agent)).toEqual({
      MANAGED_INSTANCE_ROLE_NAME: "${aws_iam_role.responder_ssm_managed_instance_role_role.name}",
    });
    expect(agent.portMappings).toBeUndefined();
  });

  it("when FIS is on, then the task role registers the task and passes only the managed-instance role, to SSM only", () => {
    const task = Object.entries(dataOf(json, "aws_iam_policy_document")).find(([k]) => k.includes("task_role"))!;
    const statements = task[1].statement as Statement[];
    expect(statements.find((s) => s.sid === "FisRegisterTask")).toMatchObject({
      actions: ["ssm:AddTagsToResource", "ssm:CreateActivation"],
    });
    expect(statements.find((s) => s.sid === "FisPassManagedInstanceRole")).toMatchObject({
      actions: ["iam:PassRole"],
      resources: ["${aws_iam_role.responder_ssm_managed_instance_role_role.arn}"],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ssm.amazonaws.com"] }],
    });
    const role = Object.entries(resourcesOfType(json, "aws_iam_role")).find(([k]) => k.includes("ssm_managed"))![1];
    expect(String(role.assume_role_policy)).toContain("ssm");
    expect(JSON.stringify(json.resource)).toContain(":iam::aws:policy/AmazonSSMManagedInstanceCore");
  });
});

function resourcesOfType(json: TfJson, type: string): Record<string, Record<string, unknown>> {
  return ((json.resource as Record<string, Record<string, Record<string, unknown>>>) ?? {})[type] ?? {};
}

describe("EcsService sidecars off", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synth(() => ({}));
  });

  it("when no switch is on, then the task runs the app alone, logging to CloudWatch with awslogs", () => {
    const containers = containersOf(json);
    expect(containers.map((c) => c.name)).toEqual(["responder"]);
    expect(containers[0]!.logConfiguration).toMatchObject({ logDriver: "awslogs" });
    expect(containers[0]!.dependsOn).toBeUndefined();
    expect(Object.keys(envOf(containers[0]))).not.toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
  });

  it("when no switch is on, then there is no fault injection, no X-Ray, no Firehose and no managed-instance role", () => {
    const td = onlyResource(json, "aws_ecs_task_definition");
    expect(td.enable_fault_injection).toBeUndefined();
    expect(td.pid_mode).toBeUndefined();
    expect(td.volume).toBeUndefined();
    const text = JSON.stringify(json);
    for (const action of ["xray:", "firehose:", "ssm:CreateActivation", "iam:PassRole"]) {
      expect(text).not.toContain(action);
    }
    expect(Object.keys(resourcesOfType(json, "aws_iam_role")).some((k) => k.includes("ssm_managed"))).toBe(false);
    expect(resourcesOfType(json, "aws_xray_sampling_rule")).toEqual({});
  });
});

describe("EcsService sidecars: Logstash and the health-check switch", () => {
  it("when Logstash is set and health checks are kept, then the router reads the matching file and sets exactly its variables", () => {
    const json = synth(() => ({
      logRouter: logRouter({ dropHealthChecks: false, logstash: { host: "logstash.internal", tls: true } }),
    }));
    const router = byName(json, LOG_ROUTER_CONTAINER_NAME)!;
    const file = (router.firelensConfiguration as { options: Record<string, string> }).options["config-file-value"]!;
    expect(file).toBe(logRouterConfigFile({ dropHealthChecks: false, logstash: true }));
    expect(Object.keys(envOf(router)).sort()).toEqual(environmentReferences(readClassicConfig(file)));
    expect(envOf(router)).toMatchObject({
      LOGSTASH_HOST: "logstash.internal",
      LOGSTASH_PORT: "5049",
      LOGSTASH_TLS: "On",
    });
  });
});

describe("EcsService sidecars: validation names the field", () => {
  const error = (over: Partial<EcsServiceProps>) => {
    const stack = new TerraformStack(Testing.app(), "test");
    const key = new KmsKey(stack, "key", { alias: "k", description: "k" });
    try {
      new EcsService(stack, "svc", props(key, over));
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected the construct to throw");
  };

  it("when FIS and ECS Exec are both on, then it is refused (FIS task actions need Exec off)", () => {
    expect(error({ faultInjection: { fis: true }, enableExecuteCommand: true })).toBe(
      "ServiceFaultInjection test/svc/fault-injection: fis must be off while enableExecuteCommand is on (FIS task actions need ECS Exec disabled), got true",
    );
  });

  it("when the X-Ray rule name would pass 32 characters, then it is refused naming serviceName", () => {
    expect(error({ namePrefix: "fc-a-long-prefix", name: "a-long-service-name", tracing: {} })).toBe(
      'TraceSamplingRule test/svc/sampling-rule: serviceName must be 1–32 characters (the X-Ray rule name limit), got "fc-a-long-prefix-a-long-service-name"',
    );
  });

  it("when the Logstash port is out of range, then the contract refuses it naming logstash.port", () => {
    expect(error({ logRouter: logRouter({ logstash: { host: "ls", port: 70000 } }) })).toBe(
      "logstash.port: 70000 is out of range; expected an integer from 1 to 65535",
    );
  });
});

describe("config: logging, Logstash, tracing and fis", () => {
  const withService = (over: Record<string, unknown>, top: Record<string, unknown> = {}) => {
    const raw = structuredClone(devRaw) as unknown as Record<string, Record<string, Record<string, unknown>>>;
    raw.services!.caller = { ...raw.services!.caller, ...over };
    return () => parseEnvConfig("dev", { ...raw, ...top });
  };

  it("when a Logstash port is out of range, then the error names services.caller.logstash.port and the bound", () => {
    expect(withService({ logstash: { host: "logstash.internal", port: 70000 } })).toThrow(
      /services\.caller\.logstash\.port: got 70000; .*65535/,
    );
  });

  it("when Logstash is set on an awslogs service, then it is refused instead of ignored", () => {
    expect(withService({ logging: "awslogs", logstash: { host: "logstash.internal" } })).toThrow(
      'services.caller.logstash: got {"host":"logstash.internal","port":5049,"tls":false}; logstash applies only to logging "firelens" (this service uses "awslogs")',
    );
  });

  it("when fis carries an unknown key, then the error lists the allowed ones", () => {
    expect(withService({}, { fis: { enabled: true, actions: [] } })).toThrow(
      "fis.actions: unknown key; allowed keys here: enabled",
    );
  });

  it("when tracing is true, then it is on with the X-Ray defaults (reservoir 1/s, 5 %)", () => {
    expect(withService({ tracing: true })().services.caller!.tracing).toEqual({
      reservoirPerSecond: 1,
      fixedRate: 0.05,
    });
    expect(withService({ tracing: false })().services.caller!.tracing).toBeUndefined();
    expect(withService({ tracing: { fixedRate: 2 } })).toThrow(/services\.caller\.tracing\.fixedRate: got 2/);
  });

  it("when nothing is set, then logging is firelens, tracing off, port 5049 and FIS off", () => {
    const raw = structuredClone(prodRaw) as unknown as Record<string, unknown>;
    delete raw.fis;
    const parsed = parseEnvConfig("prod", raw);
    expect(parsed.fis).toEqual({ enabled: false });
    expect(parsed.services.responder!.logging).toBe("firelens");
    const caller = withService({ logstash: { host: "ls" }, tracing: undefined })();
    expect(caller.services.caller!.logstash).toEqual({ host: "ls", port: 5049, tls: false });
    expect(caller.services.caller!.tracing).toBeUndefined();
  });
});

describe("services stack: sidecars from config", () => {
  let dev: TfJson;
  let prodAwslogs: TfJson;
  beforeAll(async () => {
    dev = (await synthesizedEnvironment("dev")).stacks.services!;
    const raw = structuredClone(prodRaw) as unknown as Record<string, Record<string, Record<string, unknown>>>;
    raw.services!.responder = { ...raw.services!.responder, logging: "awslogs", tracing: false };
    prodAwslogs = synthApp(parseEnvConfig("prod", raw)).stacks.services!;
  });

  const task = (json: TfJson, app: string) =>
    JSON.parse(
      resourcesOfType(json, "aws_ecs_task_definition")[`${app}_task`]!.container_definitions as string,
    ) as Container[];

  it("when dev is synthesized, then both tasks run app, router, collector and SSM agent, with fault injection on", () => {
    for (const app of ["caller", "responder"]) {
      expect(task(dev, app).map((c) => c.name)).toEqual([app, "log-router", "aws-otel-collector", "amazon-ssm-agent"]);
      expect(resourcesOfType(dev, "aws_ecs_task_definition")[`${app}_task`]).toMatchObject({
        enable_fault_injection: true,
      });
      expect((dev.output as Record<string, unknown>)[`${app}SsmManagedInstanceRoleArn`]).toBeDefined();
    }
    expect(task(dev, "caller")[1]!.image).toMatch(
      /log_router_repository_repository_url\}:\$\{var\.log_router_image_tag\}$/,
    );
    expect(
      ((dev as unknown as Record<string, unknown>).variable as Record<string, { default: string }>)
        .log_router_image_tag!.default,
    ).toBe("0.1.0");
  });

  it("when dev acknowledges its demo routes and prod leaves them off, then DEMO_ROUTES_ENABLED follows each environment", () => {
    for (const app of ["caller", "responder"]) {
      expect(envOf(task(dev, app)[0]!).DEMO_ROUTES_ENABLED).toBe("true");
      expect(envOf(task(prodAwslogs, app)[0]!).DEMO_ROUTES_ENABLED).toBe("false");
    }
  });

  it("when prod sets awslogs on the responder, then it logs to CloudWatch, has no router, and prod has no FIS sidecar", () => {
    expect(task(prodAwslogs, "responder").map((c) => c.name)).toEqual(["responder"]);
    expect(task(prodAwslogs, "responder")[0]!.logConfiguration).toMatchObject({ logDriver: "awslogs" });
    expect(task(prodAwslogs, "caller").map((c) => c.name)).toEqual(["caller", "log-router", "aws-otel-collector"]);
    expect(resourcesOfType(prodAwslogs, "aws_ecs_task_definition").caller_task!.enable_fault_injection).toBeUndefined();
    expect((prodAwslogs.output as Record<string, unknown>).callerSsmManagedInstanceRoleArn).toBeUndefined();
  });

  it("when FireLens is on, then the stack's ingress rules admit only the services' own ports (never 24224, 4318 or 2000)", () => {
    const rules = Object.values(resourcesOfType(dev, "aws_vpc_security_group_ingress_rule"));
    expect(rules.map((r) => [r.from_port, r.to_port]).sort()).toEqual([
      [8080, 8080],
      [8081, 8081],
    ]);
  });
});
