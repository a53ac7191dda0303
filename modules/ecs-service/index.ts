import { AppautoscalingPolicy } from "@cdktn/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktn/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import type { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import {
  EcsService as EcsServiceResource,
  type EcsServiceDeploymentConfiguration,
} from "@cdktn/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktn/provider-aws/lib/ecs-task-definition";
import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { Construct } from "constructs";
import { APP_LOG_CONFIGURATION, type LogstashSettings } from "../../fluent-bit/contract";
import {
  OTEL_ENDPOINT_ENV,
  OTEL_SERVICE_NAME_ENV,
  OTLP_SIDECAR_ENDPOINT,
} from "../../apps/shared/src/tracing-settings";
import { AwsContext } from "../aws-context";
import type { KmsKey } from "../kms-key";
import type { LogPipelineAttributes } from "../log-pipeline";
import { LOG_RETENTION_DAYS } from "../lib/log-retention";
import { Validator } from "../lib/validate";
import { SecurityGroup, type SecurityGroupRule } from "../security-group";
import { ServiceRole } from "../service-role";
import { metricAlarm } from "../lib/metric-alarm";
import { BlueGreenTargets, SPOT_NOTICE_SEC } from "./blue-green";
import {
  awslogs,
  nameValues,
  nodeHealthCheckCommand,
  secretValueFrom,
  type ContainerDefinition,
  type ContainerDependency,
  type ContainerSecret,
} from "./container";
import {
  COLLECTOR_CONTAINER_NAME,
  FIS_TASK_ROLE_ACTIONS,
  LOG_ROUTER_CONTAINER_NAME,
  LOG_ROUTER_TMP_VOLUME,
  XRAY_WRITE_ACTIONS,
  collectorContainer,
  logRouterContainer,
  ssmAgentContainer,
} from "./sidecars";

export { type ContainerSecret } from "./container";
export { SPOT_NOTICE_SEC } from "./blue-green";
export * from "./sidecars";

/** The port name Service Connect and the target groups refer to. */
export const APP_PORT_NAME = "http";
/** Header ECS Service Connect routes to the green revision during a blue/green deployment. */
export const BLUE_GREEN_TEST_HEADER = "x-amzn-ecs-blue-green-test";

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
  readonly namespaceArn: string;
  /** Name other services use (with `port`) to reach this one: http://<dnsName>:<port>. */
  readonly clientAlias: { readonly dnsName: string; readonly port: number };
  readonly perRequestTimeoutSec: number;
  readonly idleTimeoutSec: number;
  /**
   * TLS between the proxies (AWS Private CA issues the certificates; ECS needs an infrastructure
   * role and a KMS key for the private keys).
   * @default - plain HTTP inside the VPC
   */
  readonly tls?: { readonly privateCaArn: string; readonly kmsKeyArn: string };
}

export interface LoadBalancerSettings {
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  readonly albSecurityGroupId: string;
  readonly albArnSuffix: string;
  readonly priority: number;
  readonly deregistrationDelaySec: number;
  readonly healthCheckGracePeriodSec: number;
  /**
   * Requests per task per minute that autoscaling holds (both target groups, over running tasks).
   * @default - CPU target tracking only
   */
  readonly requestsPerTaskPerMinute?: number;
}

/** FireLens: the app logs through a Fluent Bit sidecar to the log pipeline (fluent-bit/contract.ts). */
export interface LogRouterSettings {
  /** Repository of the fluent-bit/ image (the execution role may pull from it). */
  readonly repository: { readonly url: string; readonly arn: string };
  readonly imageTag: string;
  /** Where records go; the task role gets PutRecordBatch on this stream only. */
  readonly logPipeline: Pick<LogPipelineAttributes, "deliveryStreamName" | "grantPutRecords">;
  /**
   * Drop the request lines of successful /healthz and /readyz probes.
   * @default true
   */
  readonly dropHealthChecks?: boolean;
  /**
   * A second copy to a Logstash http input.
   * @default - Firehose only
   */
  readonly logstash?: LogstashSettings;
  /**
   * Memory ECS reserves for the router.
   * @default 64
   */
  readonly memoryReservationMiB?: number;
}

