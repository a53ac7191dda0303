import { TerraformVariable } from "cdktn";
import type { Construct } from "constructs";
import { serviceEnvironment } from "../apps/shared/src/env-contract";
import type { EnvConfig } from "../config";
import { failureModeParameterName } from "../config/failure-mode-parameter";
import type { ServiceConfig } from "../config/services-schema";
import { EcsService, type CapacityProviderItem, type ContainerSecret } from "../modules/ecs-service";
import type { DataAttributes } from "./data";
import { FcStack } from "./fc-stack";
import type { NetworkAttributes } from "./network";
import { output } from "./outputs";
import { camelCase, LOG_ROUTER_IMAGE, type PlatformAttributes } from "./platform";

export interface ServicesStackProps {
  readonly config: EnvConfig;
  readonly network: NetworkAttributes;
  readonly platform: PlatformAttributes;
  readonly data: DataAttributes;
}

/** Terraform variable of a service's image tag, e.g. "orders_api_image_tag" (services:catalog reads it). */
export function imageTagVariableName(service: string): string {
  return `${service.replace(/-/g, "_")}_image_tag`;
}
/** Output key of a service's ECS service name, e.g. "ordersApiServiceName". */
export function serviceNameOutput(service: string): string {
  return `${camelCase(service)}ServiceName`;
}
/** The log router's image tag variable. */
export const LOG_ROUTER_IMAGE_TAG_VARIABLE = imageTagVariableName(LOG_ROUTER_IMAGE);

/**
 * Every service of config's map on Fargate / Fargate Spot: public ones behind the ALB (blue/green
 * target groups), internal ones reached only through Service Connect; each `connectsTo` edge is one
 * connections call (both security-group rules), a Service Connect client and a `<TARGET>_URL`
 * variable. Image tags are Terraform variables (`<service>_image_tag`) defaulting to config, so a
 * release changes only the tag.
 */
