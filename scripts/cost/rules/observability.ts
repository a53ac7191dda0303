import { ecsServices } from "../../synthesized/ecs";
import { refKey, refsOf } from "../../synthesized/refs";
import type { Block, Resource } from "../../synthesized/synth";
import { type CostLine, makeLine, type NotPriced, type Usage } from "../model";
import { count, fmt, type Rule, type RuleContext, usage } from "../rule";
import { byStack } from "./network";
import { num, list } from "../../synthesized/values";

/** Days in the month the table's hours make (730 h → 30.42 days). */
const daysPerMonth = (ctx: RuleContext) => ctx.hours / 24;

type LogKind = "VPC flow logs" | "WAF logs" | "other";

/** Log groups a flow log or a WAF logging configuration writes to get their own volume assumption. */
function logKinds(ctx: RuleContext): Map<string, LogKind> {
  const kinds = new Map<string, LogKind>();
  const mark = (type: string, attr: string, kind: LogKind) => {
    for (const r of ctx.synth.resources(type)) {
      for (const ref of refsOf(ctx.synth, r.stack, r.body[attr])) {
        if (ref.type === "aws_cloudwatch_log_group") kinds.set(refKey(ref), kind);
      }
    }
  };
  mark("aws_flow_log", "log_destination", "VPC flow logs");
  mark("aws_wafv2_web_acl_logging_configuration", "log_destination_configs", "WAF logs");
  return kinds;
}

/**
 * CloudWatch Logs: assumed GB ingested per group (flow-log and WAF groups have their own figure),
 * and the steady-state archive, GB/month × retention in months.
 */
export const logGroups: Rule = {
  types: ["aws_cloudwatch_log_group"],
  price(ctx) {
    const kinds = logKinds(ctx);
    const a = ctx.assumptions;
    const gbOf = (kind: LogKind) =>
      kind === "VPC flow logs"
        ? a.vpcFlowLogsGbPerMonth
        : kind === "WAF logs"
          ? a.wafLogsGbPerMonth
          : a.cloudwatchLogsGbPerGroup;
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    for (const [stack, groups] of byStack(ctx.synth.resources("aws_cloudwatch_log_group"))) {
      const standard = groups.filter((g) => (g.body.log_group_class ?? "STANDARD") === "STANDARD");
      const other = groups.filter((g) => (g.body.log_group_class ?? "STANDARD") !== "STANDARD");
      if (other.length > 0) {
        notPriced.push({
          stack,
          type: "aws_cloudwatch_log_group",
          resources: other.map((g) => g.address),
          reason: "log class other than STANDARD: the table prices the Standard class only",
        });
      }
      const byKind = new Map<LogKind, Resource[]>();
      for (const g of standard) {
        const kind = kinds.get(refKey(g)) ?? "other";
        byKind.set(kind, [...(byKind.get(kind) ?? []), g]);
      }
      for (const kind of ["VPC flow logs", "WAF logs", "other"] as const) {
        const members = byKind.get(kind);
        if (!members) continue;
        const gb = gbOf(kind);
        const stored = members.reduce((n, g) => {
          const days = num(g.body.retention_in_days, 0);
          const months = days > 0 ? days / daysPerMonth(ctx) : a.monthsKeptWithoutExpiry;
          return n + gb * months;
        }, 0);
        const group = kind === "other" ? "CloudWatch Logs" : `CloudWatch Logs: ${kind}`;
        lines.push(
          makeLine(
            stack,
            group,
            `${count(members.length, "log group")} × ${fmt(gb)} GB/month; ${fmt(stored)} GB kept at steady state (retention)`,
            members.map((g) => g.address),
            [
              usage(ctx, "logs.ingest.gb", "GB ingested (assumed)", members.length * gb),
              usage(ctx, "logs.storage.gb-month", "GB-months archived", stored),
            ],
          ),
        );
      }
    }
    return { lines, notPriced };
  },
};

/**
 * Firehose: the assumed log GB of each stream; with dynamic partitioning also GB processed and
 * objects delivered (one object per partition and buffer interval; one partition per service
 * writing to the stream).
 */
