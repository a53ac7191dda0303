import { costSchema, type CostAssumptions } from "../../config/cost-schema";
import type { Synth } from "../synthesized/synth";
import { FREE_RESOURCE_TYPES } from "./free";
import { type Assumption, type CostLine, type Estimate, type NotPriced, sum, type StackEstimate } from "./model";
import { type PriceTable, priceTableFor } from "./price-table";
import type { Rule, RuleContext } from "./rule";
import { RULES } from "./rules";

/** What the estimate leaves out on purpose; printed with every estimate. */
export const EXCLUDED = [
  "data transfer (internet egress, cross-AZ, cross-region)",
  "API requests (S3, KMS, Secrets Manager, CloudWatch, Cloud Map) and S3 lifecycle transitions",
  "backups and snapshots beyond the free allowance (Aurora, ElastiCache)",
  "the second set of tasks while a blue/green deployment runs, and scaling above the autoscaling minimum",
  "free tiers, Savings Plans, reserved capacity and taxes",
];

export interface EstimateOptions {
  /** The region's table; default: the checked-in table of the synth's region. */
  readonly prices?: PriceTable;
  readonly rules?: readonly Rule[];
  readonly free?: Readonly<Record<string, string>>;
}

/**
 * Prices every stack of one environment's synth. Resource types that no rule prices and the free
 * list does not name come back as "not priced". Throws NoPricesError when the region has no table.
 */
export function estimate(synth: Synth, assumptions: CostAssumptions, options: EstimateOptions = {}): Estimate {
  const region = synth.region;
  if (region === undefined) throw new Error("the synth has no AWS provider region");
  const prices = options.prices ?? priceTableFor(region);
  const rules = options.rules ?? RULES;
  const free = options.free ?? FREE_RESOURCE_TYPES;
  const ctx: RuleContext = { synth, prices, assumptions, hours: prices.hoursPerMonth };
  const lines: CostLine[] = [];
  const notPriced: NotPriced[] = [];
  const claimed = new Set<string>();
  for (const rule of rules) {
    const out = rule.price(ctx);
    lines.push(...out.lines);
    notPriced.push(...out.notPriced);
    for (const t of rule.types) claimed.add(t);
  }
  const stacks: StackEstimate[] = synth.stacks.map((s) => {
    const own = lines.filter((l) => l.stack === s.name);
    const gaps = notPriced.filter((n) => n.stack === s.name);
    const freeHere: { type: string; count: number }[] = [];
    for (const type of synth.resourceTypes(s.name)) {
      const resources = synth.resources(type, s.name);
      if (claimed.has(type)) continue;
      if (Object.hasOwn(free, type)) freeHere.push({ type, count: resources.length });
      else
        gaps.push({
          stack: s.name,
          type,
          resources: resources.map((r) => r.address),
          reason: `no price for ${type} in the table`,
        });
    }
    return { name: s.name, lines: own, notPriced: gaps, free: freeHere, monthly: sum(own.map((l) => l.monthly)) };
  });
  return {
    environment: synth.environment ?? "(unknown)",
    region,
    priceTableAsOf: prices.asOf,
    hoursPerMonth: prices.hoursPerMonth,
    stacks,
    monthly: sum(stacks.map((s) => s.monthly)),
    assumptions: describeAssumptions(assumptions),
    excluded: EXCLUDED,
  };
}

/** Each assumption with its value and the doc comment of its schema field. */
export function describeAssumptions(assumptions: CostAssumptions): Assumption[] {
  const shape = costSchema.unwrap().shape as Record<string, { description?: string }>;
  return Object.entries(assumptions).map(([key, value]) => ({
    key,
    value,
    description: shape[key]?.description ?? "",
  }));
}
