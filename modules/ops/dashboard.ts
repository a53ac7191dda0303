import { CloudwatchDashboard } from "@cdktn/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import { Validator } from "../lib/validate";
import { errorTypeMetric, status5xxMetric } from "./log-metrics";

/** One metric line: [namespace, metricName, dim1, value1, ..., options?] (CloudWatch dashboard body). */
type MetricLine = (string | Record<string, unknown>)[];

export interface DashboardInput {
  readonly region: string;
  /** @default - no ALB: no edge widgets */
  readonly albArnSuffix?: string;
  readonly clusterName: string;
  readonly services: readonly {
    readonly app: string;
    readonly serviceName: string;
    /** Blue/green target groups (ARN suffixes), for services behind the ALB. */
    readonly targetGroups?: readonly { readonly color: string; readonly arnSuffix: string }[];
  }[];
  readonly cacheNodeIds: readonly string[];
  readonly dbClusterIdentifier: string;
  readonly deliveryStreamName: string;
  /** Namespace of the apps' log metrics. */
  readonly logMetricsNamespace: string;
  /** errorType values to chart (each app). */
  readonly errorTypes: readonly string[];
  /** Alarm ARNs for the alarm-status widget, in display order. */
  readonly alarmArns: readonly string[];
}

const WIDTH = 24;
const HALF = 12;
const HEIGHT = 6;

/**
 * The dashboard body (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
 * a pure function of its input, widgets in a fixed order, so the JSON is the same on every synth.
 */
