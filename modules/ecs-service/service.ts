import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import {
  EcsService as EcsServiceResource,
  type EcsServiceDeploymentConfiguration,
  type EcsServiceServiceConnectConfiguration,
} from "@cdktn/provider-aws/lib/ecs-service";
import { dependable, type ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { AwsContext } from "../aws-context";
import type { KmsKey } from "../kms-key";
import { omitFromAddress } from "../lib/address";
import type { Grant } from "../lib/iam";
import { Validator } from "../lib/validate";
import { SecurityGroup } from "../security-group";
import { ServiceRole } from "../service-role";
import type { BlueGreenTargets } from "./blue-green";
import { Connections, type IConnectable } from "./connections";
import { APP_PORT_NAME, type ServiceTaskDefinition } from "./task-definition";

export type DeploymentStrategy = "BLUE_GREEN" | "CANARY" | "LINEAR";

export interface CapacityProviderItem {
  readonly capacityProvider: "FARGATE" | "FARGATE_SPOT";
  readonly weight: number;
  /** Tasks placed on this provider first; Fargate allows a base on one provider only. */
  readonly base?: number;
}

export interface DeploymentSettings {
  readonly strategy: DeploymentStrategy;
  /** Minutes both revisions run after production traffic moved (0–1440). */
  readonly bakeTimeMinutes: number;
  /** CANARY only. */
  readonly canary?: { readonly percent: number; readonly bakeTimeMinutes: number };
  /** LINEAR only. */
  readonly linear?: { readonly stepPercent: number; readonly stepBakeTimeMinutes: number };
  /**
   * Lambda hooks ECS invokes at deployment stages.
   * @default - none
   */
  readonly lifecycleHooks?: readonly { readonly functionArn: string; readonly stages: readonly string[] }[];
}

export interface ServiceConnectSettings {
  /** The Cloud Map HTTP namespace. */
  readonly namespaceArn: string;
  /**
   * Name and port other services use: http://<dnsName>:<port>.
   * @default - the service's name and its container port
   */
  readonly clientAlias?: { readonly dnsName: string; readonly port: number };
  /**
   * Seconds the proxy waits for a complete response (0 disables).
   * @default 15
   */
  readonly perRequestTimeoutSec?: number;
  /**
   * Seconds an idle connection stays open.
   * @default 120
   */
  readonly idleTimeoutSec?: number;
  /**
   * TLS between the proxies (AWS Private CA issues the certificates; ECS needs an infrastructure
   * role and a KMS key for the private keys).
   * @default - plain HTTP inside the VPC
   */
  readonly tls?: { readonly privateCaArn: string; readonly kmsKeyArn: string };
}

/** Behind the ALB: ECS shifts the listener rules between the blue and green target groups. */
export interface ServiceLoadBalancing {
  readonly targets: BlueGreenTargets;
  /**
   * Seconds the load balancer's health checks are ignored after a task starts (0–7200).
   * @default 30
   */
  readonly healthCheckGracePeriodSec?: number;
}

export interface FargateServiceProps {
  /** Service name inside the cluster (also its Service Connect discovery name). */
  readonly name: string;
  /** Prefix of AWS names: the group and the roles are `<namePrefix>-<name>...`. */
  readonly namePrefix: string;
  readonly clusterArn: string;
  readonly taskDefinition: ServiceTaskDefinition;
  readonly vpcId: string;
  /** Private subnets; tasks never get a public IP. */
  readonly subnetIds: readonly string[];
  readonly serviceConnect: ServiceConnectSettings;
  /** Key of the Service Connect proxy's log group. */
  readonly logKmsKey: KmsKey;
  /**
   * Days the proxy's log group keeps events.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Tasks at the first deploy (autoscaling owns the count afterwards).
   * @default 1
   */
  readonly desiredCount?: number;
  /**
   * Where tasks run.
   * @default - the cluster's default capacity provider strategy
   */
  readonly capacityProviderStrategy?: readonly CapacityProviderItem[];
  /**
   * How ECS deploys a new revision.
   * @default - BLUE_GREEN with a 10-minute bake
   */
  readonly deployment?: DeploymentSettings;
  /**
   * ALB target groups and listener rules (public services).
   * @default - no load balancer: blue/green shifts through Service Connect's test header
   */
  readonly loadBalancing?: ServiceLoadBalancing;
  /**
   * Alarms that roll a deployment back (DeploymentAlarms.alarmNames).
   * @default - none: only the circuit breaker rolls back
   */
  readonly deploymentAlarmNames?: readonly string[];
  /**
   * Security groups the tasks also join (the data stores' client groups).
   * @default - none
   */
  readonly extraSecurityGroupIds?: readonly string[];
  /**
   * ECS Exec (a shell in running tasks).
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
  /**
   * `terraform apply` waits for a steady state.
   * @default false
   */
  readonly waitForSteadyState?: boolean;
}

/**
 * One ECS service on Fargate (aws-cdk's FargateService): its own security group with a connections
 * API, Service Connect (server and client, proxy logs), ECS native blue/green (through the ALB or
 * through Service Connect), the circuit breaker and deployment alarms. It waits for every grant its
 * task definition's roles get, and for its own roles' policies.
 */
export class FargateService extends Construct implements IConnectable {
  readonly service: EcsServiceResource;
  readonly securityGroup: SecurityGroup;
  readonly connections: Connections;
  readonly proxyLogGroup: CloudwatchLogGroup;
  /** URL other services in the namespace use: http://<alias>:<port>. */
  readonly serviceConnectUrl: string;
  readonly clientAlias: { readonly dnsName: string; readonly port: number };
  private readonly dependencies: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    omitFromAddress(this);
    const td = props.taskDefinition;
    const sc = props.serviceConnect;
    const deployment = props.deployment ?? { strategy: "BLUE_GREEN", bakeTimeMinutes: 10 };
    this.clientAlias = sc.clientAlias ?? { dnsName: props.name, port: td.containerPort };
    validate(this, props, deployment, this.clientAlias);
    const ctx = AwsContext.of(this);
    const fullName = `${props.namePrefix}-${props.name}`;

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: fullName,
      description: `Tasks of ${fullName}`,
      vpcId: props.vpcId,
      egress: [
        {
          id: "https-to-aws",
          description: "HTTPS to AWS APIs and ECR (through NAT or VPC endpoints)",
          peer: { cidrIpv4: "0.0.0.0/0" },
          port: 443,
        },
      ],
    });
    this.connections = new Connections(props.name, this.securityGroup);

    this.proxyLogGroup = new CloudwatchLogGroup(this, "proxy-logs", {
      name: `/ecs/${props.namePrefix}/${props.name}/service-connect`,
      retentionInDays: props.logRetentionDays ?? 30,
      kmsKeyId: props.logKmsKey.arn,
    });
    td.grantLogWrites(this.proxyLogGroup.arn);

    const tlsRole = sc.tls
      ? new ServiceRole(this, "service-connect-tls-role", {
          name: `${fullName}-ecs-tls`,
          assumedBy: "ecs.amazonaws.com",
          description: "ECS issues Service Connect certificates from AWS Private CA",
          trustCondition: "documented-none",
          // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/infrastructure_IAM_role.html
          managedPolicyArns: [
            "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity",
          ],
        })
      : undefined;
    const hook = this.lifecycleHookRole(deployment, fullName);
    this.serviceConnectUrl = `http://${this.clientAlias.dnsName}:${this.clientAlias.port}`;
    const targets = props.loadBalancing?.targets;

    this.service = new EcsServiceResource(this, "service", {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: td.taskDefinition.arn,
      desiredCount: props.desiredCount ?? 1,
      platformVersion: "LATEST",
      capacityProviderStrategy: props.capacityProviderStrategy?.map((s) => ({
        capacityProvider: s.capacityProvider,
        weight: s.weight,
        base: s.base,
      })),
      networkConfiguration: {
        subnets: [...props.subnetIds],
        securityGroups: [this.securityGroup.id, ...(props.extraSecurityGroupIds ?? [])],
        assignPublicIp: false,
      },
      deploymentController: { type: "ECS" },
      deploymentConfiguration: deploymentConfiguration(deployment, hook?.role.arn),
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: props.deploymentAlarmNames?.length
        ? { enable: true, rollback: true, alarmNames: [...props.deploymentAlarmNames] }
        : undefined,
      healthCheckGracePeriodSeconds: props.loadBalancing
        ? (props.loadBalancing.healthCheckGracePeriodSec ?? 30)
        : undefined,
      loadBalancer: targets
        ? [
            {
              targetGroupArn: targets.blue.arn,
              containerName: td.containerName,
              containerPort: td.containerPort,
              advancedConfiguration: {
                alternateTargetGroupArn: targets.green.arn,
                productionListenerRule: targets.productionRule.arn,
                testListenerRule: targets.testRule.arn,
                roleArn: targets.infrastructureRole.arn,
              },
            },
          ]
        : undefined,
      serviceConnectConfiguration: serviceConnectConfiguration({
        name: props.name,
        settings: sc,
        alias: this.clientAlias,
        tlsRoleArn: tlsRole?.arn,
        logGroupName: this.proxyLogGroup.name,
        region: ctx.region,
      }),
      enableExecuteCommand: props.enableExecuteCommand ?? false,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      waitForSteadyState: props.waitForSteadyState ?? false,
      // Autoscaling owns the count after the first deploy; with a load balancer, ECS swaps which
      // target group is primary after every blue/green deployment, and re-sending the original
      // block would deploy into the wrong group (hashicorp/terraform-provider-aws#45678) (docs/DESIGN.md).
      lifecycle: { ignoreChanges: targets ? ["desired_count", "load_balancer"] : ["desired_count"] },
    });
    // The roles' policies must outlive the service, or deletion hangs in DRAINING (provider docs);
    // they must also exist before it starts. Every grant on the task's roles, now or later, joins.
    this.dependOn(td.executionRole.role, td.taskRole.role);
    td.onGrant((grant) => this.dependOn(...grant.dependables));
    if (targets) this.dependOn(...targets.infrastructureRole.dependables());
    if (tlsRole) this.dependOn(...tlsRole.dependables());
    if (hook) this.waitFor(hook.grant);
  }

  /** Makes the ECS service wait for `dependables` (roles, their policies, anything it needs first). */
  dependOn(...dependables: readonly ITerraformDependable[]): void {
    for (const d of dependables) {
      if (this.dependencies.includes(d)) continue;
      this.dependencies.push(d);
      this.service.dependsOn = [...(this.service.dependsOn ?? []), dependable(d)];
    }
  }

  /** Makes the ECS service wait for a grant (the aws-cdk pattern: a grant is something to depend on). */
  waitFor(grant: Grant): void {
    this.dependOn(...grant.dependables);
  }

  /** Role ECS assumes to invoke the lifecycle-hook functions, allowed to invoke exactly those. */
  private lifecycleHookRole(d: DeploymentSettings, fullName: string): { role: ServiceRole; grant: Grant } | undefined {
    const functions = [...new Set((d.lifecycleHooks ?? []).map((h) => h.functionArn))].sort();
    if (functions.length === 0) return undefined;
    const role = new ServiceRole(this, "lifecycle-hook-role", {
      name: `${fullName}-ecs-hooks`,
      assumedBy: "ecs.amazonaws.com",
      description: "ECS invokes the deployment lifecycle hooks",
      trustCondition: "documented-none",
    });
    const grant = role.addToPrincipalPolicy({
      sid: "InvokeHooks",
      actions: ["lambda:InvokeFunction"],
      resources: functions,
    });
    return { role, grant };
  }
}

