import {
  FisExperimentTemplate,
  type FisExperimentTemplateAction,
} from "@cdktn/provider-aws/lib/fis-experiment-template";
import { Construct } from "constructs";
import { AwsContext } from "../aws-context";
import type { PolicyStatement } from "../lib/iam";
import { hostSources } from "../lib/fis-sources";
import { Validator } from "../lib/validate";
import { ServiceRole } from "../service-role";

export interface FaultExperimentsProps {
  /** Prefix of template and role names, e.g. "fc-dev". */
  readonly namePrefix: string;
  /** Alarm that stops every experiment (the ALB 5xx rate). */
  readonly stopAlarmArn: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  /** ECS service names (cross-stack) of the two apps. */
  readonly callerServiceName: string;
  readonly responderServiceName: string;
  /** Port the responder listens on; the blackhole drops the caller's egress to it. */
  readonly responderPort: number;
  /** Subnets the responder's tasks run in: latency applies to their host addresses only (not the ALB's, not DNS). */
  readonly latencySubnetCidrs: readonly string[];
  readonly durationMinutes: number;
  readonly stopTaskPercent: number;
  readonly cpuStressPercent: number;
  readonly latencyMs: number;
  readonly dbClusterArn: string;
  /**
   * Multi-AZ cache to cut power to in one AZ.
   * @default - no ElastiCache experiment (single-AZ caches are not supported by the action)
   */
  readonly multiAzCache?: { readonly replicationGroupArn: string; readonly availabilityZone: string };
}

/** The experiment templates this construct creates, by key (also the name suffix). */
export const EXPERIMENT_KEYS = [
  "stop-responder-tasks",
  "caller-cpu-stress",
  "caller-responder-latency",
  "caller-responder-blackhole",
  "aurora-failover",
  "cache-az-power",
] as const;
export type ExperimentKey = (typeof EXPERIMENT_KEYS)[number];

/**
 * AWS FIS experiment templates for the seed's chaos table, each with the ALB 5xx alarm as stop
 * condition and its own role allowed only what its action needs (FIS actions reference,
 * https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html). The task-level
 * actions need the SSM agent sidecar and enableFaultInjection in the task definitions; the network
 * ones run on Fargate only through the ECS fault-injection endpoints (useEcsFaultInjectionEndpoints).
 */
export class FaultExperiments extends Construct {
  readonly templates: Partial<Record<ExperimentKey, FisExperimentTemplate>> = {};
  readonly roles: Partial<Record<ExperimentKey, ServiceRole>> = {};

