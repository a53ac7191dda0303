import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktn/provider-aws/lib/ecs-task-definition";
import { Lazy, type ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { tracingEnvironment } from "../../apps/shared/src/env-contract";
import { APP_LOG_CONFIGURATION, type LogstashSettings } from "../../fluent-bit/contract";
import { AwsContext } from "../aws-context";
import type { KmsKey } from "../kms-key";
import { omitFromAddress } from "../lib/address";
import type { Grant, PolicyStatement } from "../lib/iam";
import { LOG_RETENTION_DAYS } from "../lib/log-retention";
import { Validator } from "../lib/validate";
import type { LogPipelineAttributes } from "../log-pipeline";
import { ServiceRole } from "../service-role";
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
  LOG_ROUTER_CONTAINER_NAME,
  LOG_ROUTER_TMP_VOLUME,
  XRAY_SAMPLING_ACTIONS,
  XRAY_WRITE_ACTIONS,
  collectorContainer,
  logRouterContainer,
} from "./sidecars";

/** The port name Service Connect and the target groups refer to. */
export const APP_PORT_NAME = "http";

/** Where the app image comes from: an ECR repository of this project, or an external one. */
export interface ContainerImage {
  /** Repository URL without a tag, e.g. "<account>.dkr.ecr.<region>.amazonaws.com/fc-dev/caller". */
  readonly repositoryUrl: string;
  /**
   * ARN of the ECR repository; the execution role may pull from it.
   * @default - an image ECS pulls without ECR permissions (e.g. a public registry)
   */
  readonly repositoryArn?: string;
  readonly tag: string;
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

/** The ADOT collector sidecar: OTLP/HTTP on loopback → X-Ray, and X-Ray sampling through its awsproxy. */
export interface TracingSettings {
  /** Name the app reports and its sampling rule matches (OTEL_SERVICE_NAME). */
  readonly serviceName: string;
  /** Share of requests the app traces when X-Ray's rules cannot be read (TRACES_SAMPLE_RATIO, 0–1). */
  readonly sampleRatio: number;
}

export interface ServiceTaskDefinitionProps {
  /** Service name: the app container's name and the log stream prefix. */
  readonly name: string;
  /** Prefix of AWS names: family and roles are `<namePrefix>-<name>...`. */
  readonly namePrefix: string;
  readonly image: ContainerImage;
  /** Port the app listens on (its named port mapping "http"). */
  readonly containerPort: number;
  /** Key of the log group (its policy must let CloudWatch Logs use it). */
  readonly logKmsKey: KmsKey;
  /**
   * Fargate CPU units.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory; a size Fargate pairs with `cpu`.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * CPU architecture of the image.
   * @default "X86_64"
   */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  /**
   * Plain settings; anything secret goes in `secrets`.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Secrets injected by ECS at start (never plain environment).
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, ContainerSecret>>;
  /**
   * Seconds between SIGTERM and SIGKILL (2–120: Fargate's maximum).
   * @default 30
   */
  readonly stopTimeoutSec?: number;
  /**
   * Path the container health check probes on loopback.
   * @default "/healthz"
   */
  readonly healthCheckPath?: string;
  /**
   * Days the log group keeps events.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Route the app's logs through a FireLens (Fluent Bit) sidecar to the log pipeline.
   * @default - the app logs straight to its CloudWatch log group (awslogs)
   */
  readonly logRouter?: LogRouterSettings;
  /**
   * Run an ADOT collector sidecar and point the app at it.
   * @default - no collector, no tracing variables
   */
  readonly tracing?: TracingSettings;
  /**
   * ECS Exec: an init process in the app container and the SSM channels on the task role.
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
}

/**
 * A Fargate task definition for one service (aws-cdk's FargateTaskDefinition + its containers): the
 * app container (named port, loopback health check, read-only root, non-root user), its log group,
 * the execution and task roles with the grants each container needs, and the sidecars (FireLens
 * router, ADOT collector; others through addSidecar). Grants return what carries them, and the
 * task definition keeps them so the service can wait for every one.
 */
export class ServiceTaskDefinition extends Construct {
  readonly taskDefinition: EcsTaskDefinition;
  readonly executionRole: ServiceRole;
  readonly taskRole: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  /** The app container's name (the service's name). */
  readonly containerName: string;
  readonly containerPort: number;
  /** `<namePrefix>-<name>`: the family, and the prefix of the roles' names. */
  readonly family: string;
  private readonly sidecars: ContainerDefinition[] = [];
  private readonly appDependsOn: ContainerDependency[] = [];
  private readonly grants: Grant[] = [];
  private readonly grantListeners: ((grant: Grant) => void)[] = [];
  /** The execution role's log statement; more groups join it (Service Connect's proxy logs). */
  private readonly logWrites: string[] = [];

