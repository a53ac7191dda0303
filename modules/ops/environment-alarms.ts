import { CloudwatchCompositeAlarm } from "@cdktn/provider-aws/lib/cloudwatch-composite-alarm";
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmMetricQuery,
} from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { metricAlarm, type MetricAlarmSpec } from "../lib/metric-alarm";
import { Validator } from "../lib/validate";

/** Thresholds, one per alarm kind (config `ops.alarms`). */
export interface OpsAlarmThresholds {
  readonly alb5xxPercent: number;
  readonly alb5xxMinRequestsPerMinute: number;
  readonly tasksBelowDesiredMinutes: number;
  readonly serviceCpuPercent: number;
  readonly serviceMemoryPercent: number;
  readonly cacheCpuPercent: number;
  readonly cacheMemoryPercent: number;
  readonly cacheEvictionsPer5Min: number;
  readonly cacheReplicationLagSec: number;
  readonly dbCpuPercent: number;
  readonly dbConnections: number;
  readonly dbFreeableMemoryMiB: number;
}

export interface EnvironmentAlarmsProps {
  /** Prefix of every alarm name, e.g. "fc-dev". */
  readonly namePrefix: string;
  /** The platform's SNS topic; every alarm notifies it on ALARM and OK. */
  readonly topicArn: string;
  readonly thresholds: OpsAlarmThresholds;
  /**
   * ALB ARN suffix (LoadBalancer dimension): the ALB 5xx rate alarm, the FIS stop condition.
   * @default - no ALB: the stop condition is a composite of the services' 5xx alarms
   */
  readonly albArnSuffix?: string;
  readonly clusterName: string;
  /**
   * ECS services: `app` names the alarms, `serviceName` is the ServiceName dimension, and
   * `errorAlarmNames` (their 5xx deployment alarms) make up the stop condition without an ALB.
   */
  readonly services: readonly {
    readonly app: string;
    readonly serviceName: string;
    readonly errorAlarmNames?: readonly string[];
  }[];
  /** ElastiCache member cluster ids (one per node: CacheClusterId dimension), in node order. */
  readonly cacheNodeIds: readonly string[];
  /** Aurora cluster identifier (DBClusterIdentifier dimension). */
  readonly dbClusterIdentifier: string;
}

const MIB = 1024 * 1024;

/**
 * The environment's health alarms, beside the ones other stacks own (blue/green per target group
 * and Service Connect in services, Firehose in platform, Aurora ACU in data): ALB 5xx rate, tasks
 * below desired, service CPU/memory, ElastiCache per node, Aurora per cluster.
 */
