import type { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import type { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import type { EcsService as EcsServiceResource } from "@cdktn/provider-aws/lib/ecs-service";
import type { EcsTaskDefinition } from "@cdktn/provider-aws/lib/ecs-task-definition";
import type { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { Construct } from "constructs";
import type { SecurityGroup } from "../security-group";
import type { ServiceRole } from "../service-role";
import { ServiceAutoscaling } from "./autoscaling";
import { BlueGreenTargets } from "./blue-green";
import type { Connections, IConnectable } from "./connections";
import { DeploymentAlarms } from "./deployment-alarms";
import { ServiceFaultInjection } from "./fault-injection";
import { TraceSamplingRule } from "./sampling-rule";
import {
  FargateService,
  type CapacityProviderItem,
  type DeploymentSettings,
  type ServiceConnectSettings,
} from "./service";
import { ServiceTaskDefinition, type ServiceTaskDefinitionProps } from "./task-definition";

export { SPOT_NOTICE_SEC } from "./blue-green";
export type { ConnectionRules, IConnectable, SecurityGroupPeer } from "./connections";
export { Connections } from "./connections";
export type { ContainerSecret } from "./container";
export type { CapacityProviderItem, DeploymentSettings, DeploymentStrategy, ServiceConnectSettings } from "./service";
export { APP_PORT_NAME, type ContainerImage, type LogRouterSettings } from "./task-definition";
export * from "./sidecars";

/** Header ECS Service Connect routes to the green revision during a blue/green deployment. */
export const BLUE_GREEN_TEST_HEADER = "x-amzn-ecs-blue-green-test";

/** A public service's place on the ALB. */
export interface LoadBalancerSettings {
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  readonly albSecurityGroupId: string;
  readonly albArnSuffix: string;
  /** Listener rule priority (1–50000), unique on the listener. */
  readonly priority: number;
  /** @default ["/*"] unless hostHeaders are given */
  readonly pathPatterns?: readonly string[];
  /** @default - any host */
  readonly hostHeaders?: readonly string[];
  /** @default "/healthz" */
  readonly healthCheckPath?: string;
  /** @default 30 */
  readonly deregistrationDelaySec?: number;
  /** @default 30 */
  readonly healthCheckGracePeriodSec?: number;
  /**
   * Requests per task per minute that autoscaling holds (both target groups, over running tasks).
   * @default - CPU target tracking only
   */
  readonly requestsPerTaskPerMinute?: number;
}

/** How many tasks run and what autoscaling holds. */
export interface ScalingSettings {
  readonly minCount: number;
  readonly maxCount: number;
  /** @default 60 */
  readonly cpuTargetPercent?: number;
  /** @default 60 */
  readonly scaleOutCooldownSec?: number;
  /** @default 300 */
  readonly scaleInCooldownSec?: number;
}

/** What the task definition takes passes through unchanged (ServiceTaskDefinitionProps documents each). */
type TaskProps = Omit<ServiceTaskDefinitionProps, "healthCheckPath" | "tracing">;

export interface EcsServiceProps extends TaskProps {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly vpcId: string;
  /** Private subnets; tasks never get a public IP. */
  readonly subnetIds: readonly string[];
  readonly serviceConnect: ServiceConnectSettings;
  /** SNS topic the deployment alarms notify. */
  readonly alarmTopicArn: string;
  /** @default 1 */
  readonly desiredCount?: number;
  /** @default - min and max equal to desiredCount */
  readonly scaling?: ScalingSettings;
  /** @default - the cluster's default strategy */
  readonly capacityProviderStrategy?: readonly CapacityProviderItem[];
  /** @default - BLUE_GREEN with a 10-minute bake */
  readonly deployment?: DeploymentSettings;
  /** @default - internal: reached only through Service Connect */
  readonly loadBalancer?: LoadBalancerSettings;
  /**
   * Rollback thresholds: 5xx per minute, and latency in ms (p95 per target group behind the ALB,
   * average through Service Connect).
   * @default - 10 per minute and 1000 ms
   */
  readonly alarmThresholds?: { readonly target5xxPerMinute?: number; readonly latencyMs?: number };
  /** @default - none */
  readonly extraSecurityGroupIds?: readonly string[];
  /** @default false */
  readonly waitForSteadyState?: boolean;
  /**
   * ADOT collector sidecar and the service's X-Ray sampling rule.
   * @default - no tracing
   */
  readonly tracing?: { readonly reservoirPerSecond?: number; readonly fixedRate?: number };
  /**
   * The break/fix lab's parameter and AWS FIS task actions (ServiceFaultInjection).
   * @default - neither
   */
  readonly faultInjection?: { readonly failureModeParameterName?: string; readonly fis?: boolean };
}

/**
 * One Fargate service, composed as aws-cdk's ApplicationLoadBalancedFargateService is: the task
 * definition (containers and sidecars), opt-in fault injection, blue/green targets on the ALB
 * (public services), deployment alarms, the ECS service with its connections, autoscaling, and the
 * X-Ray sampling rule when tracing is on.
 */
export class EcsService extends Construct implements IConnectable {
  readonly task: ServiceTaskDefinition;
  readonly fargateService: FargateService;
  readonly deploymentAlarms: DeploymentAlarms;
  readonly autoscaling: ServiceAutoscaling;
  readonly faultInjection?: ServiceFaultInjection;
  readonly blueGreen?: BlueGreenTargets;
  readonly samplingRule?: TraceSamplingRule;
  /** The service's name in config and in the cluster. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: EcsServiceProps) {
    super(scope, id);
    const fullName = `${props.namePrefix}-${props.name}`;
    const thresholds = { target5xxPerMinute: 10, latencyMs: 1000, ...props.alarmThresholds };
    this.name = props.name;

    this.task = new ServiceTaskDefinition(this, "task-definition", {
      name: props.name,
      namePrefix: props.namePrefix,
      image: props.image,
      containerPort: props.containerPort,
      logKmsKey: props.logKmsKey,
      cpu: props.cpu,
      memoryMiB: props.memoryMiB,
      cpuArchitecture: props.cpuArchitecture,
      environment: props.environment,
      secrets: props.secrets,
      stopTimeoutSec: props.stopTimeoutSec,
      healthCheckPath: props.loadBalancer?.healthCheckPath,
      logRetentionDays: props.logRetentionDays,
      logRouter: props.logRouter,
      tracing: props.tracing ? { serviceName: fullName, sampleRatio: props.tracing.fixedRate ?? 0.05 } : undefined,
      enableExecuteCommand: props.enableExecuteCommand,
    });
    if (props.faultInjection) {
      this.faultInjection = new ServiceFaultInjection(this, "fault-injection", {
        taskDefinition: this.task,
        ...props.faultInjection,
        enableExecuteCommand: props.enableExecuteCommand,
      });
    }

    const lb = props.loadBalancer;
    if (lb) {
      this.blueGreen = new BlueGreenTargets(this, "blue-green", {
        namePrefix: fullName,
        vpcId: props.vpcId,
        containerPort: props.containerPort,
        healthCheckPath: lb.healthCheckPath ?? "/healthz",
        deregistrationDelaySec: lb.deregistrationDelaySec ?? 30,
        usesSpot: (props.capacityProviderStrategy ?? []).some(
          (s) => s.capacityProvider === "FARGATE_SPOT" && s.weight > 0,
        ),
        productionListenerArn: lb.productionListenerArn,
        testListenerArn: lb.testListenerArn,
        priority: lb.priority,
        pathPatterns: lb.pathPatterns,
        hostHeaders: lb.hostHeaders,
      });
    }
    this.deploymentAlarms = new DeploymentAlarms(this, "deployment-alarms", {
      namePrefix: fullName,
      topicArn: props.alarmTopicArn,
      target5xxPerMinute: thresholds.target5xxPerMinute,
      source:
        lb && this.blueGreen
          ? {
              loadBalancer: {
                albArnSuffix: lb.albArnSuffix,
                targetGroups: [
                  { color: "blue", arnSuffix: this.blueGreen.blue.arnSuffix },
                  { color: "green", arnSuffix: this.blueGreen.green.arnSuffix },
                ],
                p95LatencyMs: thresholds.latencyMs,
              },
            }
          : { serviceConnect: { discoveryName: props.name, averageLatencyMs: thresholds.latencyMs } },
    });

    this.fargateService = new FargateService(this, "service", {
      name: props.name,
      namePrefix: props.namePrefix,
      clusterArn: props.clusterArn,
      taskDefinition: this.task,
      vpcId: props.vpcId,
      subnetIds: props.subnetIds,
      serviceConnect: props.serviceConnect,
      logKmsKey: props.logKmsKey,
      logRetentionDays: props.logRetentionDays,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: props.capacityProviderStrategy,
      deployment: props.deployment,
      loadBalancing: this.blueGreen
        ? { targets: this.blueGreen, healthCheckGracePeriodSec: lb?.healthCheckGracePeriodSec }
        : undefined,
      deploymentAlarmNames: this.deploymentAlarms.alarmNames,
      extraSecurityGroupIds: props.extraSecurityGroupIds,
      enableExecuteCommand: props.enableExecuteCommand,
      waitForSteadyState: props.waitForSteadyState,
    });
    if (lb) {
      this.connections.allowFrom(
        { name: "alb", securityGroupId: lb.albSecurityGroupId },
        props.containerPort,
        `Port ${props.containerPort} from the load balancer (traffic and health checks)`,
      );
    }

    const desired = props.desiredCount ?? 1;
    const scaling = props.scaling ?? { minCount: desired, maxCount: Math.max(1, desired) };
    this.autoscaling = new ServiceAutoscaling(this, "autoscaling", {
      name: fullName,
      clusterName: props.clusterName,
      service: this.fargateService.service,
      serviceName: props.name,
      ...scaling,
      requests:
        lb?.requestsPerTaskPerMinute !== undefined && this.blueGreen
          ? {
              requestsPerTaskPerMinute: lb.requestsPerTaskPerMinute,
              albArnSuffix: lb.albArnSuffix,
              targetGroupArnSuffixes: [this.blueGreen.blue.arnSuffix, this.blueGreen.green.arnSuffix],
            }
          : undefined,
    });
    if (props.tracing) {
      this.samplingRule = new TraceSamplingRule(this, "sampling-rule", {
        serviceName: fullName,
        reservoirPerSecond: props.tracing.reservoirPerSecond,
        fixedRate: props.tracing.fixedRate,
      });
    }
  }

  get connections(): Connections {
    return this.fargateService.connections;
  }
  get service(): EcsServiceResource {
    return this.fargateService.service;
  }
  get taskDefinition(): EcsTaskDefinition {
    return this.task.taskDefinition;
  }
  get securityGroup(): SecurityGroup {
    return this.fargateService.securityGroup;
  }
  get securityGroupId(): string {
    return this.fargateService.securityGroup.id;
  }
  get executionRole(): ServiceRole {
    return this.task.executionRole;
  }
  get taskRole(): ServiceRole {
    return this.task.taskRole;
  }
  get logGroup(): CloudwatchLogGroup {
    return this.task.logGroup;
  }
  get proxyLogGroup(): CloudwatchLogGroup {
    return this.fargateService.proxyLogGroup;
  }
  get alarms(): CloudwatchMetricAlarm[] {
    return this.deploymentAlarms.alarms;
  }
  /** URL other services in the namespace use: http://<alias>:<port>. */
  get serviceConnectUrl(): string {
    return this.fargateService.serviceConnectUrl;
  }
  get failureModeParameter(): SsmParameter | undefined {
    return this.faultInjection?.failureModeParameter;
  }
  /** Role the FIS SSM agent registers the task with (FIS only). */
  get managedInstanceRole(): ServiceRole | undefined {
    return this.faultInjection?.managedInstanceRole;
  }
}
