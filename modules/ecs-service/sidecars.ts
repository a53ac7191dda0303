// The containers a service task runs next to its app: the FireLens log router, the ADOT collector
// and the SSM agent that AWS FIS task actions need. Each builder returns the container definition;
// the grants each one needs are made by the caller (EcsService) on its own roles.
import {
  LOG_ROUTER_AWSLOGS_STREAM_PREFIX,
  LOG_ROUTER_CONTAINER_NAME,
  firelensConfiguration,
  logRouterContainerSettings,
  type LogstashSettings,
} from "../../fluent-bit/contract";
import { XRAY_PROXY_PORT } from "../../apps/shared/src/env-contract";
import { OTLP_HTTP_PORT } from "../../apps/shared/src/tracing-settings";
import { awslogs, type ContainerDefinition } from "./container";

export { LOG_ROUTER_CONTAINER_NAME } from "../../fluent-bit/contract";

// ── FireLens log router ────────────────────────────────────────────────────

/** Task-local scratch volume for the router's /tmp (the root filesystem stays read-only). */
export const LOG_ROUTER_TMP_VOLUME = "log-router-tmp";

export interface LogRouterContainerProps {
  /** Image of fluent-bit/ (repository URL and tag). */
  readonly image: string;
  /** ECS service name, stored on every record as `ecs_service` (the Firehose partition key). */
  readonly ecsServiceName: string;
  readonly deliveryStreamName: string;
  readonly region: string;
  readonly dropHealthChecks: boolean;
  readonly logstash?: LogstashSettings;
  readonly memoryReservationMiB: number;
  /** The service's log group: Fluent Bit's own logs (a router cannot log through itself) and a copy of the app's. */
  readonly logGroupName: string;
}

/**
 * The FireLens router, from fluent-bit/contract.ts: the entry file and exactly the environment it
 * reads. Root is required: FireLens has Fluent Bit create its unix socket in a root-owned directory
 * (aws/containers-roadmap#2122), so `user` is 0 and the policy suite's CTR-03 exception covers this
 * container only. Nothing publishes port 24224 (no port mapping; the task's group admits the app
 * port alone).
 */
export function logRouterContainer(props: LogRouterContainerProps): ContainerDefinition {
  const settings = logRouterContainerSettings({
    ecsServiceName: props.ecsServiceName,
    firehoseDeliveryStreamName: props.deliveryStreamName,
    firehoseRegion: props.region,
    appLogGroupName: props.logGroupName,
    dropHealthChecks: props.dropHealthChecks,
    logstash: props.logstash,
  });
  const firelens = firelensConfiguration({ dropHealthChecks: props.dropHealthChecks, logstash: !!props.logstash });
  return {
    name: LOG_ROUTER_CONTAINER_NAME,
    image: props.image,
    essential: true,
    user: "0",
    readonlyRootFilesystem: true,
    privileged: false,
    memoryReservation: props.memoryReservationMiB,
    environment: settings.environment,
    firelensConfiguration: { type: firelens.type, options: firelens.options },
    // Fluent Bit buffers in memory; /tmp is writable scratch in case a plugin wants a temp file.
    mountPoints: [{ sourceVolume: LOG_ROUTER_TMP_VOLUME, containerPath: "/tmp", readOnly: false }],
    logConfiguration: awslogs(props.logGroupName, props.region, LOG_ROUTER_AWSLOGS_STREAM_PREFIX),
  };
}

// ── ADOT collector (traces → X-Ray) ────────────────────────────────────────

/**
 * AWS Distro for OpenTelemetry collector, pinned by its immutable release tag (v0.48.0 is on ECR
 * Public). Upgrade: pick a newer release from aws-observability/aws-otel-collector and change it here.
 */
export const ADOT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.48.0";
export const COLLECTOR_CONTAINER_NAME = "aws-otel-collector";
/** The image's own non-root user (its Dockerfile creates `aoc`, uid/gid 4317). */
export const COLLECTOR_USER = "4317:4317";
/** Memory ECS reserves for the collector; the memory limiter keeps it below this. */
export const COLLECTOR_MEMORY_RESERVATION_MIB = 128;
/** The only actions the awsxray exporter calls (X-Ray has no resource-level permissions). */
export const XRAY_WRITE_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"] as const;
/**
 * What the app's X-Ray remote sampler calls through the collector's awsproxy (the collector signs
 * with the task role): https://aws-otel.github.io/docs/getting-started/remote-sampling/. No
 * resource-level permissions either.
 */