  constructor(scope: Construct, id: string, props: FaultExperimentsProps) {
    super(scope, id);
    const v = new Validator(this);
    v.int("durationMinutes", props.durationMinutes, { min: 1, max: 720 });
    v.int("stopTaskPercent", props.stopTaskPercent, { min: 1, max: 100 });
    v.int("cpuStressPercent", props.cpuStressPercent, { min: 1, max: 100 });
    v.int("latencyMs", props.latencyMs, { min: 1, max: 60_000 });
    v.int("responderPort", props.responderPort, { min: 1, max: 65535 });
    const latencySources = hostSources(props.latencySubnetCidrs);
    const sourcesAllowed = "IPv4 subnet CIDRs (/16–/28) whose host addresses fit FIS's 1024-character sources";
    v.check(latencySources !== undefined, "latencySubnetCidrs", props.latencySubnetCidrs, sourcesAllowed);

    const ctx = AwsContext.of(this);
    const duration = `PT${props.durationMinutes}M`;
    const tasksOf = (service: string, selectionMode: string) => ({
      name: "Tasks",
      resourceType: "aws:ecs:task",
      selectionMode,
      parameters: { cluster: props.clusterName, service },
    });
    const taskArns = `arn:aws:ecs:${ctx.region}:${ctx.accountId}:task/${props.clusterName}/*`;
    // Target resolution lists the service's tasks; ListTasks takes only "*" narrowed by ecs:cluster
    // (ECS IAM examples), then DescribeTasks on the cluster's tasks.
    const findTasks: PolicyStatement[] = [
      {
        sid: "ListClusterTasks",
        actions: ["ecs:ListTasks"],
        resources: ["*"],
        condition: [{ test: "ArnEquals", variable: "ecs:cluster", values: [props.clusterArn] }],
      },
      { sid: "DescribeClusterTasks", actions: ["ecs:DescribeTasks"], resources: [taskArns] },
    ];
    // Task actions run AWSFIS-Run-* SSM documents on the tasks' SSM agents (managed instances).
    const runOnTasks: PolicyStatement[] = [
      ...findTasks,
      {
        sid: "SendFaultCommands",
        actions: ["ssm:SendCommand"],
        resources: [
          `arn:aws:ssm:${ctx.region}::document/AWSFIS-Run-*`,
          `arn:aws:ssm:${ctx.region}:${ctx.accountId}:managed-instance/*`,
        ],
      },
      // No resource-level permissions for these two (Service Authorization Reference, SSM).
      { sid: "TrackFaultCommands", actions: ["ssm:ListCommands", "ssm:CancelCommand"], resources: ["*"] },
    ];
    const ecsEndpoints = { key: "useEcsFaultInjectionEndpoints", value: "true" };
    // FIS resolves targets through the tagging API (no resource-level permissions); the actions
    // reference lists it for aws:ecs:stop-task, aws:rds:failover-db-cluster and the ElastiCache action.
    const resolveTargets: PolicyStatement = { sid: "ResolveTargets", actions: ["tag:GetResources"], resources: ["*"] };

    const template = (
      key: ExperimentKey,
      description: string,
      action: Omit<FisExperimentTemplateAction, "name" | "target"> & { readonly targetKey: string },
      target: {
        name: string;
        resourceType: string;
        selectionMode: string;
        parameters?: Record<string, string>;
        resourceArns?: string[];
      },
      statements: PolicyStatement[],
    ) => {
      const role = new ServiceRole(this, `${key}-role`, {
        name: `${props.namePrefix}-fis-${key}`,
        assumedBy: "fis.amazonaws.com",
        description: `FIS runs the ${key} experiment of ${props.namePrefix}`,
      });
      for (const s of statements) role.addToPrincipalPolicy(s);
      const { targetKey, ...rest } = action;
      this.roles[key] = role;
      this.templates[key] = new FisExperimentTemplate(this, key, {
        description,
        roleArn: role.arn,
        action: [{ ...rest, name: key, target: { key: targetKey, value: target.name } }],
        target: [target],
        stopCondition: [{ source: "aws:cloudwatch:alarm", value: props.stopAlarmArn }],
        experimentOptions: { accountTargeting: "single-account", emptyTargetResolutionMode: "fail" },
        tags: { Name: `${props.namePrefix}-${key}` },
        dependsOn: role.dependables(),
      });
    };

    template(
      "stop-responder-tasks",
      `Stop ${props.stopTaskPercent}% of responder tasks (seed: backend service unavailability)`,
      { actionId: "aws:ecs:stop-task", targetKey: "Tasks" },
      tasksOf(props.responderServiceName, `PERCENT(${props.stopTaskPercent})`),
      [...findTasks, { sid: "StopClusterTasks", actions: ["ecs:StopTask"], resources: [taskArns] }, resolveTargets],
    );
    template(
      "caller-cpu-stress",
      `CPU stress ${props.cpuStressPercent}% on every caller task for ${props.durationMinutes} min`,
      {
        actionId: "aws:ecs:task-cpu-stress",
        targetKey: "Tasks",
        parameter: [
          { key: "duration", value: duration },
          { key: "percent", value: String(props.cpuStressPercent) },
        ],
      },
      tasksOf(props.callerServiceName, "ALL"),
      runOnTasks,
    );
    template(
      "caller-responder-latency",
      `Add ${props.latencyMs} ms to caller traffic into the private subnets (the responder) for ${props.durationMinutes} min`,
      {
        actionId: "aws:ecs:task-network-latency",
        targetKey: "Tasks",
        parameter: [
          { key: "duration", value: duration },
          { key: "delayMilliseconds", value: String(props.latencyMs) },
          { key: "jitterMilliseconds", value: "10" },
          { key: "sources", value: latencySources ?? "" },
          ecsEndpoints,
        ],
      },
      tasksOf(props.callerServiceName, "ALL"),
      [
        ...runOnTasks,
        // aws:ecs:task-network-latency also lists these (FIS actions reference, "Permissions"); the
        // two EC2 describe calls have no resource-level permissions.
        { sid: "DescribeTaskNetwork", actions: ["ec2:DescribeInstances", "ec2:DescribeSubnets"], resources: ["*"] },
        {
          sid: "DescribeContainerInstances",
          actions: ["ecs:DescribeContainerInstances"],
          resources: [`arn:aws:ecs:${ctx.region}:${ctx.accountId}:container-instance/${props.clusterName}/*`],
        },
      ],
    );
    template(
      "caller-responder-blackhole",
      `Drop caller egress to port ${props.responderPort} (the responder) for ${props.durationMinutes} min`,
      {
        actionId: "aws:ecs:task-network-blackhole-port",
        targetKey: "Tasks",
        parameter: [
          { key: "duration", value: duration },
          { key: "port", value: String(props.responderPort) },
          { key: "protocol", value: "tcp" },
          { key: "trafficType", value: "egress" },
          ecsEndpoints,
        ],
      },
      tasksOf(props.callerServiceName, "ALL"),
      runOnTasks,
    );
    template(
      "aurora-failover",
      "Fail the Aurora MySQL cluster over to a reader (a writer restart with one instance)",
      { actionId: "aws:rds:failover-db-cluster", targetKey: "Clusters" },
      { name: "Clusters", resourceType: "aws:rds:cluster", selectionMode: "ALL", resourceArns: [props.dbClusterArn] },
      [
        {
          sid: "FailoverCluster",
          actions: ["rds:FailoverDBCluster", "rds:DescribeDBClusters"],
          resources: [props.dbClusterArn],
        },
        resolveTargets,
      ],
    );
    if (props.multiAzCache) {
      const cache = props.multiAzCache;
      template(
        "cache-az-power",
        `Interrupt power to the cache nodes in ${cache.availabilityZone} for ${props.durationMinutes} min`,
        {
          actionId: "aws:elasticache:replicationgroup-interrupt-az-power",
          targetKey: "ReplicationGroups",
          parameter: [{ key: "duration", value: duration }],
        },
        {
          name: "ReplicationGroups",
          resourceType: "aws:elasticache:replicationgroup",
          selectionMode: "ALL",
          resourceArns: [cache.replicationGroupArn],
          parameters: { availabilityZoneIdentifier: cache.availabilityZone },
        },
        [
          {
            sid: "InterruptCacheAz",
            actions: ["elasticache:InterruptClusterAzPower", "elasticache:DescribeReplicationGroups"],
            resources: [cache.replicationGroupArn],
          },
          resolveTargets,
        ],
      );
    }
  }
}