/** Server and client in the namespace: the named port under the service's discovery name and alias, proxy logs to CloudWatch. */
function serviceConnectConfiguration(p: {
  readonly name: string;
  readonly settings: ServiceConnectSettings;
  readonly alias: { readonly dnsName: string; readonly port: number };
  readonly tlsRoleArn?: string;
  readonly logGroupName: string;
  readonly region: string;
}): EcsServiceServiceConnectConfiguration {
  const sc = p.settings;
  return {
    enabled: true,
    namespace: sc.namespaceArn,
    service: [
      {
        portName: APP_PORT_NAME,
        discoveryName: p.name,
        clientAlias: { dnsName: p.alias.dnsName, port: p.alias.port },
        timeout: {
          perRequestTimeoutSeconds: sc.perRequestTimeoutSec ?? 15,
          idleTimeoutSeconds: sc.idleTimeoutSec ?? 120,
        },
        tls:
          sc.tls && p.tlsRoleArn
            ? {
                issuerCertAuthority: { awsPcaAuthorityArn: sc.tls.privateCaArn },
                kmsKey: sc.tls.kmsKeyArn,
                roleArn: p.tlsRoleArn,
              }
            : undefined,
      },
    ],
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": p.logGroupName,
        "awslogs-region": p.region,
        "awslogs-stream-prefix": "service-connect",
      },
    },
  };
}

