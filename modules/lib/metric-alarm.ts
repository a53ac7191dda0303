import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import type { Construct } from "constructs";

export interface MetricAlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** A statistic ("Sum", "Maximum") or a percentile ("p95"). */
  readonly stat: string;
  readonly threshold: number;
  readonly comparison: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold";
  /** Periods that must breach, out of as many evaluated. */
  readonly periods: number;
  /**
   * Length of one period.
   * @default 60
   */
  readonly periodSec?: number;
  readonly topicArn: string;
}

/**
 * A CloudWatch alarm on one metric that notifies the topic on ALARM and OK. Missing data is "not
 * breaching": an idle target group (green at rest) or a quiet node reports nothing and must not alarm.
 */
export function metricAlarm(scope: Construct, id: string, spec: MetricAlarmSpec): CloudwatchMetricAlarm {
  const percentile = /^p\d+(\.\d+)?$/.test(spec.stat);
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: spec.name,
    alarmDescription: spec.description,
    namespace: spec.namespace,
    metricName: spec.metricName,
    dimensions: { ...spec.dimensions },
    statistic: percentile ? undefined : spec.stat,
    extendedStatistic: percentile ? spec.stat : undefined,
    period: spec.periodSec ?? 60,
    evaluationPeriods: spec.periods,
    datapointsToAlarm: spec.periods,
    threshold: spec.threshold,
    comparisonOperator: spec.comparison,
    treatMissingData: "notBreaching",
    alarmActions: [spec.topicArn],
    okActions: [spec.topicArn],
  });
}