export interface EcsServiceProps {
  /** Service name inside the cluster, e.g. "caller". */
  readonly name: string;
  /** Prefix of every AWS name, e.g. "fc-dev". */
  readonly namePrefix: string;
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly vpcId: string;
  /** Private subnets; tasks never get a public IP. */
  readonly subnetIds: readonly string[];
  /** Repository URL and ARN (the execution role may pull from this repository only). */
  readonly repository: { readonly url: string; readonly arn: string };
  readonly imageTag: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly cpuArchitecture: "X86_64" | "ARM64";
  readonly containerPort: number;
  /** Plain settings; anything secret goes in `secrets`. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Secrets injected by ECS at start (never plain environment).
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, ContainerSecret>>;
  /** Seconds between SIGTERM and SIGKILL (2–120: Fargate's maximum). */
  readonly stopTimeoutSec: number;
  readonly desiredCount: number;
  readonly minCount: number;
  readonly maxCount: number;
  readonly cpuTargetPercent: number;
  readonly scaleOutCooldownSec: number;
  readonly scaleInCooldownSec: number;
  /** This service's strategy, or the cluster default's items. */
  readonly capacityProviderStrategy: readonly CapacityProviderItem[];
  readonly deployment: DeploymentSettings;
  readonly serviceConnect: ServiceConnectSettings;
  /**
   * ALB, target groups and listener rules (public services only).
   * @default - no load balancer: blue/green shifts through Service Connect's test header
   */
  readonly loadBalancer?: LoadBalancerSettings;
  /**
   * Who may reach the container port, besides the ALB: e.g. the caller's group for the responder.
   * @default - nobody else
   */
  readonly ingressFrom?: readonly {
    readonly id: string;
    readonly description: string;
    readonly securityGroupId: string;
  }[];
  /**
   * Security groups the tasks also join (the data stores' client groups).
   * @default - none
   */
  readonly extraSecurityGroupIds?: readonly string[];
  /**
   * Extra egress rules (e.g. to another service's group); HTTPS to AWS APIs is always allowed.
   * @default - none
   */
  readonly egress?: readonly SecurityGroupRule[];
  /** Key for the log groups (its policy must let CloudWatch Logs use it). */
  readonly logKmsKey: KmsKey;
  readonly logRetentionDays: number;
  /** SSM parameter holding the failure mode; created here with the value "none". */
  readonly failureModeParameterName: string;
  readonly enableExecuteCommand: boolean;
  readonly waitForSteadyState: boolean;
  readonly alarmTopicArn: string;
  readonly alarmThresholds: { readonly target5xxPerMinute: number; readonly p95LatencyMs: number };
  /**
   * Route the app's logs through a FireLens (Fluent Bit) sidecar to the log pipeline.
   * @default - the app logs straight to its CloudWatch log group (awslogs)
   */
  readonly logRouter?: LogRouterSettings;
  /**
   * Run an ADOT collector sidecar (OTLP/HTTP on 127.0.0.1:4318 → X-Ray) and point the app at it.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * AWS FIS task actions: enableFaultInjection, pidMode task, the SSM agent sidecar and its roles.
   * Relaxes the read-only-root and non-root rules for that sidecar, so only where config allows.
   * @default false
   */
  readonly faultInjection?: boolean;
}

/**
 * One Fargate service: task definition (app container with a named port, health check, read-only
 * root, non-root user), its own security group, execution and task roles, the failure-mode
 * parameter, Service Connect (server + client), ECS native blue/green (through the ALB or through
 * Service Connect), deployment alarms, autoscaling and an encrypted log group.
 */
export class EcsService extends Construct {
  readonly service: EcsServiceResource;
  readonly taskDefinition: EcsTaskDefinition;
  readonly securityGroup: SecurityGroup;
  readonly executionRole: ServiceRole;
  readonly taskRole: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly proxyLogGroup: CloudwatchLogGroup;
  readonly failureModeParameter: SsmParameter;
  readonly blueGreen?: BlueGreenTargets;
  readonly alarms: CloudwatchMetricAlarm[];
  readonly securityGroupId: string;
  /** URL other services in the namespace use: http://<alias>:<port>. */
  readonly serviceConnectUrl: string;
  /** Role the FIS SSM agent registers the task with (fault injection only). */
  readonly managedInstanceRole?: ServiceRole;

  constructor(scope: Construct, id: string, props: EcsServiceProps) {
    super(scope, id);
    validate(this, props);
    const ctx = AwsContext.of(this);
    const fullName = `${props.namePrefix}-${props.name}`;
    const usesSpot = props.capacityProviderStrategy.some((s) => s.capacityProvider === "FARGATE_SPOT" && s.weight > 0);

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/ecs/${props.namePrefix}/${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKmsKey.arn,
    });
    this.proxyLogGroup = new CloudwatchLogGroup(this, "proxy-logs", {
      name: `/ecs/${props.namePrefix}/${props.name}/service-connect`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKmsKey.arn,
    });

