import { TerraformVariable } from "cdktn";
import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { failureModeParameterName } from "../config/failure-mode-parameter";
import { APP_PORT } from "../config/schema";
import type { ServiceConfig } from "../config/services-schema";
import { EcsService, type CapacityProviderItem, type ContainerSecret } from "../modules/ecs-service";
import { FcStack } from "./fc-stack";
import type { NetworkAttributes } from "./network";
import { output } from "./outputs";
import type { DataAttributes } from "./data";
import type { AppName, PlatformAttributes } from "./platform";

/** Both apps listen on APP_PORT (the apps' PORT default); Service Connect aliases use it too. */
/** How the caller reaches the responder: Service Connect's client alias, http://responder:8080. */
export const RESPONDER_CLIENT_ALIAS = { dnsName: "responder", port: APP_PORT } as const;
export const CALLER_CLIENT_ALIAS = { dnsName: "caller", port: APP_PORT } as const;
/** The caller's rule on the ALB listeners. */
const CALLER_RULE_PRIORITY = 100;

export interface ServicesStackProps {
  readonly config: EnvConfig;
  readonly network: NetworkAttributes;
  readonly platform: PlatformAttributes;
  readonly data: DataAttributes;
}

/**
 * The two Express services on Fargate / Fargate Spot: the caller behind the ALB (blue/green target
 * groups), the responder reached only through Service Connect. Image tags are Terraform variables
 * (`<app>_image_tag`), defaulting to config, so a release changes only the tag.
 */
