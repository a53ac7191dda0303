import { z } from "zod";
import euWest1 from "./prices/eu-west-1";

/** Every price the rules read; a table must have all of them (node types and storage classes are open lists). */
export const REQUIRED_PRICE_IDS = [
  "fargate.x86.vcpu-hour",
  "fargate.x86.gb-hour",
  "fargate.arm.vcpu-hour",
  "fargate.arm.gb-hour",
  "fargate.ephemeral-storage.gb-hour",
  "alb.hour",
  "alb.lcu-hour",
  "nat.hour",
  "nat.gb",
  "public-ipv4.hour",
  "vpc-endpoint.interface.az-hour",
  "vpc-endpoint.interface.gb",
  "aurora.serverless-v2.acu-hour",
  "aurora.storage.gb-month",
  "aurora.io.million",
  "firehose.ingest.gb",
  "firehose.dynamic-partitioning.gb",
  "firehose.dynamic-partitioning.1000-objects",
  "logs.ingest.gb",
  "logs.storage.gb-month",
  "cloudwatch.alarm.metric-month",
  "cloudwatch.alarm.high-resolution.metric-month",
  "cloudwatch.composite-alarm.month",
  "cloudwatch.custom-metric.month",
  "cloudwatch.dashboard.month",
  "kms.key.month",
  "waf.web-acl.month",
  "waf.rule.month",
  "waf.requests.million",
  "secretsmanager.secret.month",
  "s3.STANDARD.gb-month",
  "s3.STANDARD_IA.gb-month",
  "s3.GLACIER.gb-month",
  "ecr.storage.gb-month",
  "xray.traces.million",
  "ssm.advanced-parameter.month",
] as const;

export type PriceId = (typeof REQUIRED_PRICE_IDS)[number];

const awsPricingPage = z
  .url()
  .refine((u) => /^https:\/\/aws\.amazon\.com\/[a-z0-9-]+\/(?:[a-z0-9-]+\/)*pricing\/(?:[#?].*)?$/.test(u), {
    message: "expected an AWS pricing page, https://aws.amazon.com/<service>/pricing/",
  });

const price = z
  .strictObject({
    usd: z.number().nonnegative(),
    /** What one unit is: "vCPU-hour", "GB-month", "1M requests", … */
    unit: z.string().min(1),
    /** The AWS pricing page the figure belongs to. */
    source: awsPricingPage,
    /** True when the figure was read from AWS (its page, Price List file or a bill) for this region. */
    confirmed: z.boolean(),
    note: z.string().min(1).optional(),
  })
  .refine((p) => p.confirmed || p.note !== undefined, {
    message: "an unconfirmed price needs a note saying why and where the figure comes from",
    path: ["note"],
  });

const factor = z.strictObject({
  value: z.number().positive().max(10),
  source: awsPricingPage,
  confirmed: z.boolean(),
  note: z.string().min(1),
});

export const priceTableSchema = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'expected an AWS region such as "eu-west-1"'),
    currency: z.literal("USD"),
    /** The day the figures were last checked, YYYY-MM-DD. */
    asOf: z.iso.date(),
    /** Hours in the month every hourly price is multiplied by (AWS's own calculator uses 730). */
    hoursPerMonth: z.number().positive().max(744),
    prices: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, "expected a dotted price id"), price),
    /** ElastiCache node-hours of Redis OSS by node type; other engines apply a factor. */
    elasticacheNodeHour: z.record(z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/), price),
    /** Valkey node price relative to Redis OSS on the same node type. */
    elasticacheValkeyFactor: factor,
  })
  .superRefine((t, ctx) => {
    for (const id of REQUIRED_PRICE_IDS) {
      if (!t.prices[id]) {
        ctx.addIssue({ code: "custom", path: ["prices", id], input: undefined, message: `missing price "${id}"` });
      }
    }
  });

export type PriceTableInput = z.input<typeof priceTableSchema>;
export type PriceTable = z.output<typeof priceTableSchema>;
export type Price = PriceTable["prices"][string];

/** Raised when the table of a region fails its schema; lists every problem with its path. */
export class PriceTableError extends Error {
  override name = "PriceTableError";
}

/** Validates a price table; throws PriceTableError naming each bad field and what is allowed. */
export function parsePriceTable(raw: unknown): PriceTable {
  const result = priceTableSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    throw new PriceTableError(`invalid price table:\n  - ${lines.join("\n  - ")}`);
  }
  return result.data;
}

/** The checked-in tables, by region. */
export const PRICE_TABLES: Readonly<Record<string, unknown>> = { "eu-west-1": euWest1 };

/** Raised when no table exists for a region: the estimate cannot price anything there. */
export class NoPricesError extends Error {
  override name = "NoPricesError";
}

/** The validated table of `region`; NoPricesError when there is none. */
export function priceTableFor(region: string, tables: Readonly<Record<string, unknown>> = PRICE_TABLES): PriceTable {
  const raw = Object.hasOwn(tables, region) ? tables[region] : undefined;
  if (raw === undefined) {
    throw new NoPricesError(
      `no prices for ${region}: scripts/cost/prices/ has tables for ${Object.keys(tables).sort().join(", ")} only (docs/cost.md, "Updating prices")`,
    );
  }
  return parsePriceTable(raw);
}