    // The lab flips the value (npm run lab); Terraform creates it once and never resets it.
    this.failureModeParameter = new SsmParameter(this, "failure-mode", {
      name: props.failureModeParameterName,
      description: `Break/fix lab failure mode of ${fullName} (none, return_500, slow, connection_leak, cpu_burn)`,
      type: "String",
      value: "none",
      lifecycle: { ignoreChanges: ["value"] },
    });

    this.executionRole = new ServiceRole(this, "execution-role", {
      name: `${fullName}-execution`,
      assumedBy: "ecs-tasks.amazonaws.com",
      description: `ECS pulls the image, writes logs and reads the secrets of ${fullName}`,
    });
    this.executionRole.addToPrincipalPolicy({
      sid: "PullImage",
      actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      resources: [props.repository.arn, ...(props.logRouter ? [props.logRouter.repository.arn] : [])],
    });
    // GetAuthorizationToken has no resource-level permissions (IAM service authorization reference).
    this.executionRole.addToPrincipalPolicy({
      sid: "EcrLogin",
      actions: ["ecr:GetAuthorizationToken"],
      resources: ["*"],
    });
    this.executionRole.addToPrincipalPolicy({
      sid: "WriteLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${this.logGroup.arn}:*`, `${this.proxyLogGroup.arn}:*`],
    });
    const secrets = props.secrets ?? {};
    const secretArns = [...new Set(Object.values(secrets).map((s) => s.arn))].sort();
    const ssmArns = secretArns.filter((a) => a.includes(":ssm:"));
    const smArns = secretArns.filter((a) => !a.includes(":ssm:"));
    if (smArns.length > 0) {
      this.executionRole.addToPrincipalPolicy({
        sid: "ReadSecrets",
        actions: ["secretsmanager:GetSecretValue"],
        resources: smArns,
      });
    }
    if (ssmArns.length > 0) {
      this.executionRole.addToPrincipalPolicy({
        sid: "ReadParameters",
        actions: ["ssm:GetParameters"],
        resources: ssmArns,
      });
    }
    const secretKeys = [...new Set(Object.values(secrets).flatMap((s) => (s.kmsKeyArn ? [s.kmsKeyArn] : [])))].sort();
    if (secretKeys.length > 0) {
      this.executionRole.addToPrincipalPolicy({
        sid: "DecryptSecrets",
        actions: ["kms:Decrypt"],
        resources: secretKeys,
      });
    }

    this.taskRole = new ServiceRole(this, "task-role", {
      name: `${fullName}-task`,
      assumedBy: "ecs-tasks.amazonaws.com",
      description: `What the ${fullName} application itself may call`,
    });
    this.taskRole.addToPrincipalPolicy({
      sid: "ReadFailureMode",
      actions: ["ssm:GetParameter"],
      resources: [this.failureModeParameter.arn],
    });
    if (props.enableExecuteCommand) {
      // ECS Exec's SSM agent channels (no resource-level permissions for these actions).
      this.taskRole.addToPrincipalPolicy({
        sid: "EcsExec",
        actions: [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ],
        resources: ["*"],
      });
    }
    props.logRouter?.logPipeline.grantPutRecords(this.taskRole);
    if (props.logRouter) {
      // The router copies app records into the service's group (fluent-bit/config/output-cloudwatch.conf).
      this.taskRole.addToPrincipalPolicy({
        sid: "RouterWritesAppLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${this.logGroup.arn}:*`],
      });
    }
    if (props.tracing) {
      // X-Ray has no resource-level permissions (IAM service authorization reference): "*" is the only scope.
      this.taskRole.addToPrincipalPolicy({ sid: "WriteTraces", actions: [...XRAY_WRITE_ACTIONS], resources: ["*"] });
    }
    if (props.faultInjection) this.managedInstanceRole = this.addFaultInjectionRoles(fullName, ctx);

