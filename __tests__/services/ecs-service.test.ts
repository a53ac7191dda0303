import { Testing, TerraformStack } from "cdktn";
import { Construct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { KmsKey } from "../../modules/kms-key";
import { EcsService, type EcsServiceProps } from "../../modules/ecs-service";
import { ServiceTaskDefinition } from "../../modules/ecs-service/task-definition";
import { ServiceRole } from "../../modules/service-role";
import { dataOf, onlyResource, resourcesOf, synthModule, type TfJson } from "../helpers/terraform";

/** Props of a load-balanced service on Spot, as the services stack builds them (literal ARNs). */
function props(key: KmsKey, overrides: Partial<EcsServiceProps> = {}): EcsServiceProps {
  return {
    name: "caller",
    namePrefix: "fc-t",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/fc-t",
    clusterName: "fc-t",
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    image: {
      repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fc-t/caller",
      repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/fc-t/caller",
      tag: "1.2.3",
    },
    cpu: 256,
    memoryMiB: 512,
    cpuArchitecture: "ARM64",
    containerPort: 8080,
    environment: { SERVICE_NAME: "caller", PORT: "8080" },
    secrets: {
      REDIS_AUTH_TOKEN: {
        arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fc-t-redis-AbCdEf",
        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/data",
      },
    },
    stopTimeoutSec: 30,
    desiredCount: 2,
    scaling: { minCount: 1, maxCount: 4, cpuTargetPercent: 60, scaleOutCooldownSec: 60, scaleInCooldownSec: 300 },
    capacityProviderStrategy: [
      { capacityProvider: "FARGATE", weight: 1, base: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3 },
    ],
    deployment: {
      strategy: "CANARY",
      bakeTimeMinutes: 5,
      canary: { percent: 10, bakeTimeMinutes: 3 },
      lifecycleHooks: [
        { functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:smoke", stages: ["POST_TEST_TRAFFIC_SHIFT"] },
      ],
    },
    serviceConnect: {
      namespaceArn: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-1",
      clientAlias: { dnsName: "caller", port: 8080 },
      perRequestTimeoutSec: 15,
      idleTimeoutSec: 120,
      tls: {
        privateCaArn: "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/abc-123",
        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/platform",
      },
    },
    loadBalancer: {
      productionListenerArn: "arn:listener/prod",
      testListenerArn: "arn:listener/test",
      albSecurityGroupId: "sg-alb",
      albArnSuffix: "app/fc-t/123",
      priority: 100,
      deregistrationDelaySec: 30,
      healthCheckGracePeriodSec: 30,
      requestsPerTaskPerMinute: 600,
    },
    logKmsKey: key,
    logRetentionDays: 14,
    faultInjection: { failureModeParameterName: "/fc-t/caller/failure-mode" },
    enableExecuteCommand: false,
    waitForSteadyState: true,
    alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:fc-t-alarms",
    alarmThresholds: { target5xxPerMinute: 10, latencyMs: 800 },
    ...overrides,
  };
}

function constructError(overrides: Partial<EcsServiceProps>): string {
  const stack = new TerraformStack(Testing.app(), "test");
  const key = new KmsKey(stack, "key", { alias: "k", description: "k" });
  try {
    new EcsService(stack, "svc", props(key, overrides));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the construct to throw");
}

type Container = Record<string, unknown> & { name: string };
const containersOf = (json: TfJson) =>
  JSON.parse(onlyResource(json, "aws_ecs_task_definition").container_definitions as string) as Container[];

describe("EcsService (load-balanced, canary, Spot, TLS)", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule(
      (s) => new EcsService(s, "caller", props(new KmsKey(s, "key", { alias: "k", description: "k" }))),
    );
  });

  it("when synthesized, then the deployment is ECS native with the canary settings, bake time and hooks", () => {
    const svc = onlyResource(json, "aws_ecs_service");
    expect(svc.deployment_controller).toEqual({ type: "ECS" });
    expect(svc.deployment_configuration).toMatchObject({
      strategy: "CANARY",
      bake_time_in_minutes: "5",
      canary_configuration: { canary_percent: 10, canary_bake_time_in_minutes: "3" },
      lifecycle_hook: [
        {
          hook_target_arn: "arn:aws:lambda:eu-west-1:123456789012:function:smoke",
          lifecycle_stages: ["POST_TEST_TRAFFIC_SHIFT"],
          role_arn: "${aws_iam_role.caller_lifecycle_hook_role_role.arn}",
        },
      ],
    });
    expect(svc.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
  });

  it("when a load balancer is given, then blue is primary and advanced_configuration names green, both rules and the role", () => {
    const svc = onlyResource(json, "aws_ecs_service");
    expect(svc.load_balancer).toEqual([
      {
        target_group_arn: "${aws_lb_target_group.caller_blue_green_blue.arn}",
        container_name: "caller",
        container_port: 8080,
        advanced_configuration: {
          alternate_target_group_arn: "${aws_lb_target_group.caller_blue_green_green.arn}",
          production_listener_rule: "${aws_lb_listener_rule.caller_blue_green_production_rule.arn}",
          test_listener_rule: "${aws_lb_listener_rule.caller_blue_green_test_rule.arn}",
          role_arn: "${aws_iam_role.caller_blue_green_infrastructure_role_role.arn}",
        },
      },
    ]);
    expect(svc.health_check_grace_period_seconds).toBe(30);
  });

  it("when the listener rules are created, then they forward 100/0 to blue/green and Terraform ignores ECS's weight changes", () => {
    const rules = resourcesOf(json, "aws_lb_listener_rule");
    expect(
      Object.values(rules)
        .map((r) => r.listener_arn)
        .sort(),
    ).toEqual(["arn:listener/prod", "arn:listener/test"]);
    for (const rule of Object.values(rules)) {
      expect(rule.action).toEqual([
        {
          type: "forward",
          forward: {
            target_group: [
              { arn: "${aws_lb_target_group.caller_blue_green_blue.arn}", weight: 100 },
              { arn: "${aws_lb_target_group.caller_blue_green_green.arn}", weight: 0 },
            ],
          },
        },
      ]);
      expect(rule.lifecycle).toEqual({ ignore_changes: ["action"] });
    }
  });

  it("when target groups are created, then they check /healthz and drain in under 120 s", () => {
    for (const tg of Object.values(resourcesOf(json, "aws_lb_target_group"))) {
      expect(tg).toMatchObject({ target_type: "ip", port: 8080, protocol: "HTTP", deregistration_delay: "30" });
      expect(tg.health_check).toMatchObject({ enabled: true, path: "/healthz", matcher: "200" });
    }
  });

  it("when deployments are guarded, then 5xx, unhealthy hosts and p95 alarms of both target groups roll back", () => {
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm");
    const names = Object.values(alarms)
      .map((a) => a.alarm_name)
      .sort();
    expect(names).toEqual(
      ["blue", "green"]
        .flatMap((c) => [
          `fc-t-caller-${c}-p95-latency`,
          `fc-t-caller-${c}-target-5xx`,
          `fc-t-caller-${c}-unhealthy-hosts`,
        ])
        .sort(),
    );
    expect(Object.values(alarms).find((a) => a.metric_name === "TargetResponseTime")).toMatchObject({
      extended_statistic: "p95",
      threshold: 0.8,
      treat_missing_data: "notBreaching",
    });
    expect(onlyResource(json, "aws_ecs_service").alarms).toMatchObject({ enable: true, rollback: true });
    expect((onlyResource(json, "aws_ecs_service").alarms as { alarm_names: string[] }).alarm_names).toHaveLength(6);
  });

  it("when Service Connect is on, then the service is client and server with timeouts, proxy logs and TLS from Private CA", () => {
    const sc = onlyResource(json, "aws_ecs_service").service_connect_configuration as Record<string, unknown>;
    expect(sc).toMatchObject({
      enabled: true,
      namespace: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-1",
      service: [
        {
          port_name: "http",
          discovery_name: "caller",
          client_alias: { dns_name: "caller", port: 8080 },
          timeout: { per_request_timeout_seconds: 15, idle_timeout_seconds: 120 },
          tls: {
            issuer_cert_authority: {
              aws_pca_authority_arn: "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/abc-123",
            },
            kms_key: "arn:aws:kms:eu-west-1:123456789012:key/platform",
            role_arn: "${aws_iam_role.caller_service_connect_tls_role_role.arn}",
          },
        },
      ],
      log_configuration: { log_driver: "awslogs" },
    });
  });

  it("when placed, then private subnets, no public IP, LATEST platform, the given strategy, and desired_count left to autoscaling", () => {
    const svc = onlyResource(json, "aws_ecs_service");
    expect(svc).toMatchObject({
      platform_version: "LATEST",
      network_configuration: { subnets: ["subnet-a", "subnet-b"], assign_public_ip: false },
      capacity_provider_strategy: [
        { capacity_provider: "FARGATE", weight: 1, base: 1 },
        { capacity_provider: "FARGATE_SPOT", weight: 3 },
      ],
      enable_execute_command: false,
      propagate_tags: "SERVICE",
      wait_for_steady_state: true,
      // ECS swaps the primary target group after each blue/green deployment (provider issue #45678).
      lifecycle: { ignore_changes: ["desired_count", "load_balancer"] },
    });
  });

  it("when the task definition is read, then the app container is hardened, named, health-checked and logs to KMS", () => {
    const td = onlyResource(json, "aws_ecs_task_definition");
    expect(td).toMatchObject({
      network_mode: "awsvpc",
      requires_compatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "ARM64" },
    });
    expect(td.execution_role_arn).not.toEqual(td.task_role_arn);
    const [app] = containersOf(json);
    expect(app).toMatchObject({
      name: "caller",
      essential: true,
      readonlyRootFilesystem: true,
      privileged: false,
      user: "65532:65532",
      stopTimeout: 30,
      portMappings: [{ name: "http", containerPort: 8080, protocol: "tcp", appProtocol: "http" }],
      secrets: [
        {
          name: "REDIS_AUTH_TOKEN",
          valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fc-t-redis-AbCdEf",
        },
      ],
      logConfiguration: { logDriver: "awslogs" },
    });
    expect(JSON.stringify(app!.healthCheck)).toContain("/healthz");
    for (const lg of Object.values(resourcesOf(json, "aws_cloudwatch_log_group"))) {
      expect(lg).toMatchObject({ retention_in_days: 14, kms_key_id: "${aws_kms_key.key_key.arn}" });
    }
  });

  it("when autoscaling, then CPU and requests per task (both target groups over running tasks) are tracked between min and max", () => {
    expect(onlyResource(json, "aws_appautoscaling_target")).toMatchObject({ min_capacity: 1, max_capacity: 4 });
    const policies = Object.values(resourcesOf(json, "aws_appautoscaling_policy"));
    expect(policies.map((p) => p.name).sort()).toEqual(["fc-t-caller-cpu", "fc-t-caller-requests"]);
    const requests = policies.find((p) => p.name === "fc-t-caller-requests")!;
    expect(JSON.stringify(requests)).toContain("(blue + green) / MAX([tasks, 1])");
  });

  it("when the failure-mode parameter is created, then it starts at none and the lab's flips never drift", () => {
    expect(onlyResource(json, "aws_ssm_parameter")).toMatchObject({
      name: "/fc-t/caller/failure-mode",
      value: "none",
      lifecycle: { ignore_changes: ["value"] },
    });
  });
});