export class ServicesStack extends FcStack {
  /** The services by name, in config order. */
  readonly services: Readonly<Record<string, EcsService>>;
  readonly imageTags: Readonly<Record<string, TerraformVariable>>;
  /** `log_router_image_tag`: the FireLens router image, shipped like the apps' (immutable tags). */
  readonly logRouterImageTag: TerraformVariable;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, { config: props.config });
    const { config } = props;
    const names = Object.keys(config.services);

    this.imageTags = Object.fromEntries(
      names.map((name) => [name, imageTagVariable(this, name, config.services[name]!.imageTag)]),
    );
    this.logRouterImageTag = imageTagVariable(this, LOG_ROUTER_IMAGE, config.logRouter.imageTag);

    const services: Record<string, EcsService> = {};
    for (const name of names) services[name] = this.createService(name, props);
    this.services = services;

    for (const name of names) {
      const svc = config.services[name]!;
      for (const target of svc.connectsTo) {
        services[name]!.connections.allowTo(services[target]!, config.services[target]!.port, "Service Connect");
      }
    }

    for (const name of names) this.addOutputs(name, services[name]!);
    output(this, "log_routerImageTag", this.logRouterImageTag.stringValue, "Image tag the FireLens log routers run");
  }

  private createService(name: string, props: ServicesStackProps): EcsService {
    const { config, network, platform, data } = props;
    const svc = config.services[name]!;
    const parameter = failureModeParameterName(config.namePrefix, name);
    const secrets: Record<string, ContainerSecret> = {};
    const clientGroups: string[] = [];
    if (svc.cache) {
      secrets.REDIS_AUTH_TOKEN = { arn: data.redis.authTokenSecretArn, kmsKeyArn: data.redis.secretKmsKeyArn };
      clientGroups.push(data.redis.clientSecurityGroupId);
    }
    if (svc.database) {
      const secret = { arn: data.mysql.masterSecretArn, kmsKeyArn: data.mysql.secretKmsKeyArn };
      secrets.MYSQL_USER = { ...secret, jsonKey: "username" };
      secrets.MYSQL_PASSWORD = { ...secret, jsonKey: "password" };
      clientGroups.push(data.mysql.clientSecurityGroupId);
    }
    const repository = svc.app !== undefined ? platform.repositories[name]! : undefined;
    const lb = platform.loadBalancer;

    return new EcsService(this, name, {
      name,
      namePrefix: config.namePrefix,
      clusterArn: platform.clusterArn,
      clusterName: platform.clusterName,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      image: {
        repositoryUrl: repository?.url ?? svc.image!,
        repositoryArn: repository?.arn,
        tag: this.imageTags[name]!.stringValue,
      },
      containerPort: svc.port,
      logKmsKey: platform.kmsKey,
      logRetentionDays: config.logRetentionDays,
      alarmTopicArn: platform.alarmTopicArn,
      cpu: svc.cpu,
      memoryMiB: svc.memoryMiB,
      cpuArchitecture: svc.cpuArchitecture,
      stopTimeoutSec: svc.stopTimeoutSec,
      environment: serviceEnvironment({
        serviceName: name,
        port: svc.port,
        stopTimeoutSec: svc.stopTimeoutSec,
        failureModeParameter: parameter,
        demoRoutes: config.demoRoutes.enabled,
        connectsTo: Object.fromEntries(svc.connectsTo.map((t) => [t, serviceConnectUrl(t, config.services[t]!)])),
        cache: svc.cache
          ? { url: `rediss://${data.redis.primaryEndpoint}:${data.redis.port}`, keyPrefix: `${name}:` }
          : undefined,
        database: svc.database
          ? { host: data.mysql.endpoint, port: data.mysql.port, database: data.mysql.database, ssl: true }
          : undefined,
        extra: svc.environment,
      }),
      secrets,
      extraSecurityGroupIds: clientGroups,
      desiredCount: svc.desiredCount,
      scaling: {
        minCount: svc.minCount,
        maxCount: svc.maxCount,
        cpuTargetPercent: svc.autoscaling.cpuTargetPercent,
        scaleOutCooldownSec: svc.autoscaling.scaleOutCooldownSec,
        scaleInCooldownSec: svc.autoscaling.scaleInCooldownSec,
      },
      capacityProviderStrategy: strategyOf(svc, config),
      deployment: svc.deployment,
      serviceConnect: {
        namespaceArn: platform.namespaceArn,
        clientAlias: clientAliasOf(name, svc),
        perRequestTimeoutSec: config.serviceConnect.perRequestTimeoutSec,
        idleTimeoutSec: config.serviceConnect.idleTimeoutSec,
        tls: config.serviceConnect.tls
          ? { privateCaArn: config.serviceConnect.tls.privateCaArn, kmsKeyArn: platform.kmsKey.arn }
          : undefined,
      },
      loadBalancer:
        svc.exposure === "public" && lb
          ? {
              productionListenerArn: lb.productionListenerArn,
              testListenerArn: lb.testListenerArn,
              albSecurityGroupId: lb.securityGroupId,
              albArnSuffix: lb.arnSuffix,
              priority: svc.loadBalancer.priority,
              pathPatterns: svc.loadBalancer.pathPatterns,
              hostHeaders: svc.loadBalancer.hostHeaders,
              healthCheckPath: svc.loadBalancer.healthCheckPath,
              deregistrationDelaySec: svc.loadBalancer.deregistrationDelaySec,
              healthCheckGracePeriodSec: svc.loadBalancer.healthCheckGracePeriodSec,
              requestsPerTaskPerMinute: svc.autoscaling.requestsPerTaskPerMinute,
            }
          : undefined,
      alarmThresholds: {
        target5xxPerMinute: svc.alarms.target5xxPerMinute,
        latencyMs: svc.exposure === "public" ? svc.alarms.p95LatencyMs : svc.alarms.averageLatencyMs,
      },
      enableExecuteCommand: svc.enableExecuteCommand,
      waitForSteadyState: svc.waitForSteadyState,
      logRouter:
        svc.logging === "firelens"
          ? {
              repository: platform.logRouterRepository,
              imageTag: this.logRouterImageTag.stringValue,
              logPipeline: platform.logPipeline,
              dropHealthChecks: svc.dropHealthChecks,
              logstash: svc.logstash,
            }
          : undefined,
      tracing: svc.tracing,
      faultInjection: { failureModeParameterName: parameter, fis: config.fis.enabled },
    });
  }

  private addOutputs(name: string, svc: EcsService): void {
    const key = camelCase(name);
    output(this, serviceNameOutput(name), svc.service.name, `ECS service of ${name}`);
    output(this, `${key}SecurityGroupId`, svc.securityGroupId, `Security group of the ${name} tasks`);
    output(this, `${key}TaskRoleArn`, svc.taskRole.arn, `Task role of ${name}`);
    output(this, `${key}LogGroupName`, svc.logGroup.name, `Log group of the ${name} containers`);
    if (svc.failureModeParameter) {
      output(
        this,
        `${key}FailureModeParameter`,
        svc.failureModeParameter.name,
        `Failure-mode SSM parameter of ${name} (npm run lab)`,
      );
    }
    output(this, `${key}ImageTag`, this.imageTags[name]!.stringValue, `Image tag ${name} runs`);
    output(this, `${key}TaskDefinitionFamily`, svc.taskDefinition.family, `Task definition family of ${name}`);
    output(this, `${key}Url`, svc.serviceConnectUrl, `How services in the namespace reach ${name}`);
    if (svc.managedInstanceRole) {
      output(
        this,
        `${key}SsmManagedInstanceRoleArn`,
        svc.managedInstanceRole.arn,
        `Role the FIS SSM agent registers ${name} tasks with (their managed instances carry ECS_TASK_ARN)`,
      );
    }
  }
}

/** The Service Connect alias other services reach `name` at: its clientAlias (or name) and port. */
function clientAliasOf(name: string, svc: ServiceConfig): { dnsName: string; port: number } {
  return { dnsName: svc.clientAlias ?? name, port: svc.port };
}

/** http://<alias>:<port>: what a caller's `<TARGET>_URL` holds. */
export function serviceConnectUrl(name: string, svc: ServiceConfig): string {
  const alias = clientAliasOf(name, svc);
  return `http://${alias.dnsName}:${alias.port}`;
}

/** `<service>_image_tag`: the default comes from config; `cdktn deploy --var <service>_image_tag=<tag>` overrides it. */
function imageTagVariable(scope: Construct, image: string, defaultTag: string): TerraformVariable {
  const name = imageTagVariableName(image);
  return new TerraformVariable(scope, name, {
    type: "string",
    default: defaultTag,
    description: `Image tag of ${image} in its repository (immutable tags: one per release)`,
    nullable: false,
    validation: [
      {
        condition: `\${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.${name}))}`,
        errorMessage: `${name} must be a Docker tag: 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -).`,
      },
    ],
  });
}

/** The service's own strategy from config, or the cluster default's. */
function strategyOf(svc: ServiceConfig, config: EnvConfig): CapacityProviderItem[] {
  const s = svc.capacityProviderStrategy ?? config.platform.capacityProviderStrategy;
  return [
    { capacityProvider: "FARGATE", weight: s.fargateWeight, base: s.fargateBase },
    { capacityProvider: "FARGATE_SPOT", weight: s.fargateSpotWeight },
  ];
}