export const firehose: Rule = {
  types: ["aws_kinesis_firehose_delivery_stream"],
  price(ctx) {
    const lines: CostLine[] = [];
    const gb = ctx.assumptions.firehoseGbPerMonth;
    const services = ecsServices(ctx.synth);
    for (const s of ctx.synth.resources("aws_kinesis_firehose_delivery_stream")) {
      const s3 = (s.body.extended_s3_configuration ?? {}) as Block;
      const partitioned = (s3.dynamic_partitioning_configuration as Block | undefined)?.enabled === true;
      const items: Usage[] = [usage(ctx, "firehose.ingest.gb", "GB ingested (assumed)", gb)];
      let detail = `${fmt(gb)} GB/month`;
      if (partitioned) {
        const writers = services.filter((svc) => svc.firehoseStreams.some((r) => refKey(r) === refKey(s))).length;
        const partitions = Math.max(1, writers);
        const interval = num(s3.buffering_interval, 300);
        const objects = (partitions * ctx.hours * 3600) / interval;
        items.push(usage(ctx, "firehose.dynamic-partitioning.gb", "GB partitioned", gb));
        items.push(
          usage(ctx, "firehose.dynamic-partitioning.1000-objects", "thousand objects delivered", objects / 1000),
        );
        detail += `; dynamic partitioning: ${count(partitions, "partition")} × one object per ${fmt(interval)} s`;
      }
      lines.push(makeLine(s.stack, `Firehose ${String(s.body.name ?? s.name)}`, detail, [s.address], items));
    }
    return { lines, notPriced: [] };
  },
};

/**
 * Log metric filters publish custom metrics, billed for the hours they receive data. A filter with
 * a default value publishes whenever logs arrive (the low end counts those); one without publishes
 * only on a match (counted at the high end only).
 */
export const metricFilters: Rule = {
  types: ["aws_cloudwatch_log_metric_filter"],
  price(ctx) {
    const lines: CostLine[] = [];
    for (const [stack, filters] of byStack(ctx.synth.resources("aws_cloudwatch_log_metric_filter"))) {
      const always = filters.filter((f) =>
        list(f.body.metric_transformation).some((t) => t.default_value !== undefined),
      ).length;
      lines.push(
        makeLine(
          stack,
          "Custom metrics from log metric filters",
          `${count(filters.length, "filter")}; ${fmt(always)} publish all the time, the rest only when a log line matches`,
          filters.map((f) => f.address),
          [
            usage(ctx, "cloudwatch.custom-metric.month", "metric-months (only matching hours are billed)", always, {
              quantityHigh: filters.length,
            }),
          ],
        ),
      );
    }
    return { lines, notPriced: [] };
  },
};

/** Alarms bill per metric they watch (each metric of a metric-math alarm), more below 60 s periods. */
export const alarms: Rule = {
  types: ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
  price(ctx) {
    const lines: CostLine[] = [];
    const all = [
      ...ctx.synth.resources("aws_cloudwatch_metric_alarm"),
      ...ctx.synth.resources("aws_cloudwatch_composite_alarm"),
    ];
    for (const [stack, alarmsHere] of byStack(all)) {
      let standard = 0;
      let highRes = 0;
      let composite = 0;
      for (const a of alarmsHere) {
        if (a.type === "aws_cloudwatch_composite_alarm") {
          composite++;
          continue;
        }
        const queries = list(a.body.metric_query).filter((q) => q.metric !== undefined);
        const metrics = queries.length > 0 ? queries.length : 1;
        const periods =
          queries.length > 0 ? queries.map((q) => num((q.metric as Block).period, 60)) : [num(a.body.period, 60)];
        if (periods.some((p) => p < 60)) highRes += metrics;
        else standard += metrics;
      }
      const items: Usage[] = [];
      if (standard > 0) items.push(usage(ctx, "cloudwatch.alarm.metric-month", "alarm metric-months", standard));
      if (highRes > 0) {
        items.push(
          usage(ctx, "cloudwatch.alarm.high-resolution.metric-month", "high-resolution alarm metric-months", highRes),
        );
      }
      if (composite > 0)
        items.push(usage(ctx, "cloudwatch.composite-alarm.month", "composite alarm-months", composite));
      const detail =
        `${count(alarmsHere.length - composite, "metric alarm")} watching ${count(standard + highRes, "metric")}` +
        (composite > 0 ? `, ${count(composite, "composite alarm")}` : "");
      lines.push(
        makeLine(
          stack,
          "CloudWatch alarms",
          detail,
          alarmsHere.map((a) => a.address),
          items,
        ),
      );
    }
    return { lines, notPriced: [] };
  },
};

export const dashboards: Rule = {
  types: ["aws_cloudwatch_dashboard"],
  price(ctx) {
    const lines = [...byStack(ctx.synth.resources("aws_cloudwatch_dashboard"))].map(([stack, all]) =>
      makeLine(
        stack,
        "CloudWatch dashboards",
        count(all.length, "dashboard"),
        all.map((d) => d.address),
        [usage(ctx, "cloudwatch.dashboard.month", "dashboard-months", all.length)],
      ),
    );
    return { lines, notPriced: [] };
  },
};