describe("EcsService validation names the field", () => {
  it("when a canary percentage is out of range, then it is refused", () => {
    expect(
      constructError({
        deployment: { strategy: "CANARY", bakeTimeMinutes: 5, canary: { percent: 0, bakeTimeMinutes: 1 } },
      }),
    ).toBe(
      "FargateService test/svc/service: deployment.canary.percent must be a multiple of 0.1 from 0.1 to 100 (ECS CanaryConfiguration), got 0",
    );
  });

  it("when two providers set base, then it is refused (only one may)", () => {
    expect(
      constructError({
        capacityProviderStrategy: [
          { capacityProvider: "FARGATE", weight: 1, base: 1 },
          { capacityProvider: "FARGATE_SPOT", weight: 1, base: 1 },
        ],
      }),
    ).toMatch(
      /^FargateService test\/svc\/service: capacityProviderStrategy must be a strategy where only one provider sets base/,
    );
  });

  it("when stopTimeout is above 120, then it is refused", () => {
    expect(constructError({ stopTimeoutSec: 121 })).toBe(
      "ServiceTaskDefinition test/svc/task-definition: stopTimeoutSec must be an integer from 2 to 120, got 121",
    );
  });

  it("when a Spot service drains for 120 s or more, then it is refused", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const key = new KmsKey(stack, "key", { alias: "k", description: "k" });
    const base = props(key);
    expect(
      () =>
        new EcsService(stack, "svc", { ...base, loadBalancer: { ...base.loadBalancer!, deregistrationDelaySec: 120 } }),
    ).toThrow(
      "BlueGreenTargets test/svc/blue-green: deregistrationDelaySec must be below 120 s for a service on FARGATE_SPOT (2-minute interruption notice), got 120",
    );
  });

  it("when Service Connect TLS has no CA ARN, then it is refused", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const key = new KmsKey(stack, "key", { alias: "k", description: "k" });
    const base = props(key);
    expect(
      () =>
        new EcsService(stack, "svc", {
          ...base,
          serviceConnect: { ...base.serviceConnect, tls: { privateCaArn: "", kmsKeyArn: "k" } },
        }),
    ).toThrow(
      'FargateService test/svc/service: serviceConnect.tls.privateCaArn must be an AWS Private CA ARN (Service Connect TLS needs one), got ""',
    );
  });

  it("when the strategy is unknown, then it is refused", () => {
    expect(constructError({ deployment: { strategy: "ROLLING" as never, bakeTimeMinutes: 5 } })).toBe(
      'FargateService test/svc/service: deployment.strategy must be one of "BLUE_GREEN", "CANARY", "LINEAR", got "ROLLING"',
    );
  });
});

