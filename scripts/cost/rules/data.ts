import { refsOf } from "../../synthesized/refs";
import type { Block, Resource } from "../../synthesized/synth";
import { type CostLine, makeLine, type NotPriced, type Usage } from "../model";
import { count, fmt, type Rule, type RuleContext, usage } from "../rule";
import { num } from "../../synthesized/values";

function instancesOf(ctx: RuleContext, cluster: Resource): Resource[] {
  return ctx.synth
    .resources("aws_rds_cluster_instance")
    .filter((i) =>
      refsOf(ctx.synth, i.stack, i.body.cluster_identifier).some(
        (r) => r.type === cluster.type && r.name === cluster.name && r.stack === cluster.stack,
      ),
    );
}

/**
 * Aurora Serverless v2: ACU-hours from the minimum to the maximum capacity of each db.serverless
 * instance (a range), plus assumed storage and I/O per cluster.
 */
export const aurora: Rule = {
  types: ["aws_rds_cluster", "aws_rds_cluster_instance"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    const clustered = new Set<string>();
    for (const cluster of ctx.synth.resources("aws_rds_cluster")) {
      const b = cluster.body;
      const instances = instancesOf(ctx, cluster);
      for (const i of instances) clustered.add(`${i.stack}:${i.address}`);
      const engine = String(b.engine ?? "");
      if (!engine.startsWith("aurora")) {
        notPriced.push({
          stack: cluster.stack,
          type: cluster.type,
          resources: [cluster.address],
          reason: `engine "${engine}": the table prices Aurora only`,
        });
        continue;
      }
      if (b.storage_type === "aurora-iopt1") {
        notPriced.push({
          stack: cluster.stack,
          type: cluster.type,
          resources: [cluster.address, ...instances.map((i) => i.address)],
          reason: "Aurora I/O-Optimized: the table prices Aurora Standard only",
        });
        continue;
      }
      const serverless = instances.filter((i) => i.body.instance_class === "db.serverless");
      const provisioned = instances.filter((i) => i.body.instance_class !== "db.serverless");
      if (provisioned.length > 0) {
        notPriced.push({
          stack: cluster.stack,
          type: "aws_rds_cluster_instance",
          resources: provisioned.map((i) => i.address),
          reason: `provisioned instance classes ${[...new Set(provisioned.map((i) => String(i.body.instance_class)))].join(", ")}: the table prices Serverless v2 ACUs only`,
        });
      }
      const longInsights = instances.filter(
        (i) => i.body.performance_insights_enabled === true && num(i.body.performance_insights_retention_period, 7) > 7,
      );
      if (longInsights.length > 0) {
        notPriced.push({
          stack: cluster.stack,
          type: "aws_rds_cluster_instance",
          resources: longInsights.map((i) => i.address),
          reason: "Performance Insights retention above the free 7 days",
        });
      }
      const scaling = (b.serverlessv2_scaling_configuration ?? {}) as Block;
      const min = num(scaling.min_capacity, 0.5);
      const max = num(scaling.max_capacity, min);
      const n = serverless.length;
      const items: Usage[] = [];
      if (n > 0) {
        items.push(
          usage(ctx, "aurora.serverless-v2.acu-hour", "ACU-hours (minimum to maximum capacity)", n * min * ctx.hours, {
            quantityHigh: n * max * ctx.hours,
          }),
        );
      }
      items.push(usage(ctx, "aurora.storage.gb-month", "GB-months stored (assumed)", ctx.assumptions.auroraStorageGb));
      items.push(
        usage(ctx, "aurora.io.million", "million I/O requests (assumed)", ctx.assumptions.auroraIoMillionsPerMonth),
      );
      lines.push(
        makeLine(
          cluster.stack,
          `Aurora ${String(b.cluster_identifier ?? cluster.name)}`,
          `${count(n, "db.serverless instance")} × ${fmt(min)}–${fmt(max)} ACU × ${fmt(ctx.hours)} h; ${fmt(ctx.assumptions.auroraStorageGb)} GB, ${fmt(ctx.assumptions.auroraIoMillionsPerMonth)}M I/O`,
          [cluster.address, ...serverless.map((i) => i.address)],
          items,
        ),
      );
    }
    const orphans = ctx.synth
      .resources("aws_rds_cluster_instance")
      .filter((i) => !clustered.has(`${i.stack}:${i.address}`));
    for (const i of orphans) {
      notPriced.push({
        stack: i.stack,
        type: i.type,
        resources: [i.address],
        reason: "its cluster is not in the synth",
      });
    }
    return { lines, notPriced };
  },
};

/** ElastiCache replication groups: node-hours by node type; Valkey at the table's factor of the Redis OSS price. */
export const elasticache: Rule = {
  types: ["aws_elasticache_replication_group"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    for (const g of ctx.synth.resources("aws_elasticache_replication_group")) {
      const b = g.body;
      const nodeType = String(b.node_type ?? "");
      const engine = String(b.engine ?? "redis");
      const nodes =
        b.num_cache_clusters !== undefined
          ? num(b.num_cache_clusters, 1)
          : b.num_node_groups !== undefined
            ? num(b.num_node_groups, 1) * (num(b.replicas_per_node_group, 0) + 1)
            : 1;
      const price = ctx.prices.elasticacheNodeHour[nodeType];
      if (!price) {
        notPriced.push({
          stack: g.stack,
          type: g.type,
          resources: [g.address],
          reason: `no ${ctx.prices.region} price for node type ${nodeType} in the table`,
        });
        continue;
      }
      if (engine !== "redis" && engine !== "valkey") {
        notPriced.push({
          stack: g.stack,
          type: g.type,
          resources: [g.address],
          reason: `engine "${engine}": the table prices Redis OSS and Valkey only`,
        });
        continue;
      }
      const factor = engine === "valkey" ? ctx.prices.elasticacheValkeyFactor.value : 1;
      const label = engine === "valkey" ? `node-hours (Valkey: ${fmt(factor * 100)} % of Redis OSS)` : "node-hours";
      lines.push(
        makeLine(
          g.stack,
          `ElastiCache ${String(b.replication_group_id ?? g.name)}`,
          `${count(nodes, "node")} ${nodeType} ${engine} × ${fmt(ctx.hours)} h`,
          [g.address],
          [
            {
              what: label,
              quantity: nodes * ctx.hours,
              unit: price.unit,
              priceId: `elasticache.${nodeType}`,
              usd: price.usd * factor,
            },
          ],
        ),
      );
    }
    return { lines, notPriced };
  },
};