    const ingress: SecurityGroupRule[] = [
      ...(props.loadBalancer
        ? [
            {
              id: "app-from-alb",
              description: `Port ${props.containerPort} from the load balancer (traffic and health checks)`,
              peer: { securityGroupId: props.loadBalancer.albSecurityGroupId },
              port: props.containerPort,
            },
          ]
        : []),
      ...(props.ingressFrom ?? []).map((i) => ({
        id: i.id,
        description: i.description,
        peer: { securityGroupId: i.securityGroupId },
        port: props.containerPort,
      })),
    ];
    this.securityGroup = new SecurityGroup(this, "sg", {
      name: fullName,
      description: `Tasks of ${fullName}`,
      vpcId: props.vpcId,
      ingress,
      egress: [
        {
          id: "https-to-aws",
          description: "HTTPS to AWS APIs and ECR (through NAT or VPC endpoints)",
          peer: { cidrIpv4: "0.0.0.0/0" },
          port: 443,
        },
        ...(props.egress ?? []),
      ],
    });
    this.securityGroupId = this.securityGroup.id;

    const sidecars: ContainerDefinition[] = [];
    const appDependsOn: ContainerDependency[] = [];
    const appEnvironment: Record<string, string> = { ...props.environment };
    if (props.logRouter) {
      const lr = props.logRouter;
      sidecars.push(
        logRouterContainer({
          image: `${lr.repository.url}:${lr.imageTag}`,
          ecsServiceName: props.name,
          deliveryStreamName: lr.logPipeline.deliveryStreamName,
          region: ctx.region,
          dropHealthChecks: lr.dropHealthChecks ?? true,
          logstash: lr.logstash,
          memoryReservationMiB: lr.memoryReservationMiB ?? 64,
          logGroupName: this.logGroup.name,
        }),
      );
      // ECS would add this START dependency itself; writing it keeps the task definition free of drift.
      appDependsOn.push({ containerName: LOG_ROUTER_CONTAINER_NAME, condition: "START" });
    }
    if (props.tracing) {
      sidecars.push(collectorContainer({ region: ctx.region, logGroupName: this.logGroup.name }));
      appDependsOn.push({ containerName: COLLECTOR_CONTAINER_NAME, condition: "START" });
      appEnvironment[OTEL_ENDPOINT_ENV] = OTLP_SIDECAR_ENDPOINT;
      appEnvironment[OTEL_SERVICE_NAME_ENV] = fullName;
    }
    if (this.managedInstanceRole) {
      sidecars.push(
        ssmAgentContainer({
          managedInstanceRoleName: this.managedInstanceRole.name,
          region: ctx.region,
          logGroupName: this.logGroup.name,
        }),
      );
    }