describe("EcsService roles, dependencies and internal services", () => {
  let lb: TfJson;
  let internal: TfJson;
  beforeAll(() => {
    lb = synthModule((s) => new EcsService(s, "caller", props(new KmsKey(s, "key", { alias: "k", description: "k" }))));
    internal = synthModule(
      (s) =>
        new EcsService(s, "responder", {
          ...props(new KmsKey(s, "key", { alias: "k", description: "k" })),
          name: "responder",
          loadBalancer: undefined,
          deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 5 },
        }),
    );
  });

  it("when ECS assumes its infrastructure role, then the trust is AWS's documented one (no condition ECS may not send)", () => {
    const trust = dataOf(lb, "aws_iam_policy_document").caller_blue_green_infrastructure_role_trust!.statement as {
      principals: unknown;
      condition?: unknown;
    }[];
    expect(trust).toEqual([
      expect.objectContaining({ principals: [{ type: "Service", identifiers: ["ecs.amazonaws.com"] }] }),
    ]);
    expect(trust[0]!.condition).toBeUndefined();
  });

  it("when the service is created or destroyed, then the infrastructure role's policy attachment outlives it", () => {
    expect(onlyResource(lb, "aws_ecs_service").depends_on).toContain(
      "aws_iam_role_policy_attachment.caller_blue_green_infrastructure_role_managed_AmazonECSInfrastructureRolePolicyForLoadBalancers",
    );
  });

  it("when an internal service is guarded, then its alarms read Service Connect target metrics by TargetDiscoveryName", () => {
    const alarms = Object.values(resourcesOf(internal, "aws_cloudwatch_metric_alarm"));
    const specs = alarms.map((a) => [a.metric_name, a.statistic ?? a.extended_statistic, a.dimensions]);
    expect(specs.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ["HTTPCode_Target_5XX_Count", "Sum", { TargetDiscoveryName: "responder" }],
      ["TargetResponseTime", "Average", { TargetDiscoveryName: "responder" }],
    ]);
    expect(onlyResource(internal, "aws_ecs_service").load_balancer).toBeUndefined();
    expect(onlyResource(internal, "aws_ecs_service").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
  });
});

