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

/** One service experiments act on. */
export interface ExperimentService {
  /** Its name in config: the template keys ("stop-<name>-tasks", "<name>-cpu-stress", "<from>-<to>-..."). */
  readonly name: string;
  /** The ECS service's name (cross-stack), the task target's `service` parameter. */
  readonly serviceName: string;
  /** Port it listens on; a blackhole of an edge to it drops the caller's egress to this port. */
  readonly port: number;
}

export interface FaultExperimentsProps {
  /** Prefix of template and role names, e.g. "fc-dev". */
  readonly namePrefix: string;
  /** Alarm that stops every experiment (the ALB 5xx rate, or the services' 5xx without an ALB). */
  readonly stopAlarmArn: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Every service: each gets a stop-tasks and a CPU stress template. */
  readonly services: readonly ExperimentService[];
  /**
   * Caller → target edges (config `connectsTo`): each gets a latency and a blackhole template.
   * @default - none
   */
  readonly edges?: readonly { readonly from: string; readonly to: string }[];
  /** Subnets the targets' tasks run in: latency applies to their host addresses only (not the ALB's, not DNS). */
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

/** Template keys (also the name suffix of the template and its role). */
export const experimentKeys = {
  stopTasks: (service: string) => `stop-${service}-tasks`,
  cpuStress: (service: string) => `${service}-cpu-stress`,
  latency: (from: string, to: string) => `${from}-${to}-latency`,
  blackhole: (from: string, to: string) => `${from}-${to}-blackhole`,
  auroraFailover: "aurora-failover",
  cacheAzPower: "cache-az-power",
} as const;

/**
 * AWS FIS experiment templates for the seed's chaos table, per service (stop tasks, CPU stress) and
 * per `connectsTo` edge (latency, and a blackhole of the target's port on the caller), plus the data
 * stores'; each with the stop alarm as stop condition and its own role allowed only what its action needs (FIS actions reference,
 * https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html). The task-level
 * actions need the SSM agent sidecar and enableFaultInjection in the task definitions; the network
 * ones run on Fargate only through the ECS fault-injection endpoints (useEcsFaultInjectionEndpoints).
 */
export class FaultExperiments extends Construct {
  /** Templates by key (experimentKeys), in creation order. */
  readonly templates: Record<string, FisExperimentTemplate> = {};
  readonly roles: Record<string, ServiceRole> = {};

  constructor(scope: Construct, id: string, props: FaultExperimentsProps) {
    super(scope, id);
    const v = new Validator(this);
    v.int("durationMinutes", props.durationMinutes, { min: 1, max: 720 });
    v.int("stopTaskPercent", props.stopTaskPercent, { min: 1, max: 100 });
    v.int("cpuStressPercent", props.cpuStressPercent, { min: 1, max: 100 });
    v.int("latencyMs", props.latencyMs, { min: 1, max: 60_000 });
    v.check(props.services.length > 0, "services", props.services, "at least one service");
    const byName = new Map(props.services.map((s) => [s.name, s]));
    for (const s of props.services) v.int(`services[${s.name}].port`, s.port, { min: 1, max: 65535 });
    for (const e of props.edges ?? []) {
      v.check(byName.has(e.from) && byName.has(e.to) && e.from !== e.to, "edges", e, "an edge between two of services");
    }
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
      key: string,
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

    for (const svc of props.services) {
      template(
        experimentKeys.stopTasks(svc.name),
        `Stop ${props.stopTaskPercent}% of ${svc.name} tasks (seed: backend service unavailability)`,
        { actionId: "aws:ecs:stop-task", targetKey: "Tasks" },
        tasksOf(svc.serviceName, `PERCENT(${props.stopTaskPercent})`),
        [...findTasks, { sid: "StopClusterTasks", actions: ["ecs:StopTask"], resources: [taskArns] }, resolveTargets],
      );
      template(
        experimentKeys.cpuStress(svc.name),
        `CPU stress ${props.cpuStressPercent}% on every ${svc.name} task for ${props.durationMinutes} min`,
        {
          actionId: "aws:ecs:task-cpu-stress",
          targetKey: "Tasks",
          parameter: [
            { key: "duration", value: duration },
            { key: "percent", value: String(props.cpuStressPercent) },
          ],
        },
        tasksOf(svc.serviceName, "ALL"),
        runOnTasks,
      );
    }
    for (const edge of props.edges ?? []) {
      const from = byName.get(edge.from)!;
      const to = byName.get(edge.to)!;
      template(
        experimentKeys.latency(from.name, to.name),
        `Add ${props.latencyMs} ms to ${from.name} traffic into the private subnets (${to.name}) for ${props.durationMinutes} min`,
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
        tasksOf(from.serviceName, "ALL"),
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
      // The target's port, never the caller's own: dropping egress to the caller's port would also
      // cut its loopback health check and Service Connect's ingress path.
      template(
        experimentKeys.blackhole(from.name, to.name),
        `Drop ${from.name} egress to port ${to.port} (${to.name}) for ${props.durationMinutes} min`,
        {
          actionId: "aws:ecs:task-network-blackhole-port",
          targetKey: "Tasks",
          parameter: [
            { key: "duration", value: duration },
            { key: "port", value: String(to.port) },
            { key: "protocol", value: "tcp" },
            { key: "trafficType", value: "egress" },
            ecsEndpoints,
          ],
        },
        tasksOf(from.serviceName, "ALL"),
        runOnTasks,
      );
    }
    template(
      experimentKeys.auroraFailover,
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
        experimentKeys.cacheAzPower,
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
