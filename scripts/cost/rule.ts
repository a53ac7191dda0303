import type { CostAssumptions } from "../../config/cost-schema";
import type { Synth } from "../synthesized/synth";
import type { CostLine, NotPriced, Usage } from "./model";
import type { PriceId, PriceTable } from "./price-table";

/** What a rule reads: the whole synth (costs cross stacks), the region's prices and the usage assumptions. */
export interface RuleContext {
  readonly synth: Synth;
  readonly prices: PriceTable;
  readonly assumptions: CostAssumptions;
  readonly hours: number;
}

export interface RuleOutput {
  readonly lines: CostLine[];
  readonly notPriced: NotPriced[];
}

/** Prices one family of resource types. */
export interface Rule {
  /** Resource types whose cost this rule accounts for; any other type that is not free is "not priced". */
  readonly types: readonly string[];
  readonly price: (ctx: RuleContext) => RuleOutput;
}

/** A usage item at the table's price `id`, optionally times a factor (Spot, Valkey). */
export function usage(
  ctx: RuleContext,
  id: PriceId,
  what: string,
  quantity: number,
  options: { quantityHigh?: number; factor?: number } = {},
): Usage {
  const price = ctx.prices.prices[id]!;
  return {
    what,
    quantity,
    ...(options.quantityHigh === undefined ? {} : { quantityHigh: options.quantityHigh }),
    unit: price.unit,
    priceId: id,
    usd: price.usd * (options.factor ?? 1),
  };
}

export const count = (n: number, one: string, many = `${one}s`): string => `${fmt(n)} ${n === 1 ? one : many}`;

/** A quantity for prose: integers plain, fractions to 2 decimals. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}