    const app: ContainerDefinition = {
      name: props.name,
      image: `${props.repository.url}:${props.imageTag}`,
      essential: true,
      // distroless "nonroot" (uid/gid 65532); nothing writes to the root filesystem.
      user: "65532:65532",
      readonlyRootFilesystem: true,
      privileged: false,
      stopTimeout: props.stopTimeoutSec,
      portMappings: [{ name: APP_PORT_NAME, containerPort: props.containerPort, protocol: "tcp", appProtocol: "http" }],
      environment: nameValues(appEnvironment, (v) => v),
      secrets: Object.keys(secrets)
        .sort()
        .map((name) => ({ name, valueFrom: secretValueFrom(secrets[name]!) })),
      healthCheck: {
        command: nodeHealthCheckCommand(props.containerPort, "/healthz"),
        interval: 15,
        timeout: 5,
        retries: 3,
        startPeriod: 15,
      },
      logConfiguration: props.logRouter ? APP_LOG_CONFIGURATION : awslogs(this.logGroup.name, ctx.region, props.name),
      dependsOn: appDependsOn.length > 0 ? appDependsOn : undefined,
      // Exec needs an init process to reap the SSM agent's children.
      linuxParameters: props.enableExecuteCommand ? { initProcessEnabled: true } : undefined,
    };
    this.taskDefinition = new EcsTaskDefinition(this, "task", {
      family: fullName,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: props.cpuArchitecture },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: JSON.stringify([app, ...sidecars]),
      // A task-local bind mount (Fargate ephemeral storage) for the router's scratch space.
      volume: props.logRouter ? [{ name: LOG_ROUTER_TMP_VOLUME }] : undefined,
      // FIS task actions: the ECS fault endpoints (network actions on Fargate) need this flag, and
      // the SSM agent acts on the task's processes, so they share one PID namespace.
      enableFaultInjection: props.faultInjection ? true : undefined,
      pidMode: props.faultInjection ? "task" : undefined,
    });

    if (props.loadBalancer) {
      this.blueGreen = new BlueGreenTargets(this, "blue-green", {
        namePrefix: fullName,
        vpcId: props.vpcId,
        containerPort: props.containerPort,
        healthCheckPath: "/healthz",
        deregistrationDelaySec: props.loadBalancer.deregistrationDelaySec,
        usesSpot,
        productionListenerArn: props.loadBalancer.productionListenerArn,
        testListenerArn: props.loadBalancer.testListenerArn,
        priority: props.loadBalancer.priority,
        albArnSuffix: props.loadBalancer.albArnSuffix,
        alarmTopicArn: props.alarmTopicArn,
        ...props.alarmThresholds,
      });
      this.alarms = this.blueGreen.alarms;
    } else {
      // Internal service: Service Connect's target metrics, which AWS/ECS publishes per target
      // discovery name (alone, or with the *calling* service's name): TargetDiscoveryName alone
      // covers every caller.
      const dimensions = { TargetDiscoveryName: props.name };
      const base = { namespace: "AWS/ECS", dimensions, topicArn: props.alarmTopicArn };
      this.alarms = [
        metricAlarm(this, "target-5xx", {
          ...base,
          name: `${fullName}-target-5xx`,
          description: `5xx answers from ${fullName} through Service Connect (rolls a deployment back)`,
          metricName: "HTTPCode_Target_5XX_Count",
          stat: "Sum",
          threshold: props.alarmThresholds.target5xxPerMinute,
          comparison: "GreaterThanOrEqualToThreshold",
          periods: 2,
        }),
        // Average, not p95: percentiles of Service Connect's TargetResponseTime (milliseconds) are
        // not documented, and an alarm on a statistic that never arrives stays OK forever.
        metricAlarm(this, "latency", {
          ...base,
          name: `${fullName}-latency`,
          description: `Average response time of ${fullName} through Service Connect (rolls a deployment back)`,
          metricName: "TargetResponseTime",
          stat: "Average",
          threshold: props.alarmThresholds.p95LatencyMs,
          comparison: "GreaterThanThreshold",
          periods: 3,
        }),
      ];
    }

    const tlsRole = props.serviceConnect.tls
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
    const sc = props.serviceConnect;
    this.serviceConnectUrl = `http://${sc.clientAlias.dnsName}:${sc.clientAlias.port}`;

    this.service = new EcsServiceResource(this, "service", {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.desiredCount,
      platformVersion: "LATEST",
      capacityProviderStrategy: props.capacityProviderStrategy.map((s) => ({
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
      deploymentConfiguration: deploymentConfiguration(props.deployment, this.lifecycleHookRole(props, fullName)),
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { enable: true, rollback: true, alarmNames: this.alarms.map((a) => a.alarmName) },
      healthCheckGracePeriodSeconds: props.loadBalancer?.healthCheckGracePeriodSec,
      loadBalancer: this.blueGreen
        ? [
            {
              targetGroupArn: this.blueGreen.blue.arn,
              containerName: props.name,
              containerPort: props.containerPort,
              advancedConfiguration: {
                alternateTargetGroupArn: this.blueGreen.green.arn,
                productionListenerRule: this.blueGreen.productionRule.arn,
                testListenerRule: this.blueGreen.testRule.arn,
                roleArn: this.blueGreen.infrastructureRole.arn,
              },
            },
          ]
        : undefined,
      serviceConnectConfiguration: {
        enabled: true,
        namespace: sc.namespaceArn,
        service: [
          {
            portName: APP_PORT_NAME,
            discoveryName: props.name,
            clientAlias: { dnsName: sc.clientAlias.dnsName, port: sc.clientAlias.port },
            timeout: { perRequestTimeoutSeconds: sc.perRequestTimeoutSec, idleTimeoutSeconds: sc.idleTimeoutSec },
            tls: sc.tls
              ? {
                  issuerCertAuthority: { awsPcaAuthorityArn: sc.tls.privateCaArn },
                  kmsKey: sc.tls.kmsKeyArn,
                  roleArn: tlsRole!.arn,
                }
              : undefined,
          },
        ],
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": this.proxyLogGroup.name,
            "awslogs-region": ctx.region,
            "awslogs-stream-prefix": "service-connect",
          },
        },
      },
      enableExecuteCommand: props.enableExecuteCommand,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      waitForSteadyState: props.waitForSteadyState,
      // Autoscaling owns the count after the first deploy; with a load balancer, ECS swaps which
      // target group is primary after every blue/green deployment, and re-sending the original
      // block would deploy into the wrong group (hashicorp/terraform-provider-aws#45678) (docs/DESIGN.md).
      lifecycle: { ignoreChanges: this.blueGreen ? ["desired_count", "load_balancer"] : ["desired_count"] },
      // The roles' policies must outlive the service, or deletion hangs in DRAINING (provider docs).
      dependsOn: [
        ...this.executionRole.dependables(),
        ...this.taskRole.dependables(),
        ...(this.blueGreen?.infrastructureRole.dependables() ?? []),
        ...(tlsRole?.dependables() ?? []),
      ],
    });

    this.addAutoscaling(props, fullName);
  }

  /**
   * The roles AWS FIS task actions need (https://docs.aws.amazon.com/fis/latest/userguide/ecs-task-actions.html):
   * a managed-instance role SSM attaches to the registered task (AmazonSSMManagedInstanceCore, and
   * cleaning up its own activation), and on the task role: create the activation with its tags and
   * pass exactly that role to SSM.
   */
  private addFaultInjectionRoles(fullName: string, ctx: AwsContext): ServiceRole {
    const role = new ServiceRole(this, "ssm-managed-instance-role", {
      name: `${fullName}-ssm-mi`,
      assumedBy: "ssm.amazonaws.com",
      description: `SSM managed instance the FIS agent registers each ${fullName} task as`,
      managedPolicyArns: [`arn:${ctx.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`],
    });
    // DeleteActivation has no resource type in the SSM authorization reference; deregistering can be scoped.
    role.addToPrincipalPolicy({ sid: "DeleteOwnActivation", actions: ["ssm:DeleteActivation"], resources: ["*"] });
    role.addToPrincipalPolicy({
      sid: "DeregisterOwnInstance",
      actions: ["ssm:DeregisterManagedInstance"],
      resources: [ctx.arn("ssm", "managed-instance/*")],
    });
    // CreateActivation has no resource type; its tags are written with AddTagsToResource on the new activation.
    this.taskRole.addToPrincipalPolicy({
      sid: "FisRegisterTask",
      actions: [...FIS_TASK_ROLE_ACTIONS],
      resources: ["*"],
    });
    this.taskRole.addToPrincipalPolicy({
      sid: "FisPassManagedInstanceRole",
      actions: ["iam:PassRole"],
      resources: [role.arn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ssm.amazonaws.com"] }],
    });
    return role;
  }

  /** Role ECS assumes to invoke the lifecycle-hook functions, allowed to invoke exactly those. */
  private lifecycleHookRole(props: EcsServiceProps, fullName: string): string | undefined {
    const functions = [...new Set((props.deployment.lifecycleHooks ?? []).map((h) => h.functionArn))].sort();
    if (functions.length === 0) return undefined;
    const role = new ServiceRole(this, "lifecycle-hook-role", {
      name: `${fullName}-ecs-hooks`,
      assumedBy: "ecs.amazonaws.com",
      description: "ECS invokes the deployment lifecycle hooks",
      trustCondition: "documented-none",
    });
    role.addToPrincipalPolicy({ sid: "InvokeHooks", actions: ["lambda:InvokeFunction"], resources: functions });
    return role.arn;
  }

  private addAutoscaling(props: EcsServiceProps, fullName: string): void {
    const target = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.clusterName}/${this.service.name}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    const common = {
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      policyType: "TargetTrackingScaling",
    };
    const cooldowns = {
      scaleInCooldown: props.scaleInCooldownSec,
      scaleOutCooldown: props.scaleOutCooldownSec,
    };
    new AppautoscalingPolicy(this, "scale-on-cpu", {
      ...common,
      name: `${fullName}-cpu`,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.cpuTargetPercent,
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        ...cooldowns,
      },
    });
    const lb = props.loadBalancer;
    if (lb?.requestsPerTaskPerMinute !== undefined && this.blueGreen) {
      // ALBRequestCountPerTarget names one target group, but blue/green alternates which group is
      // live: hold requests per task over both groups instead (target tracking with metric math).
      const requests = (id: string, tg: string) => ({
        id,
        returnData: false,
        metricStat: {
          stat: "Sum",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCount",
            dimensions: [
              { name: "LoadBalancer", value: lb.albArnSuffix },
              { name: "TargetGroup", value: tg },
            ],
          },
        },
      });
      new AppautoscalingPolicy(this, "scale-on-requests", {
        ...common,
        name: `${fullName}-requests`,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: lb.requestsPerTaskPerMinute,
          customizedMetricSpecification: {
            metrics: [
              requests("blue", this.blueGreen.blue.arnSuffix),
              requests("green", this.blueGreen.green.arnSuffix),
              {
                id: "tasks",
                returnData: false,
                metricStat: {
                  stat: "Average",
                  metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                      { name: "ClusterName", value: props.clusterName },
                      { name: "ServiceName", value: props.name },
                    ],
                  },
                },
              },
              {
                id: "per_task",
                expression: "(blue + green) / MAX([tasks, 1])",
                label: "Requests per task",
                returnData: true,
              },
            ],
          },
          ...cooldowns,
        },
      });
    }
  }
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

