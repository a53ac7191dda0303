import { type Estimate, type Money, sub, ZERO } from "./model";

export interface StackDelta {
  readonly name: string;
  /** Undefined when the stack does not exist on that side. */
  readonly before?: Money;
  readonly after?: Money;
  readonly delta: Money;
}

export interface Comparison {
  readonly stacks: readonly StackDelta[];
  readonly before: Money;
  readonly after: Money;
  readonly delta: Money;
}

/** Before, after and delta per stack (the after's stack order, then stacks only the baseline has). */
export function compare(before: Estimate, after: Estimate): Comparison {
  const old = new Map(before.stacks.map((s) => [s.name, s.monthly]));
  const names = [
    ...after.stacks.map((s) => s.name),
    ...before.stacks.map((s) => s.name).filter((n) => !after.stacks.some((s) => s.name === n)),
  ];
  const now = new Map(after.stacks.map((s) => [s.name, s.monthly]));
  return {
    stacks: names.map((name) => {
      const b = old.get(name);
      const a = now.get(name);
      return { name, before: b, after: a, delta: sub(a ?? ZERO, b ?? ZERO) };
    }),
    before: before.monthly,
    after: after.monthly,
    delta: sub(after.monthly, before.monthly),
  };
}