export class ServicesStack extends FcStack {
  readonly caller: EcsService;
  readonly responder: EcsService;
  readonly imageTags: Readonly<Record<AppName, TerraformVariable>>;
  /** `log_router_image_tag`: the FireLens router image, shipped like the apps' (immutable tags). */
  readonly logRouterImageTag: TerraformVariable;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, { config: props.config });
    const { config, network, platform, data } = props;

    this.imageTags = {
      caller: imageTagVariable(this, "caller", config.services.caller.imageTag),
      responder: imageTagVariable(this, "responder", config.services.responder.imageTag),
    };
    this.logRouterImageTag = imageTagVariable(this, "log_router", config.services.logRouter.imageTag);

    const common = (app: AppName) => {
      const svc = config.services[app];
      // `base` is what both apps pass to EcsService as is; the rest each app completes.
      const base = {
        name: app,
        namePrefix: config.namePrefix,
        clusterArn: platform.clusterArn,
        clusterName: platform.clusterName,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        repository: { url: platform.repositoryUrls[app], arn: platform.repositoryArns[app] },
        imageTag: this.imageTags[app].stringValue,
        cpu: svc.cpu,
        memoryMiB: svc.memoryMiB,
        cpuArchitecture: svc.cpuArchitecture,
        containerPort: APP_PORT,
        stopTimeoutSec: svc.stopTimeoutSec,
        desiredCount: svc.desiredCount,
        minCount: svc.minCount,
        maxCount: svc.maxCount,
        cpuTargetPercent: svc.autoscaling.cpuTargetPercent,
        scaleOutCooldownSec: svc.autoscaling.scaleOutCooldownSec,
        scaleInCooldownSec: svc.autoscaling.scaleInCooldownSec,
        capacityProviderStrategy: strategyOf(svc, config),
        deployment: svc.deployment,
        logKmsKey: platform.kmsKey,
        logRetentionDays: config.logRetentionDays,
        failureModeParameterName: failureModeParameterName(config.namePrefix, app),
        enableExecuteCommand: svc.enableExecuteCommand,
        waitForSteadyState: svc.waitForSteadyState,
        alarmTopicArn: platform.alarmTopicArn,
        alarmThresholds: svc.alarms,
        logRouter:
          svc.logging === "firelens"
            ? {
                repository: { url: platform.logRouterRepositoryUrl, arn: platform.logRouterRepositoryArn },
                imageTag: this.logRouterImageTag.stringValue,
                logPipeline: platform.logPipeline,
                dropHealthChecks: svc.dropHealthChecks,
                logstash: svc.logstash,
              }
            : undefined,
        tracing: svc.tracing,
        faultInjection: config.fis.enabled,
      };
      return {
        base,
        serviceConnect: {
          namespaceArn: platform.namespaceArn,
          perRequestTimeoutSec: config.serviceConnect.perRequestTimeoutSec,
          idleTimeoutSec: config.serviceConnect.idleTimeoutSec,
          tls: config.serviceConnect.tls
            ? { privateCaArn: config.serviceConnect.tls.privateCaArn, kmsKeyArn: platform.kmsKey.arn }
            : undefined,
        },
        environment: {
          SERVICE_NAME: app,
          PORT: String(APP_PORT),
          LOG_LEVEL: "info",
          // The app drains within the stop timeout, with 5 s to spare for SIGKILL.
          SHUTDOWN_TIMEOUT_MS: String((svc.stopTimeoutSec - 5) * 1000),
          FAILURE_MODE_PARAMETER: failureModeParameterName(config.namePrefix, app),
          REDIS_URL: `rediss://${data.redis.primaryEndpoint}:${data.redis.port}`,
          REDIS_KEY_PREFIX: `${app}:`,
        },
        redisSecrets: {
          REDIS_AUTH_TOKEN: { arn: data.redis.authTokenSecretArn, kmsKeyArn: data.redis.secretKmsKeyArn },
        } satisfies Record<string, ContainerSecret>,
      };
    };

    const r = common("responder");
    this.responder = new EcsService(this, "responder", {
      ...r.base,
      serviceConnect: { ...r.serviceConnect, clientAlias: RESPONDER_CLIENT_ALIAS },
      environment: {
        ...r.environment,
        MYSQL_HOST: data.mysql.endpoint,
        MYSQL_PORT: String(data.mysql.port),
        MYSQL_DATABASE: data.mysql.database,
        MYSQL_SSL: "true",
      },
      secrets: {
        ...r.redisSecrets,
        MYSQL_USER: { arn: data.mysql.masterSecretArn, jsonKey: "username", kmsKeyArn: data.mysql.secretKmsKeyArn },
        MYSQL_PASSWORD: { arn: data.mysql.masterSecretArn, jsonKey: "password", kmsKeyArn: data.mysql.secretKmsKeyArn },
      },
      extraSecurityGroupIds: [data.redis.clientSecurityGroupId, data.mysql.clientSecurityGroupId],
    });

    const c = common("caller");
    const callerConfig = config.services.caller;
    this.caller = new EcsService(this, "caller", {
      ...c.base,
      serviceConnect: { ...c.serviceConnect, clientAlias: CALLER_CLIENT_ALIAS },
      environment: { ...c.environment, RESPONDER_URL: this.responder.serviceConnectUrl },
      secrets: c.redisSecrets,
      extraSecurityGroupIds: [data.redis.clientSecurityGroupId],
      // Service Connect's proxy in the caller task connects to responder tasks on the app port.
      egress: [
        {
          id: "app-to-responder",
          description: `Port ${APP_PORT} to responder tasks (Service Connect)`,
          peer: { securityGroupId: this.responder.securityGroupId },
          port: APP_PORT,
        },
      ],
      loadBalancer: {
        productionListenerArn: platform.productionListenerArn,
        testListenerArn: platform.testListenerArn,
        albSecurityGroupId: platform.albSecurityGroupId,
        albArnSuffix: platform.albArnSuffix,
        priority: CALLER_RULE_PRIORITY,
        deregistrationDelaySec: callerConfig.deregistrationDelaySec,
        healthCheckGracePeriodSec: callerConfig.healthCheckGracePeriodSec,
        requestsPerTaskPerMinute: callerConfig.autoscaling.requestsPerTaskPerMinute,
      },
    });
    this.responder.securityGroup.addIngress({
      id: "app-from-caller",
      description: `Port ${APP_PORT} from caller tasks (Service Connect)`,
      peer: { securityGroupId: this.caller.securityGroupId },
      port: APP_PORT,
    });

    for (const [app, svc] of [
      ["caller", this.caller],
      ["responder", this.responder],
    ] as const) {
      output(this, `${app}ServiceName`, svc.service.name, `ECS service of the ${app}`);
      output(this, `${app}SecurityGroupId`, svc.securityGroupId, `Security group of the ${app} tasks`);
      output(this, `${app}TaskRoleArn`, svc.taskRole.arn, `Task role of the ${app}`);
      output(this, `${app}LogGroupName`, svc.logGroup.name, `Log group of the ${app} containers`);
      output(
        this,
        `${app}FailureModeParameter`,
        svc.failureModeParameter.name,
        `Failure-mode SSM parameter of the ${app} (npm run lab)`,
      );
      output(this, `${app}ImageTag`, this.imageTags[app].stringValue, `Image tag the ${app} runs`);
      if (app === "caller") {
        output(
          this,
          "log_routerImageTag",
          this.logRouterImageTag.stringValue,
          "Image tag the FireLens log routers run",
        );
      }
      output(this, `${app}TaskDefinitionFamily`, svc.taskDefinition.family, `Task definition family of the ${app}`);
      if (svc.managedInstanceRole) {
        output(
          this,
          `${app}SsmManagedInstanceRoleArn`,
          svc.managedInstanceRole.arn,
          `Role the FIS SSM agent registers ${app} tasks with (their managed instances carry ECS_TASK_ARN)`,
        );
      }
    }
    output(this, "responderUrl", this.responder.serviceConnectUrl, "How services in the namespace reach the responder");
  }
}

/** `<app>_image_tag`: the default comes from config; `cdktn deploy --var <app>_image_tag=<tag>` overrides it. */
function imageTagVariable(scope: Construct, app: AppName | "log_router", defaultTag: string): TerraformVariable {
  return new TerraformVariable(scope, `${app}_image_tag`, {
    type: "string",
    default: defaultTag,
    description: `Image tag of ${app} in its ECR repository (immutable tags: one per release)`,
    nullable: false,
    validation: [
      {
        condition: `\${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.${app}_image_tag))}`,
        errorMessage: `${app}_image_tag must be a Docker tag: 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -).`,
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