function validate(scope: Construct, props: EcsServiceProps): void {
  const v = new Validator(scope);
  v.matches("name", props.name, /^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "1–63 of A-Z a-z 0-9 _ - starting with a letter");
  v.int("containerPort", props.containerPort, { min: 1, max: 65535 });
  v.int("stopTimeoutSec", props.stopTimeoutSec, { min: 2, max: SPOT_NOTICE_SEC });
  v.check(props.subnetIds.length > 0, "subnetIds", props.subnetIds, "at least one private subnet");
  v.check(
    props.minCount <= props.desiredCount && props.desiredCount <= props.maxCount,
    "desiredCount",
    props.desiredCount,
    `between minCount (${props.minCount}) and maxCount (${props.maxCount})`,
  );
  v.oneOf("logRetentionDays", props.logRetentionDays, LOG_RETENTION_DAYS);
  v.int("cpuTargetPercent", props.cpuTargetPercent, { min: 10, max: 90 });
  v.matches(
    "imageTag",
    props.imageTag,
    /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
    "a Docker tag: 1–128 of A-Z a-z 0-9 _ . -",
  );

  const strategy = props.capacityProviderStrategy;
  v.check(strategy.length > 0, "capacityProviderStrategy", strategy, "at least one capacity provider");
  const withBase = strategy.filter((s) => s.base !== undefined && s.base > 0);
  v.check(
    withBase.length <= 1,
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

  const d = props.deployment;
  v.oneOf("deployment.strategy", d.strategy, ["BLUE_GREEN", "CANARY", "LINEAR"]);
  v.int("deployment.bakeTimeMinutes", d.bakeTimeMinutes, { min: 0, max: 1440 });
  // ECS CanaryConfiguration / LinearConfiguration: a traffic share in 0.1 steps and a bake time.
  const traffic = (
    strategy: DeploymentStrategy,
    key: "canary" | "linear",
    share: { prop: string; value: number | undefined; min: number },
    bake: { prop: string; value: number | undefined },
  ) => {
    if (d.strategy !== strategy) return;
    v.check(d[key] !== undefined, `deployment.${key}`, d[key], `set for strategy ${strategy}`);
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

  const sc = props.serviceConnect;
  v.matches(
    "serviceConnect.clientAlias.dnsName",
    sc.clientAlias.dnsName,
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "a DNS label",
  );
  v.int("serviceConnect.clientAlias.port", sc.clientAlias.port, { min: 1, max: 65535 });
  if (sc.tls) {
    v.matches(
      "serviceConnect.tls.privateCaArn",
      sc.tls.privateCaArn,
      /^arn:aws[\w-]*:acm-pca:[\w-]+:\d{12}:certificate-authority\/[\w-]+$/,
      "an AWS Private CA ARN (Service Connect TLS needs one)",
    );
  }
  if (props.faultInjection) {
    // FIS user guide, ECS task actions: "If you enabled ECS Exec, you must disable it".
    v.check(
      !props.enableExecuteCommand,
      "faultInjection",
      props.faultInjection,
      "off while enableExecuteCommand is on (FIS task actions need ECS Exec disabled)",
    );
  }
  if (props.logRouter?.memoryReservationMiB !== undefined) {
    v.int("logRouter.memoryReservationMiB", props.logRouter.memoryReservationMiB, {
      min: 16,
      max: props.memoryMiB / 2,
    });
  }
  if (props.loadBalancer) {
    v.int("loadBalancer.healthCheckGracePeriodSec", props.loadBalancer.healthCheckGracePeriodSec, {
      min: 0,
      max: 7200,
    });
  }
}