export function dashboardBody(input: DashboardInput): { widgets: Record<string, unknown>[] } {
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  let x = 0;
  const place = (width: number) => {
    if (x + width > WIDTH) {
      x = 0;
      y += HEIGHT;
    }
    const at = { x, y, width, height: HEIGHT };
    x += width;
    return at;
  };
  const text = (markdown: string) => {
    if (x !== 0) {
      x = 0;
      y += HEIGHT;
    }
    widgets.push({ type: "text", x: 0, y, width: WIDTH, height: 1, properties: { markdown } });
    y += 1;
  };
  const metric = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}, width = HALF) =>
    widgets.push({
      type: "metric",
      ...place(width),
      properties: { title, region: input.region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra },
    });
  const alb = (name: string, stat: string, label?: string): MetricLine => [
    "AWS/ApplicationELB",
    name,
    "LoadBalancer",
    input.albArnSuffix ?? "",
    { stat, ...(label ? { label } : {}) },
  ];

  if (input.albArnSuffix !== undefined) {
    text("## Edge: ALB (the `-alb-5xx-rate` alarm stops every FIS experiment)");
    metric("ALB requests and 5xx", [
      alb("RequestCount", "Sum", "requests"),
      alb("HTTPCode_ELB_5XX_Count", "Sum", "ELB 5xx"),
      alb("HTTPCode_Target_5XX_Count", "Sum", "target 5xx"),
    ]);
    metric("ALB target response time (s)", [
      alb("TargetResponseTime", "p50", "p50"),
      alb("TargetResponseTime", "p95", "p95"),
      alb("TargetResponseTime", "p99", "p99"),
    ]);
  }
  if (input.alarmArns.length > 0) {
    if (x !== 0) place(WIDTH);
    widgets.push({
      type: "alarm",
      ...place(WIDTH),
      properties: { title: "Alarms", alarms: [...input.alarmArns], sortBy: "stateUpdatedTimestamp" },
    });
  }

  text("## Services (ECS, Container Insights, blue/green target groups)");
  for (const svc of input.services) {
    const dims = ["ClusterName", input.clusterName, "ServiceName", svc.serviceName];
    metric(`${svc.app}: CPU and memory (%)`, [
      ["AWS/ECS", "CPUUtilization", ...dims, { stat: "Average", label: "CPU" }],
      ["AWS/ECS", "MemoryUtilization", ...dims, { stat: "Average", label: "memory" }],
    ]);
    metric(`${svc.app}: running vs desired tasks`, [
      ["ECS/ContainerInsights", "RunningTaskCount", ...dims, { stat: "Average", label: "running" }],
      ["ECS/ContainerInsights", "DesiredTaskCount", ...dims, { stat: "Average", label: "desired" }],
    ]);
    for (const tg of svc.targetGroups ?? []) {
      const tgDims = ["TargetGroup", tg.arnSuffix, "LoadBalancer", input.albArnSuffix ?? ""];
      metric(`${svc.app} ${tg.color}: target health and 5xx`, [
        ["AWS/ApplicationELB", "HealthyHostCount", ...tgDims, { stat: "Minimum", label: "healthy" }],
        ["AWS/ApplicationELB", "UnHealthyHostCount", ...tgDims, { stat: "Maximum", label: "unhealthy" }],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...tgDims, { stat: "Sum", label: "5xx" }],
      ]);
    }
    if (!svc.targetGroups?.length) {
      // Internal services: Service Connect's target metrics (AWS/ECS, TargetDiscoveryName: every caller).
      const sc = ["TargetDiscoveryName", svc.app];
      metric(`${svc.app}: Service Connect 5xx and average (ms)`, [
        ["AWS/ECS", "HTTPCode_Target_5XX_Count", ...sc, { stat: "Sum", label: "5xx" }],
        // Average, as the alarm: percentiles of these metrics are not documented (none without raw values).
        ["AWS/ECS", "TargetResponseTime", ...sc, { stat: "Average", label: "average ms", yAxis: "right" }],
      ]);
    }
  }

  text("## App logs (metric filters on /ecs/<prefix>/<app>: status >= 500, one count per errorType)");
  metric(
    "5xx answers logged, per app",
    input.services.map((s) => [input.logMetricsNamespace, status5xxMetric(s.app), { stat: "Sum", label: s.app }]),
  );
  metric(
    "errorType counts (all apps)",
    input.services.flatMap((s) =>
      input.errorTypes.map((t) => [
        input.logMetricsNamespace,
        errorTypeMetric(s.app, t),
        { stat: "Sum", label: `${s.app} ${t}` },
      ]),
    ),
    { view: "bar" },
  );

  text("## Data stores");
  const cache = (name: string, stat: string) =>
    input.cacheNodeIds.map((id, i): MetricLine => [
      "AWS/ElastiCache",
      name,
      "CacheClusterId",
      id,
      { stat, label: `node ${i + 1}` },
    ]);
  metric("Cache engine CPU (%)", cache("EngineCPUUtilization", "Average"));
  metric("Cache memory (% of maxmemory)", cache("DatabaseMemoryUsagePercentage", "Average"));
  metric("Cache evictions", cache("Evictions", "Sum"));
  if (input.cacheNodeIds.length > 1) metric("Cache replication lag (s)", cache("ReplicationLag", "Maximum"));
  const db = (name: string, stat: string, label: string): MetricLine => [
    "AWS/RDS",
    name,
    "DBClusterIdentifier",
    input.dbClusterIdentifier,
    { stat, label },
  ];
  metric("Aurora CPU (%) and ACU utilization (%)", [
    db("CPUUtilization", "Average", "CPU"),
    db("ACUUtilization", "Average", "ACU"),
  ]);
  metric("Aurora connections", [db("DatabaseConnections", "Maximum", "connections")]);
  metric("Aurora freeable memory (bytes)", [db("FreeableMemory", "Minimum", "freeable")]);

  text("## Log pipeline (Firehose → S3)");
  const fh = (name: string, stat: string): MetricLine => [
    "AWS/Firehose",
    name,
    "DeliveryStreamName",
    input.deliveryStreamName,
    { stat },
  ];
  metric("Firehose records in, throttled", [fh("IncomingRecords", "Sum"), fh("ThrottledRecords", "Sum")]);
  metric("Firehose S3 delivery: success ratio, freshness (s)", [
    fh("DeliveryToS3.Success", "Minimum"),
    [...fh("DeliveryToS3.DataFreshness", "Maximum").slice(0, 4), { stat: "Maximum", yAxis: "right" }],
  ]);
  return { widgets };
}

export interface OpsDashboardProps extends DashboardInput {
  /** Dashboard name (1–255 of A-Z a-z 0-9 - _). */
  readonly name: string;
}

/** The environment's CloudWatch dashboard. */
export class OpsDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: OpsDashboardProps) {
    super(scope, id);
    new Validator(this).matches("name", props.name, /^[A-Za-z0-9_-]{1,255}$/, "1–255 of A-Z a-z 0-9 - _");
    const { name, ...input } = props;
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: name,
      dashboardBody: JSON.stringify(dashboardBody(input)),
    });
  }
}