  constructor(scope: Construct, id: string, props: ServiceTaskDefinitionProps) {
    super(scope, id);
    omitFromAddress(this);
    const cpu = props.cpu ?? 256;
    const memoryMiB = props.memoryMiB ?? 512;
    const stopTimeoutSec = props.stopTimeoutSec ?? 30;
    const logRetentionDays = props.logRetentionDays ?? 30;
    const v = new Validator(this);
    v.matches("name", props.name, /^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "1–63 of A-Z a-z 0-9 _ - starting with a letter");
    v.int("containerPort", props.containerPort, { min: 1, max: 65535 });
    v.int("stopTimeoutSec", stopTimeoutSec, { min: 2, max: 120 });
    v.oneOf("logRetentionDays", logRetentionDays, LOG_RETENTION_DAYS);
    v.matches(
      "image.tag",
      props.image.tag,
      /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
      "a Docker tag: 1–128 of A-Z a-z 0-9 _ . -",
    );
    if (props.logRouter?.memoryReservationMiB !== undefined) {
      v.int("logRouter.memoryReservationMiB", props.logRouter.memoryReservationMiB, { min: 16, max: memoryMiB / 2 });
    }
    if (props.tracing) {
      v.check(
        props.tracing.sampleRatio >= 0 && props.tracing.sampleRatio <= 1,
        "tracing.sampleRatio",
        props.tracing.sampleRatio,
        "a share from 0 to 1",
      );
    }

    const ctx = AwsContext.of(this);
    this.family = `${props.namePrefix}-${props.name}`;
    this.containerName = props.name;
    this.containerPort = props.containerPort;
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/ecs/${props.namePrefix}/${props.name}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.logKmsKey.arn,
    });
    this.executionRole = new ServiceRole(this, "execution-role", {
      name: `${this.family}-execution`,
      assumedBy: "ecs-tasks.amazonaws.com",
      description: `ECS pulls the image, writes logs and reads the secrets of ${this.family}`,
    });
    this.taskRole = new ServiceRole(this, "task-role", {
      name: `${this.family}-task`,
      assumedBy: "ecs-tasks.amazonaws.com",
      description: `What the ${this.family} application itself may call`,
    });

