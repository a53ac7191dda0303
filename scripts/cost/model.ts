/** A monthly amount in USD; `low` and `high` differ only where usage has a range (Aurora ACUs, metric filters). */
export interface Money {
  readonly low: number;
  readonly high: number;
}

export const ZERO: Money = { low: 0, high: 0 };

export const add = (a: Money, b: Money): Money => ({ low: a.low + b.low, high: a.high + b.high });
export const sub = (a: Money, b: Money): Money => ({ low: a.low - b.low, high: a.high - b.high });
export const sum = (xs: readonly Money[]): Money => xs.reduce(add, ZERO);

/** One priced quantity of a line: `quantity` (to `quantityHigh`) units at `usd` each. */
export interface Usage {
  readonly what: string;
  readonly quantity: number;
  readonly quantityHigh?: number;
  readonly unit: string;
  /** The table's price id; `usd` may be that price times a factor (Spot, Valkey), said in `what`. */
  readonly priceId: string;
  readonly usd: number;
}

/** One priced resource group of a stack. */
export interface CostLine {
  readonly stack: string;
  readonly group: string;
  /** What was counted, in words ("3 NAT gateways, 20 GB processed"). */
  readonly detail: string;
  readonly resources: readonly string[];
  readonly usage: readonly Usage[];
  readonly monthly: Money;
}

/** Resources the estimate cannot price: listed, never counted as zero. */
export interface NotPriced {
  readonly stack: string;
  readonly type: string;
  readonly resources: readonly string[];
  readonly reason: string;
}

export interface StackEstimate {
  readonly name: string;
  readonly lines: readonly CostLine[];
  readonly notPriced: readonly NotPriced[];
  /** Resource types with no charge of their own, and how many of each. */
  readonly free: readonly { readonly type: string; readonly count: number }[];
  readonly monthly: Money;
}

export interface Assumption {
  readonly key: string;
  readonly value: number;
  readonly description: string;
}

export interface Estimate {
  readonly environment: string;
  readonly region: string;
  readonly priceTableAsOf: string;
  readonly hoursPerMonth: number;
  readonly stacks: readonly StackEstimate[];
  readonly monthly: Money;
  readonly assumptions: readonly Assumption[];
  /** Costs the estimate leaves out on purpose (data transfer, requests, …). */
  readonly excluded: readonly string[];
}

export function usageCost(u: Usage): Money {
  return { low: u.quantity * u.usd, high: (u.quantityHigh ?? u.quantity) * u.usd };
}

export function makeLine(
  stack: string,
  group: string,
  detail: string,
  resources: readonly string[],
  usage: readonly Usage[],
): CostLine {
  return { stack, group, detail, resources: [...resources].sort(), usage, monthly: sum(usage.map(usageCost)) };
}
