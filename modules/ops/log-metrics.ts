import { CloudwatchLogMetricFilter } from "@cdktn/provider-aws/lib/cloudwatch-log-metric-filter";
import { Construct } from "constructs";
import { Validator } from "../lib/validate";

/** Requests answered 5xx (the request log line carries a numeric `status`). */
export const STATUS_5XX_PATTERN = "{ $.status >= 500 }";

/** One errorType value and the CloudWatch Logs filter pattern that matches it. */
export interface ErrorTypeFilter {
  readonly type: string;
  readonly pattern: string;
}

export interface AppLogMetricsProps {
  /** Service name, e.g. "orders": the first part of every metric name. */
  readonly app: string;
  /** The service's JSON log group (/ecs/<prefix>/<service>). */
  readonly logGroupName: string;
  /** Custom metric namespace, e.g. "FargateConnect/fc-dev". */
  readonly namespace: string;
  /**
   * errorType values to count, one metric each.
   * @default - only the 5xx count
   */
  readonly errorTypes?: readonly ErrorTypeFilter[];
}

/** The metric name of an app's 5xx count. */
export const status5xxMetric = (app: string) => `${app}.status_5xx`;
/** The metric name of an app's count of one errorType. */
export const errorTypeMetric = (app: string, type: string) => `${app}.errorType.${type}`;

/**
 * Metric filters on one app's JSON log group: requests answered 5xx, and one count per errorType.
 * Counts only what reaches the log group (docs/DESIGN.md, "Ops": the log router's CloudWatch copy).
 */
export class AppLogMetrics extends Construct {
  readonly filters: CloudwatchLogMetricFilter[] = [];

  constructor(scope: Construct, id: string, props: AppLogMetricsProps) {
    super(scope, id);
    const v = new Validator(this);
    v.matches("app", props.app, /^[a-z][a-z0-9-]{0,30}$/, "1–31 of a-z 0-9 -, starting with a letter");
    // Namespace characters CloudWatch accepts (PutMetricData: alphanumerics . - _ / # : and space).
    v.matches("namespace", props.namespace, /^[A-Za-z0-9.\-_/#: ]{1,255}$/, "a CloudWatch metric namespace");

    const filter = (id: string, pattern: string, metricName: string) =>
      this.filters.push(
        new CloudwatchLogMetricFilter(this, id, {
          name: `${props.app}-${id}`,
          logGroupName: props.logGroupName,
          pattern,
          metricTransformation: { name: metricName, namespace: props.namespace, value: "1", unit: "Count" },
        }),
      );
    filter("status-5xx", STATUS_5XX_PATTERN, status5xxMetric(props.app));
    for (const { type, pattern } of props.errorTypes ?? []) {
      v.matches("errorTypes[].type", type, /^[a-z][a-z0-9_]{0,62}$/, "1–63 of a-z 0-9 _");
      filter(`error-${type.replace(/_/g, "-")}`, pattern, errorTypeMetric(props.app, type));
    }
  }
}