    const secrets = props.secrets ?? {};
    this.grantExecution(props, secrets);
    if (props.enableExecuteCommand) {
      // ECS Exec's SSM agent channels (no resource-level permissions for these actions).
      this.grantTaskRole({
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

    const appEnvironment: Record<string, string> = { ...props.environment };
    if (props.logRouter) this.addLogRouter(props.logRouter, props.name, ctx.region);
    if (props.tracing) {
      this.addSidecar(collectorContainer({ region: ctx.region, logGroupName: this.logGroup.name }), "START");
      Object.assign(appEnvironment, tracingEnvironment(props.tracing));
      // X-Ray has no resource-level permissions (IAM service authorization reference): "*" is the only scope.
      this.grantTaskRole({ sid: "WriteTraces", actions: [...XRAY_WRITE_ACTIONS], resources: ["*"] });
      this.grantTaskRole({ sid: "ReadSamplingRules", actions: [...XRAY_SAMPLING_ACTIONS], resources: ["*"] });
    }

    const app: ContainerDefinition = {
      name: props.name,
      image: `${props.image.repositoryUrl}:${props.image.tag}`,
      essential: true,
      // distroless "nonroot" (uid/gid 65532); nothing writes to the root filesystem.
      user: "65532:65532",
      readonlyRootFilesystem: true,
      privileged: false,
      stopTimeout: stopTimeoutSec,
      portMappings: [{ name: APP_PORT_NAME, containerPort: props.containerPort, protocol: "tcp", appProtocol: "http" }],
      environment: nameValues(appEnvironment, (value) => value),
      secrets: Object.keys(secrets)
        .sort()
        .map((name) => ({ name, valueFrom: secretValueFrom(secrets[name]!) })),
      healthCheck: {
        command: nodeHealthCheckCommand(props.containerPort, props.healthCheckPath ?? "/healthz"),
        interval: 15,
        timeout: 5,
        retries: 3,
        startPeriod: 15,
      },
      logConfiguration: props.logRouter ? APP_LOG_CONFIGURATION : awslogs(this.logGroup.name, ctx.region, props.name),
      // Exec needs an init process to reap the SSM agent's children.
      linuxParameters: props.enableExecuteCommand ? { initProcessEnabled: true } : undefined,
    };
    // Sidecars may still be added (fault injection): the JSON is rendered at synth.
    const containers = () => [
      { ...app, dependsOn: this.appDependsOn.length > 0 ? [...this.appDependsOn] : undefined },
      ...this.sidecars,
    ];
    this.taskDefinition = new EcsTaskDefinition(this, "task", {
      family: this.family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(cpu),
      memory: String(memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: props.cpuArchitecture ?? "X86_64" },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: Lazy.stringValue({ produce: () => JSON.stringify(containers()) }),
      // A task-local bind mount (Fargate ephemeral storage) for the router's scratch space.
      volume: props.logRouter ? [{ name: LOG_ROUTER_TMP_VOLUME }] : undefined,
    });
  }

  /** Adds a container beside the app; with `appWaitsFor`, the app starts after it (START or HEALTHY). */
  addSidecar(container: ContainerDefinition, appWaitsFor?: ContainerDependency["condition"]): void {
    new Validator(this).check(
      container.name !== this.containerName && !this.sidecars.some((c) => c.name === container.name),
      "sidecar name",
      container.name,
      "a container name not used in this task yet",
    );
    this.sidecars.push(container);
    if (appWaitsFor) this.appDependsOn.push({ containerName: container.name, condition: appWaitsFor });
  }

  /** Lets ECS write a further log group with the execution role (e.g. Service Connect's proxy logs). */
  grantLogWrites(logGroupArn: string): void {
    this.logWrites.push(`${logGroupArn}:*`);
  }

  /** Names of every container, the app's first. */
  get containerNames(): string[] {
    return [this.containerName, ...this.sidecars.map((c) => c.name)];
  }

  /** AWS FIS task actions: the ECS fault endpoints and a PID namespace the SSM agent shares with the app. */
  enableFaultInjection(): void {
    this.taskDefinition.enableFaultInjection = true;
    this.taskDefinition.pidMode = "task";
  }

  /** Adds a statement to the task role; the service waits for it. */
  grantTaskRole(statement: PolicyStatement): Grant {
    return this.record(this.taskRole.addToPrincipalPolicy(statement));
  }

  /** Records a grant made on one of the task's roles elsewhere (e.g. a log pipeline's grantPutRecords). */
  record(grant: Grant): Grant {
    this.grants.push(grant);
    for (const listener of this.grantListeners) listener(grant);
    return grant;
  }

  /** Calls `listener` with every grant made on this task's roles, past and future (a service waits for each). */
  onGrant(listener: (grant: Grant) => void): void {
    this.grantListeners.push(listener);
    for (const grant of this.grants) listener(grant);
  }

  /** The roles themselves and every grant on them. */
  dependables(): ITerraformDependable[] {
    return [this.executionRole.role, this.taskRole.role, ...this.grants.flatMap((g) => g.dependables)];
  }

  /** The execution role: pull the images, write the log group, read exactly the secrets the app gets. */
  private grantExecution(props: ServiceTaskDefinitionProps, secrets: Readonly<Record<string, ContainerSecret>>): void {
    const grant = (statement: PolicyStatement) => this.record(this.executionRole.addToPrincipalPolicy(statement));
    const repositories = [props.image.repositoryArn, props.logRouter?.repository.arn].filter(
      (arn): arn is string => arn !== undefined,
    );
    if (repositories.length > 0) {
      grant({
        sid: "PullImage",
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        resources: repositories,
      });
      // GetAuthorizationToken has no resource-level permissions (IAM service authorization reference).
      grant({ sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] });
    }
    this.logWrites.push(`${this.logGroup.arn}:*`);
    // The array stays open: the policy renders at synth, after the service adds its proxy log group.
    grant({ sid: "WriteLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: this.logWrites });
    const secretArns = [...new Set(Object.values(secrets).map((s) => s.arn))].sort();
    const ssmArns = secretArns.filter((a) => a.includes(":ssm:"));
    const smArns = secretArns.filter((a) => !a.includes(":ssm:"));
    if (smArns.length > 0) grant({ sid: "ReadSecrets", actions: ["secretsmanager:GetSecretValue"], resources: smArns });
    if (ssmArns.length > 0) grant({ sid: "ReadParameters", actions: ["ssm:GetParameters"], resources: ssmArns });
    const keys = [...new Set(Object.values(secrets).flatMap((s) => (s.kmsKeyArn ? [s.kmsKeyArn] : [])))].sort();
    if (keys.length > 0) grant({ sid: "DecryptSecrets", actions: ["kms:Decrypt"], resources: keys });
  }

  /** The FireLens router: its container, its writes to Firehose and to the service's log group. */
  private addLogRouter(lr: LogRouterSettings, serviceName: string, region: string): void {
    this.addSidecar(
      logRouterContainer({
        image: `${lr.repository.url}:${lr.imageTag}`,
        ecsServiceName: serviceName,
        deliveryStreamName: lr.logPipeline.deliveryStreamName,
        region,
        dropHealthChecks: lr.dropHealthChecks ?? true,
        logstash: lr.logstash,
        memoryReservationMiB: lr.memoryReservationMiB ?? 64,
        logGroupName: this.logGroup.name,
      }),
      // ECS would add this START dependency itself; writing it keeps the task definition free of drift.
      "START",
    );
    this.record(lr.logPipeline.grantPutRecords(this.taskRole));
    // The router copies app records into the service's group (fluent-bit/config/output-cloudwatch.conf).
    this.grantTaskRole({
      sid: "RouterWritesAppLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${this.logGroup.arn}:*`],
    });
  }
}

export { COLLECTOR_CONTAINER_NAME, LOG_ROUTER_CONTAINER_NAME };
