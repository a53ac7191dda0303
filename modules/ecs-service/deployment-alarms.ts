import type { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { omitFromAddress } from "../lib/address";
import { metricAlarm } from "../lib/metric-alarm";
import { Validator } from "../lib/validate";

/** A load-balanced service's target groups, by color, and its ALB. */
export interface TargetGroupMetrics {
  /** ALB ARN suffix ("app/<name>/<id>"), the LoadBalancer dimension. */
  readonly albArnSuffix: string;
  readonly targetGroups: readonly { readonly color: "blue" | "green"; readonly arnSuffix: string }[];
  /** p95 TargetResponseTime above this many milliseconds rolls back. */
  readonly p95LatencyMs: number;
}

/** A Service Connect service: the metrics AWS/ECS publishes per target discovery name. */
export interface ServiceConnectMetrics {
  /** The service's discovery name (TargetDiscoveryName: every caller together). */
  readonly discoveryName: string;
  /** Average TargetResponseTime above this many milliseconds rolls back. */
  readonly averageLatencyMs: number;
}

export interface DeploymentAlarmsProps {
  /** Prefix of every alarm name, e.g. "fc-dev-caller". */
  readonly namePrefix: string;
  /** SNS topic notified on ALARM and OK. */
  readonly topicArn: string;
  /** 5xx answers per minute that roll a deployment back. */
  readonly target5xxPerMinute: number;
  /** Exactly one: behind the ALB (per target group) or through Service Connect. */
  readonly source: { readonly loadBalancer: TargetGroupMetrics } | { readonly serviceConnect: ServiceConnectMetrics };
}

/**
 * The alarms an ECS deployment watches (deployment_configuration alarms): a bad revision's 5xx,
 * unhealthy targets or latency roll it back. Behind the ALB they are per target group, since
 * blue/green alternates which group is live; internal services use Service Connect's metrics.
 */
export class DeploymentAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[];
  /** The 5xx alarms alone (one per target group, or Service Connect's). */
  readonly errorAlarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: DeploymentAlarmsProps) {
    super(scope, id);
    omitFromAddress(this);
    const v = new Validator(this);
    v.int("target5xxPerMinute", props.target5xxPerMinute, { min: 1, max: 100_000 });
    this.alarms =
      "loadBalancer" in props.source
        ? this.targetGroupAlarms(props, props.source.loadBalancer, v)
        : this.serviceConnectAlarms(props, props.source.serviceConnect, v);
  }

  /** The alarm names, for the service's deployment configuration. */
  get alarmNames(): string[] {
    return this.alarms.map((a) => a.alarmName);
  }

  private targetGroupAlarms(p: DeploymentAlarmsProps, lb: TargetGroupMetrics, v: Validator): CloudwatchMetricAlarm[] {
    v.int("p95LatencyMs", lb.p95LatencyMs, { min: 10, max: 60_000 });
    return lb.targetGroups.flatMap(({ color, arnSuffix }) => {
      const dimensions = { TargetGroup: arnSuffix, LoadBalancer: lb.albArnSuffix };
      const base = { namespace: "AWS/ApplicationELB", dimensions, topicArn: p.topicArn };
      // Ids follow the target groups' construct path (blue-green/<color>), so each alarm sits beside its group.
      const id = (kind: string) => `blue-green-${color}-${kind}`;
      return [
        this.errorAlarm(id("5xx"), base, `${p.namePrefix}-${color}-target-5xx`, `the ${color} targets`, p),
        metricAlarm(this, id("unhealthy"), {
          ...base,
          name: `${p.namePrefix}-${color}-unhealthy-hosts`,
          description: `Unhealthy ${color} targets (rolls a deployment back)`,
          metricName: "UnHealthyHostCount",
          stat: "Maximum",
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold",
          periods: 2,
        }),
        metricAlarm(this, id("p95"), {
          ...base,
          name: `${p.namePrefix}-${color}-p95-latency`,
          description: `p95 response time of the ${color} targets (rolls a deployment back)`,
          metricName: "TargetResponseTime",
          stat: "p95",
          threshold: lb.p95LatencyMs / 1000,
          comparison: "GreaterThanThreshold",
          periods: 3,
        }),
      ];
    });
  }

  private serviceConnectAlarms(
    p: DeploymentAlarmsProps,
    sc: ServiceConnectMetrics,
    v: Validator,
  ): CloudwatchMetricAlarm[] {
    v.int("averageLatencyMs", sc.averageLatencyMs, { min: 10, max: 60_000 });
    // AWS/ECS publishes Service Connect's target metrics per target discovery name (alone, or with
    // the *calling* service's name): TargetDiscoveryName alone covers every caller.
    const base = { namespace: "AWS/ECS", dimensions: { TargetDiscoveryName: sc.discoveryName }, topicArn: p.topicArn };
    return [
      this.errorAlarm("target-5xx", base, `${p.namePrefix}-target-5xx`, `${p.namePrefix} through Service Connect`, p),
      // Average, not p95: percentiles of Service Connect's TargetResponseTime (milliseconds) are
      // not documented, and an alarm on a statistic that never arrives stays OK forever.
      metricAlarm(this, "latency", {
        ...base,
        name: `${p.namePrefix}-latency`,
        description: `Average response time of ${p.namePrefix} through Service Connect (rolls a deployment back)`,
        metricName: "TargetResponseTime",
        stat: "Average",
        threshold: sc.averageLatencyMs,
        comparison: "GreaterThanThreshold",
        periods: 3,
      }),
    ];
  }

  /** 5xx answers per minute at or above the threshold for 2 minutes; kept in errorAlarms too. */
  private errorAlarm(
    id: string,
    base: { namespace: string; dimensions: Record<string, string>; topicArn: string },
    name: string,
    from: string,
    p: DeploymentAlarmsProps,
  ): CloudwatchMetricAlarm {
    const alarm = metricAlarm(this, id, {
      ...base,
      name,
      description: `5xx answers from ${from} (rolls a deployment back)`,
      metricName: "HTTPCode_Target_5XX_Count",
      stat: "Sum",
      threshold: p.target5xxPerMinute,
      comparison: "GreaterThanOrEqualToThreshold",
      periods: 2,
    });
    this.errorAlarms.push(alarm);
    return alarm;
  }
}