describe("EcsService composition: grants, connections and the parts on their own", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule((s) => {
      const key = new KmsKey(s, "key", { alias: "k", description: "k" });
      const caller = new EcsService(s, "caller", props(key));
      const responder = new EcsService(s, "responder", {
        ...props(key),
        name: "responder",
        containerPort: 8081,
        loadBalancer: undefined,
        serviceConnect: { namespaceArn: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-1" },
        deployment: undefined,
        faultInjection: { failureModeParameterName: "/fc-t/responder/failure-mode", fis: true },
      });
      caller.connections.allowTo(responder, 8081, "Service Connect");
      // Its id stays out of addresses (as inside EcsService): the enclosing construct names them.
      new ServiceTaskDefinition(new Construct(s, "minimal"), "task-definition", {
        name: "minimal",
        namePrefix: "fc-t",
        image: { repositoryUrl: "public.ecr.aws/nginx/nginx", tag: "1.27" },
        containerPort: 9000,
        logKmsKey: key,
      });
    });
  });

  const service = (name: string) => resourcesOf(json, "aws_ecs_service")[`${name}_service`]!;

  it("when a lifecycle hook is configured, then the ECS service waits for the hook role and its policy, as for every task grant", () => {
    expect(service("caller").depends_on).toEqual(
      expect.arrayContaining([
        "aws_iam_role.caller_lifecycle_hook_role_role",
        "aws_iam_role_policy.caller_lifecycle_hook_role_policy",
        "aws_iam_role_policy.caller_execution_role_policy",
        "aws_iam_role_policy.caller_task_role_policy",
        "aws_iam_role.caller_service_connect_tls_role_role",
      ]),
    );
    expect(service("responder").depends_on).toEqual(
      expect.arrayContaining([
        "aws_iam_role_policy.responder_task_role_policy",
        "aws_iam_role_policy.responder_ssm_managed_instance_role_policy",
      ]),
    );
    expect(service("responder").depends_on).not.toContain("aws_iam_role_policy.caller_task_role_policy");
  });

  it("when one service is allowed to another, then one call writes the caller's egress and the target's ingress on the target's port", () => {
    const egress = resourcesOf(json, "aws_vpc_security_group_egress_rule").caller_sg_egress_app_to_responder;
    const ingress = resourcesOf(json, "aws_vpc_security_group_ingress_rule").responder_sg_ingress_app_from_caller;
    expect(egress).toMatchObject({
      security_group_id: "${aws_security_group.caller_sg_sg.id}",
      referenced_security_group_id: "${aws_security_group.responder_sg_sg.id}",
      ip_protocol: "tcp",
      from_port: 8081,
      to_port: 8081,
    });
    expect(ingress).toMatchObject({
      security_group_id: "${aws_security_group.responder_sg_sg.id}",
      referenced_security_group_id: "${aws_security_group.caller_sg_sg.id}",
      from_port: 8081,
      to_port: 8081,
    });
    expect(String(egress!.description)).toContain("responder");
    expect(String(ingress!.description)).toContain("caller");
  });

  it("when a service has no load balancer, then nothing but its callers may reach it", () => {
    const ingress = Object.keys(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter((k) =>
      k.startsWith("responder_"),
    );
    expect(ingress).toEqual(["responder_sg_ingress_app_from_caller"]);
  });

  it("when the Service Connect alias is left out, then the service's name and container port are its alias", () => {
    const sc = service("responder").service_connect_configuration as { service: { client_alias: unknown }[] };
    expect(sc.service[0]!.client_alias).toEqual({ dns_name: "responder", port: 8081 });
  });

  it("when a task definition gets only its required props, then the documented defaults apply and an external image needs no ECR grant", () => {
    const td = resourcesOf(json, "aws_ecs_task_definition").minimal_task!;
    expect(td).toMatchObject({ cpu: "256", memory: "512", runtime_platform: { cpu_architecture: "X86_64" } });
    const [app] = JSON.parse(td.container_definitions as string) as Record<string, unknown>[];
    expect(app).toMatchObject({ image: "public.ecr.aws/nginx/nginx:1.27", stopTimeout: 30 });
    const exec = dataOf(json, "aws_iam_policy_document").minimal_execution_role_policy_document!.statement as {
      sid: string;
    }[];
    expect(exec.map((st) => st.sid)).toEqual(["WriteLogs"]);
  });
});

describe("Connections and grants", () => {
  it("when a service is allowed to itself, then it is refused", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const key = new KmsKey(stack, "key", { alias: "k", description: "k" });
    const svc = new EcsService(stack, "svc", props(key, { loadBalancer: undefined }));
    expect(() => svc.connections.allowTo(svc, 8080, "loop")).toThrow(
      'SecurityGroup test/svc/service/sg: allowTo must be another service (a service reaches itself on loopback), got "caller"',
    );
  });

  it("when a role is granted a statement, then the grant names the role and its policy to depend on", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const role = new ServiceRole(stack, "role", { name: "r", assumedBy: "ecs-tasks.amazonaws.com" });
    const grant = role.addToPrincipalPolicy({ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] });
    expect(grant.dependables).toEqual([role.role, role.dependables()[1]]);
    expect(role.dependables()).toHaveLength(2);
  });
});