export const XRAY_SAMPLING_ACTIONS = [
  "xray:GetSamplingRules",
  "xray:GetSamplingStatisticSummaries",
  "xray:GetSamplingTargets",
] as const;

/**
 * The collector's whole config (passed in AOT_CONFIG_CONTENT, so no file in the image is used):
 * OTLP/HTTP on loopback only (the app is in the same network namespace), memory_limiter first, then
 * batch, then X-Ray; the awsproxy extension, also on loopback, signs the app's X-Ray sampling calls
 * (GetSamplingRules/Targets) with the task role. The collector's own metrics endpoint is off, so it
 * listens on nothing else.
 */
export function collectorConfig(region: string): string {
  const limitMiB = Math.floor(COLLECTOR_MEMORY_RESERVATION_MIB * 0.8);
  return [
    "receivers:",
    "  otlp:",
    "    protocols:",
    "      http:",
    `        endpoint: 127.0.0.1:${OTLP_HTTP_PORT}`,
    "processors:",
    "  memory_limiter:",
    "    check_interval: 1s",
    `    limit_mib: ${limitMiB}`,
    `    spike_limit_mib: ${Math.floor(limitMiB / 4)}`,
    "  batch:",
    "    timeout: 1s",
    "exporters:",
    "  awsxray:",
    `    region: ${region}`,
    "extensions:",
    "  awsproxy:",
    `    endpoint: 127.0.0.1:${XRAY_PROXY_PORT}`,
    `    region: ${region}`,
    "service:",
    "  extensions: [awsproxy]",
    "  telemetry:",
    "    metrics:",
    "      level: none",
    "  pipelines:",
    "    traces:",
    "      receivers: [otlp]",
    "      processors: [memory_limiter, batch]",
    "      exporters: [awsxray]",
    "",
  ].join("\n");
}

export function collectorContainer(props: { region: string; logGroupName: string }): ContainerDefinition {
  return {
    name: COLLECTOR_CONTAINER_NAME,
    image: ADOT_COLLECTOR_IMAGE,
    // Tracing is best effort: a crashed collector must not stop the app (the SDK drops spans).
    essential: false,
    user: COLLECTOR_USER,
    readonlyRootFilesystem: true,
    privileged: false,
    memoryReservation: COLLECTOR_MEMORY_RESERVATION_MIB,
    environment: [{ name: "AOT_CONFIG_CONTENT", value: collectorConfig(props.region) }],
    logConfiguration: awslogs(props.logGroupName, props.region, "otel-collector"),
  };
}

// ── SSM agent for AWS FIS task actions ─────────────────────────────────────

export const SSM_AGENT_CONTAINER_NAME = "amazon-ssm-agent";
/**
 * The image the FIS user guide's task definition uses. Its script installs jq/awscli with dnf at
 * start, so it follows the image AWS tests it with rather than a pinned tag; it exists only in
 * environments whose config enables FIS (docs/DESIGN.md).
 */
export const SSM_AGENT_IMAGE = "public.ecr.aws/amazon-ssm-agent/amazon-ssm-agent:latest";
export const SSM_AGENT_MEMORY_RESERVATION_MIB = 64;
/** What the sidecar does with the task role: register the task as a managed instance, tagged. */
export const FIS_TASK_ROLE_ACTIONS = ["ssm:AddTagsToResource", "ssm:CreateActivation"] as const;

/**
 * The AWS FIS "ECS task actions" sidecar script: register the task as an SSM managed instance
 * (tagged ECS_TASK_ARN, which FIS resolves targets by) through an activation that the
 * managed-instance role backs, run the agent, and on SIGTERM delete the activation and deregister.
 * https://docs.aws.amazon.com/fis/latest/userguide/ecs-task-actions.html
 */
