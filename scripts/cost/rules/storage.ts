import { refKey, refsOf } from "../../synthesized/refs";
import type { Block, Resource } from "../../synthesized/synth";
import { type CostLine, makeLine, type NotPriced, type Usage } from "../model";
import type { PriceId } from "../price-table";
import { count, fmt, type Rule, type RuleContext, usage } from "../rule";
import { byStack } from "./network";
import { num, list } from "../../synthesized/values";

/** Days an object spends in each storage class under a bucket's lifecycle (Infinity: never expires). */
export interface ClassDays {
  readonly storageClass: string;
  readonly days: number;
}

/**
 * The classes current objects pass through: STANDARD until the first transition, then each
 * transition's class until the next one or the expiration. Only enabled rules for the whole
 * bucket (empty filter) count, as prefixes say nothing about volumes.
 */
export function lifecycleClasses(lifecycle: Block | undefined): ClassDays[] {
  const rules = list(lifecycle?.rule).filter(
    (r) => r.status === "Enabled" && list(r.filter).every((f) => Object.keys(f).length === 0),
  );
  const transitions = rules
    .flatMap((r) => list(r.transition))
    .map((t) => ({ days: num(t.days, 0), storageClass: String(t.storage_class) }))
    .sort((a, b) => a.days - b.days);
  const expirations = rules.flatMap((r) => list(r.expiration)).map((e) => num(e.days, Infinity));
  const expiry = Math.min(Infinity, ...expirations);
  const out: ClassDays[] = [];
  let from = 0;
  let current = "STANDARD";
  for (const t of transitions) {
    if (t.days >= expiry) break;
    out.push({ storageClass: current, days: t.days - from });
    from = t.days;
    current = t.storageClass;
  }
  out.push({ storageClass: current, days: expiry - from });
  return out.filter((c) => c.days > 0);
}

/**
 * S3 storage at steady state. A Firehose destination receives the assumed log GB × compression, an
 * ALB access-log bucket the assumed access-log GB; each GB/month stays days/30.4 months per class.
 * Other buckets hold the assumed fixed size in STANDARD.
 */
export const buckets: Rule = {
  types: ["aws_s3_bucket"],
  price(ctx) {
    const a = ctx.assumptions;
    const inflow = bucketInflow(ctx);
    const lifecycles = ctx.synth.resources("aws_s3_bucket_lifecycle_configuration");
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    for (const [stack, all] of byStack(ctx.synth.resources("aws_s3_bucket"))) {
      const byClass = new Map<string, number>();
      const parts: string[] = [];
      for (const bucket of all) {
        const monthly = inflow.get(refKey(bucket));
        if (!monthly) {
          byClass.set("STANDARD", (byClass.get("STANDARD") ?? 0) + a.s3OtherBucketGb);
          continue;
        }
        const lifecycle = lifecycles.find((l) =>
          refsOf(ctx.synth, l.stack, l.body.bucket).some((r) => refKey(r) === refKey(bucket)),
        );
        for (const c of lifecycleClasses(lifecycle?.body)) {
          const months = Number.isFinite(c.days) ? c.days / (ctx.hours / 24) : a.monthsKeptWithoutExpiry;
          byClass.set(c.storageClass, (byClass.get(c.storageClass) ?? 0) + monthly.gb * months);
        }
        parts.push(`${fmt(monthly.gb)} GB/month of ${monthly.what}`);
      }
      const items: Usage[] = [];
      for (const [storageClass, gb] of [...byClass].sort()) {
        const id = `s3.${storageClass}.gb-month`;
        if (!(id in ctx.prices.prices)) {
          notPriced.push({
            stack,
            type: "aws_s3_bucket",
            resources: all.map((b) => b.address),
            reason: `storage class ${storageClass} (${fmt(gb)} GB at steady state) has no price in the table`,
          });
          continue;
        }
        items.push(usage(ctx, id as PriceId, `GB-months in ${storageClass}`, gb));
      }
      const others = all.length - parts.length;
      if (others > 0) parts.push(`${count(others, "other bucket")} × ${fmt(a.s3OtherBucketGb)} GB`);
      lines.push(
        makeLine(
          stack,
          "S3 storage",
          `${count(all.length, "bucket")}; ${parts.join("; ")}`,
          all.map((b) => b.address),
          items,
        ),
      );
    }
    return { lines, notPriced };
  },
};

/** Monthly GB written into a bucket, for buckets the synth says who writes to. */
function bucketInflow(ctx: RuleContext): Map<string, { gb: number; what: string }> {
  const a = ctx.assumptions;
  const out = new Map<string, { gb: number; what: string }>();
  const target = (stack: string, value: unknown): Resource | undefined => {
    const ref = refsOf(ctx.synth, stack, value).find((r) => r.type === "aws_s3_bucket");
    return ref ? ctx.synth.resource(ref.stack, ref.type, ref.name) : undefined;
  };
  for (const s of ctx.synth.resources("aws_kinesis_firehose_delivery_stream")) {
    const bucket = target(s.stack, (s.body.extended_s3_configuration as Block | undefined)?.bucket_arn);
    if (bucket)
      out.set(refKey(bucket), {
        gb: a.firehoseGbPerMonth * a.logCompressionRatio,
        what: "compressed logs from Firehose",
      });
  }
  for (const lb of ctx.synth.resources("aws_lb")) {
    const logs = lb.body.access_logs as Block | undefined;
    const bucket = logs?.enabled === false ? undefined : target(lb.stack, logs?.bucket);
    if (bucket) out.set(refKey(bucket), { gb: a.albAccessLogsGbPerMonth, what: "ALB access logs" });
  }
  return out;
}

export const ecrRepositories: Rule = {
  types: ["aws_ecr_repository"],
  price(ctx) {
    const gb = ctx.assumptions.ecrGbPerRepository;
    const lines = [...byStack(ctx.synth.resources("aws_ecr_repository"))].map(([stack, all]) =>
      makeLine(
        stack,
        "ECR image storage",
        `${count(all.length, "repository", "repositories")} × ${fmt(gb)} GB`,
        all.map((r) => r.address),
        [usage(ctx, "ecr.storage.gb-month", "GB-months (assumed)", all.length * gb)],
      ),
    );
    return { lines, notPriced: [] };
  },
};