export class EnvironmentAlarms extends Construct {
  /** ALB 5xx share of requests (with an ALB). */
  readonly alb5xxRate?: CloudwatchMetricAlarm;
  /** Any service answering 5xx (without an ALB): a composite of the services' 5xx alarms. */
  readonly services5xx?: CloudwatchCompositeAlarm;
  readonly all: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: EnvironmentAlarmsProps) {
    super(scope, id);
    const t = props.thresholds;
    const v = new Validator(this);
    v.matches("namePrefix", props.namePrefix, /^[a-z][a-z0-9-]{0,30}$/, "1–31 of a-z 0-9 -");
    const pct = (name: keyof OpsAlarmThresholds) =>
      v.check(t[name] > 0 && t[name] <= 100, `thresholds.${name}`, t[name], "a percentage above 0 and at most 100");
    for (const name of [
      "alb5xxPercent",
      "serviceCpuPercent",
      "serviceMemoryPercent",
      "cacheCpuPercent",
      "cacheMemoryPercent",
      "dbCpuPercent",
    ] as const)
      pct(name);
    v.int("thresholds.tasksBelowDesiredMinutes", t.tasksBelowDesiredMinutes, { min: 1, max: 60 });
    v.int("thresholds.alb5xxMinRequestsPerMinute", t.alb5xxMinRequestsPerMinute, { min: 1, max: 1_000_000 });
    v.int("thresholds.cacheEvictionsPer5Min", t.cacheEvictionsPer5Min, { min: 0, max: 100_000_000 });
    v.int("thresholds.dbConnections", t.dbConnections, { min: 1, max: 100_000 });
    v.int("thresholds.dbFreeableMemoryMiB", t.dbFreeableMemoryMiB, { min: 1, max: 1_048_576 });
    v.check(
      t.cacheReplicationLagSec > 0 && t.cacheReplicationLagSec <= 3600,
      "thresholds.cacheReplicationLagSec",
      t.cacheReplicationLagSec,
      "above 0 and at most 3600 seconds",
    );
    v.check(props.services.length > 0, "services", props.services, "at least one service");
    v.check(props.cacheNodeIds.length > 0, "cacheNodeIds", props.cacheNodeIds, "at least one node");

    const p = props.namePrefix;
    const notify = { alarmActions: [props.topicArn], okActions: [props.topicArn] };
    const add = (alarm: CloudwatchMetricAlarm) => {
      this.all.push(alarm);
      return alarm;
    };

    if (props.albArnSuffix !== undefined) this.alb5xxRate = add(this.alb5xxRateAlarm(props, props.albArnSuffix));
    else {
      const names = props.services.flatMap((svc) => svc.errorAlarmNames ?? []);
      v.check(names.length > 0, "services[].errorAlarmNames", names, "at least one alarm when there is no ALB");
      this.services5xx = new CloudwatchCompositeAlarm(this, "services-5xx", {
        alarmName: `${p}-services-5xx`,
        alarmDescription: "A service answers 5xx through Service Connect; stops every FIS experiment",
        alarmRule: names.map((n) => `ALARM(${JSON.stringify(n)})`).join(" OR "),
        ...notify,
      });
    }

    for (const svc of props.services) {
      const dims = { ClusterName: props.clusterName, ServiceName: svc.serviceName };
      const insights = (metricName: string, qid: string): CloudwatchMetricAlarmMetricQuery => ({
        id: qid,
        returnData: false,
        metric: { namespace: "ECS/ContainerInsights", metricName, dimensions: dims, stat: "Average", period: 60 },
      });
      add(
        new CloudwatchMetricAlarm(this, `${svc.app}-tasks-below-desired`, {
          alarmName: `${p}-${svc.app}-tasks-below-desired`,
          alarmDescription: `${svc.app} ran fewer tasks than desired for ${t.tasksBelowDesiredMinutes} min (Spot reclaims, failing starts: docs/runbooks/spot-interruption-storm.md)`,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          evaluationPeriods: t.tasksBelowDesiredMinutes,
          datapointsToAlarm: t.tasksBelowDesiredMinutes,
          treatMissingData: "notBreaching",
          metricQuery: [
            insights("DesiredTaskCount", "desired"),
            insights("RunningTaskCount", "running"),
            { id: "missing", label: "Tasks missing", returnData: true, expression: "desired - running" },
          ],
          ...notify,
        }),
      );
      for (const [kind, metricName, threshold] of [
        ["cpu", "CPUUtilization", t.serviceCpuPercent],
        ["memory", "MemoryUtilization", t.serviceMemoryPercent],
      ] as const) {
        add(
          metricAlarm(this, `${svc.app}-${kind}-high`, {
            name: `${p}-${svc.app}-${kind}-high`,
            description: `${svc.app} average ${kind} above ${threshold}% for 5 min`,
            namespace: "AWS/ECS",
            metricName,
            dimensions: dims,
            stat: "Average",
            periods: 5,
            threshold,
            comparison: "GreaterThanThreshold",
            topicArn: props.topicArn,
          }),
        );
      }
    }

    // ElastiCache publishes per node (CacheClusterId = member cluster), not per replication group.
    // https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.WhichShouldIMonitor.html
    props.cacheNodeIds.forEach((nodeId, i) => {
      const node = String(i + 1).padStart(3, "0");
      const cache = (
        kind: string,
        metricName: string,
        statistic: string,
        threshold: number,
        comparisonOperator: MetricAlarmSpec["comparison"],
        what: string,
      ) =>
        add(
          metricAlarm(this, `cache-${node}-${kind}`, {
            name: `${p}-cache-${node}-${kind}`,
            description: `Cache node ${node}: ${what}`,
            namespace: "AWS/ElastiCache",
            metricName,
            dimensions: { CacheClusterId: nodeId },
            stat: statistic,
            periods: 2,
            periodSec: 300,
            threshold,
            comparison: comparisonOperator,
            topicArn: props.topicArn,
          }),
        );
      cache(
        "engine-cpu",
        "EngineCPUUtilization",
        "Average",
        t.cacheCpuPercent,
        "GreaterThanThreshold",
        `engine CPU above ${t.cacheCpuPercent}%`,
      );
      cache(
        "memory",
        "DatabaseMemoryUsagePercentage",
        "Average",
        t.cacheMemoryPercent,
        "GreaterThanThreshold",
        `memory above ${t.cacheMemoryPercent}% of maxmemory`,
      );
      cache(
        "evictions",
        "Evictions",
        "Sum",
        t.cacheEvictionsPer5Min,
        "GreaterThanThreshold",
        `more than ${t.cacheEvictionsPer5Min} evictions in 5 min`,
      );
      // Only replicas report ReplicationLag; every node gets the alarm because failover moves the roles.
      if (props.cacheNodeIds.length > 1) {
        cache(
          "replication-lag",
          "ReplicationLag",
          "Maximum",
          t.cacheReplicationLagSec,
          "GreaterThanThreshold",
          `replica more than ${t.cacheReplicationLagSec} s behind the primary`,
        );
      }
    });

    const db = (
      kind: string,
      metricName: string,
      threshold: number,
      comparisonOperator: MetricAlarmSpec["comparison"],
      what: string,
    ) =>
      add(
        metricAlarm(this, `mysql-${kind}`, {
          name: `${p}-mysql-${kind}`,
          description: `Aurora MySQL: ${what}`,
          namespace: "AWS/RDS",
          metricName,
          dimensions: { DBClusterIdentifier: props.dbClusterIdentifier },
          stat: metricName === "FreeableMemory" ? "Minimum" : "Average",
          periods: 2,
          periodSec: 300,
          threshold,
          comparison: comparisonOperator,
          topicArn: props.topicArn,
        }),
      );
    db("cpu-high", "CPUUtilization", t.dbCpuPercent, "GreaterThanThreshold", `CPU above ${t.dbCpuPercent}%`);
    db(
      "connections-high",
      "DatabaseConnections",
      t.dbConnections,
      "GreaterThanThreshold",
      `more than ${t.dbConnections} connections (docs/runbooks/connection-exhaustion.md)`,
    );
    db(
      "freeable-memory-low",
      "FreeableMemory",
      t.dbFreeableMemoryMiB * MIB,
      "LessThanThreshold",
      `freeable memory below ${t.dbFreeableMemoryMiB} MiB`,
    );
  }

  /** ARN and name of the alarm every FIS experiment stops on. */
  get stopAlarm(): { readonly arn: string; readonly alarmName: string } {
    const alarm = this.alb5xxRate ?? this.services5xx!;
    return { arn: alarm.arn, alarmName: alarm.alarmName };
  }

  private alb5xxRateAlarm(props: EnvironmentAlarmsProps, albArnSuffix: string): CloudwatchMetricAlarm {
    const t = props.thresholds;
    const notify = { alarmActions: [props.topicArn], okActions: [props.topicArn] };
    const p = props.namePrefix;
    // 100 × (ELB 5xx + target 5xx) / requests, over the whole ALB; quiet minutes (below the minimum
    // request count) evaluate to 0, so one failed request at night pages nobody.
    const alb = (metricName: string, qid: string): CloudwatchMetricAlarmMetricQuery => ({
      id: qid,
      returnData: false,
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions: { LoadBalancer: albArnSuffix },
        stat: "Sum",
        period: 60,
      },
    });
    return new CloudwatchMetricAlarm(this, "alb-5xx-rate", {
      alarmName: `${p}-alb-5xx-rate`,
      alarmDescription: `ALB 5xx (ELB + targets) above ${t.alb5xxPercent}% of requests; stops every FIS experiment (docs/runbooks/alb-5xx-spike.md)`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.alb5xxPercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      metricQuery: [
        alb("HTTPCode_ELB_5XX_Count", "elb5xx"),
        alb("HTTPCode_Target_5XX_Count", "target5xx"),
        alb("RequestCount", "requests"),
        {
          id: "rate",
          label: "5xx % of requests",
          returnData: true,
          expression: `IF(requests >= ${t.alb5xxMinRequestsPerMinute}, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)`,
        },
      ],
      ...notify,
    });
  }
}