export const SSM_AGENT_SCRIPT = [
  "set -e",
  "dnf install jq procps awscli -y",
  "term_handler() {",
  '  echo "Deleting SSM activation $ACTIVATION_ID"',
  "  if ! aws ssm delete-activation --activation-id $ACTIVATION_ID --region $ECS_TASK_REGION; then",
  '    echo "SSM activation $ACTIVATION_ID failed to be deleted" 1>&2',
  "  fi",
  "  MANAGED_INSTANCE_ID=$(jq -e -r .ManagedInstanceID /var/lib/amazon/ssm/registration)",
  '  echo "Deregistering SSM Managed Instance $MANAGED_INSTANCE_ID"',
  "  if ! aws ssm deregister-managed-instance --instance-id $MANAGED_INSTANCE_ID --region $ECS_TASK_REGION; then",
  '    echo "SSM Managed Instance $MANAGED_INSTANCE_ID failed to be deregistered" 1>&2',
  "  fi",
  "  kill -SIGTERM $SSM_AGENT_PID",
  "}",
  "trap term_handler SIGTERM SIGINT",
  "if [[ -z $MANAGED_INSTANCE_ROLE_NAME ]]; then",
  '  echo "Environment variable MANAGED_INSTANCE_ROLE_NAME not set, exiting" 1>&2',
  "  exit 1",
  "fi",
  "if ! ps ax | grep amazon-ssm-agent | grep -v grep > /dev/null; then",
  "  if [[ -n $ECS_CONTAINER_METADATA_URI_V4 ]]; then",
  '    echo "Found ECS Container Metadata, running activation with metadata"',
  '    TASK_METADATA=$(curl "$ECS_CONTAINER_METADATA_URI_V4/task")',
  "    ECS_TASK_AVAILABILITY_ZONE=$(echo $TASK_METADATA | jq -e -r '.AvailabilityZone')",
  "    ECS_TASK_ARN=$(echo $TASK_METADATA | jq -e -r '.TaskARN')",
  "    ECS_TASK_ID=$(echo $ECS_TASK_ARN | awk -F'/' '{print $NF}')",
  "    ECS_TASK_REGION=$(echo $ECS_TASK_AVAILABILITY_ZONE | sed 's/.$//')",
  "  else",
  '    echo "ECS Container Metadata not found, exiting" 1>&2',
  "    exit 1",
  "  fi",
  "  ACTIVATION=$(aws ssm create-activation --iam-role $MANAGED_INSTANCE_ROLE_NAME --default-instance-name mi-$ECS_TASK_ID --registration-limit 1 --tags Key=ECS_TASK_AVAILABILITY_ZONE,Value=$ECS_TASK_AVAILABILITY_ZONE Key=ECS_TASK_ARN,Value=$ECS_TASK_ARN Key=FAULT_INJECTION_SIDECAR,Value=true --region $ECS_TASK_REGION)",
  "  ACTIVATION_CODE=$(echo $ACTIVATION | jq -e -r .ActivationCode)",
  "  ACTIVATION_ID=$(echo $ACTIVATION | jq -e -r .ActivationId)",
  '  if ! amazon-ssm-agent -register -code "$ACTIVATION_CODE" -id "$ACTIVATION_ID" -region "$ECS_TASK_REGION"; then',
  '    echo "Failed to register with AWS Systems Manager (SSM), exiting" 1>&2',
  "    exit 1",
  "  fi",
  "  amazon-ssm-agent &",
  "  SSM_AGENT_PID=$!",
  "  wait $SSM_AGENT_PID",
  "else",
  '  echo "SSM agent is already running, exiting" 1>&2',
  "  exit 1",
  "fi",
].join("\n");

/**
 * The SSM agent sidecar. It runs as root with a writable root filesystem (it installs packages,
 * writes its registration under /var/lib/amazon/ssm and injects faults into the task): the policy
 * suite's CTR-01/CTR-03 exceptions cover exactly this container, and X-07 allows it only where
 * config enables FIS. Non-essential: a failed registration must not stop the service.
 */
export function ssmAgentContainer(props: {
  managedInstanceRoleName: string;
  region: string;
  logGroupName: string;
}): ContainerDefinition {
  return {
    name: SSM_AGENT_CONTAINER_NAME,
    image: SSM_AGENT_IMAGE,
    essential: false,
    user: "0",
    readonlyRootFilesystem: false,
    privileged: false,
    memoryReservation: SSM_AGENT_MEMORY_RESERVATION_MIB,
    entryPoint: [],
    command: ["/bin/bash", "-c", SSM_AGENT_SCRIPT],
    environment: [{ name: "MANAGED_INSTANCE_ROLE_NAME", value: props.managedInstanceRoleName }],
    logConfiguration: awslogs(props.logGroupName, props.region, "ssm-agent"),
  };
}