function deploymentConfiguration(
  d: DeploymentSettings,
  hookRoleArn: string | undefined,
): EcsServiceDeploymentConfiguration {
  return {
    strategy: d.strategy,
    bakeTimeInMinutes: String(d.bakeTimeMinutes),
    canaryConfiguration:
      d.strategy === "CANARY" && d.canary
        ? { canaryPercent: d.canary.percent, canaryBakeTimeInMinutes: String(d.canary.bakeTimeMinutes) }
        : undefined,
    linearConfiguration:
      d.strategy === "LINEAR" && d.linear
        ? { stepPercent: d.linear.stepPercent, stepBakeTimeInMinutes: String(d.linear.stepBakeTimeMinutes) }
        : undefined,
    lifecycleHook: (d.lifecycleHooks ?? []).map((h) => ({
      hookTargetArn: h.functionArn,
      roleArn: hookRoleArn!,
      lifecycleStages: [...h.stages],
    })),
  };
}

const isTenth = (n: number) => Math.abs(n * 10 - Math.round(n * 10)) < 1e-9;

function validate(
  scope: Construct,
  props: FargateServiceProps,
  d: DeploymentSettings,
  alias: { readonly dnsName: string; readonly port: number },
): void {
  const v = new Validator(scope);
  v.matches("name", props.name, /^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "1–63 of A-Z a-z 0-9 _ - starting with a letter");
  v.check(props.subnetIds.length > 0, "subnetIds", props.subnetIds, "at least one private subnet");
  if (props.desiredCount !== undefined) v.int("desiredCount", props.desiredCount, { min: 0, max: 1000 });
  const strategy = props.capacityProviderStrategy;
  if (strategy) {
    v.check(strategy.length > 0, "capacityProviderStrategy", strategy, "at least one capacity provider");
    v.check(
      strategy.filter((s) => s.base !== undefined && s.base > 0).length <= 1,
      "capacityProviderStrategy",
      strategy,
      "a strategy where only one provider sets base (a Fargate rule)",
    );
    v.check(
      strategy.some((s) => s.weight > 0),
      "capacityProviderStrategy",
      strategy,
      "a strategy with a weight above 0",
    );
  }
  v.oneOf("deployment.strategy", d.strategy, ["BLUE_GREEN", "CANARY", "LINEAR"]);
  v.int("deployment.bakeTimeMinutes", d.bakeTimeMinutes, { min: 0, max: 1440 });
  // ECS CanaryConfiguration / LinearConfiguration: a traffic share in 0.1 steps and a bake time.
  const traffic = (
    strategyName: DeploymentStrategy,
    key: "canary" | "linear",
    share: { prop: string; value: number | undefined; min: number },
    bake: { prop: string; value: number | undefined },
  ) => {
    if (d.strategy !== strategyName) return;
    v.check(d[key] !== undefined, `deployment.${key}`, d[key], `set for strategy ${strategyName}`);
    if (d[key] === undefined) return;
    const value = share.value ?? NaN;
    const api = key === "canary" ? "CanaryConfiguration" : "LinearConfiguration";
    v.check(
      value >= share.min && value <= 100 && isTenth(value),
      `deployment.${key}.${share.prop}`,
      value,
      `a multiple of 0.1 from ${share.min} to 100 (ECS ${api})`,
    );
    v.int(`deployment.${key}.${bake.prop}`, bake.value ?? NaN, { min: 0, max: 1440 });
  };
  traffic(
    "CANARY",
    "canary",
    { prop: "percent", value: d.canary?.percent, min: 0.1 },
    { prop: "bakeTimeMinutes", value: d.canary?.bakeTimeMinutes },
  );
  traffic(
    "LINEAR",
    "linear",
    { prop: "stepPercent", value: d.linear?.stepPercent, min: 3 },
    { prop: "stepBakeTimeMinutes", value: d.linear?.stepBakeTimeMinutes },
  );
  v.matches("serviceConnect.clientAlias.dnsName", alias.dnsName, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "a DNS label");
  v.int("serviceConnect.clientAlias.port", alias.port, { min: 1, max: 65535 });
  if (props.serviceConnect.tls) {
    v.matches(
      "serviceConnect.tls.privateCaArn",
      props.serviceConnect.tls.privateCaArn,
      /^arn:aws[\w-]*:acm-pca:[\w-]+:\d{12}:certificate-authority\/[\w-]+$/,
      "an AWS Private CA ARN (Service Connect TLS needs one)",
    );
  }
  if (props.loadBalancing?.healthCheckGracePeriodSec !== undefined) {
    v.int("loadBalancing.healthCheckGracePeriodSec", props.loadBalancing.healthCheckGracePeriodSec, {
      min: 0,
      max: 7200,
    });
  }
}
