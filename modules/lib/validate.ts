import { Token } from "cdktn";
import type { Construct } from "constructs";

/** A construct prop that failed validation; the message names the construct path, prop, value and what is allowed. */
export class PropError extends Error {
  override name = "PropError";
}

/** True when the value (or any element of a list) is a CDKTF token known only at apply time. */
export function isUnresolved(value: unknown): boolean {
  if (Array.isArray(value)) return Token.isUnresolved(value) || value.some((v) => isUnresolved(v));
  return Token.isUnresolved(value);
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Prop checks for a construct, in one shape everywhere. Each check is skipped for an unresolved
 * token (as aws-cdk does with Token.isUnresolved): its value exists only at apply time.
 *
 *   const v = new Validator(this);
 *   v.int("deletionWindowDays", props.deletionWindowDays, { min: 7, max: 30 });
 */
export class Validator {
  private readonly where: string;

  constructor(construct: Construct) {
    this.where = `${construct.constructor.name} ${construct.node.path}`;
  }

  /** Throws unless `ok`; `allowed` completes "<prop> must be …". */
  check(ok: boolean, prop: string, value: unknown, allowed: string): void {
    if (ok || isUnresolved(value)) return;
    throw new PropError(`${this.where}: ${prop} must be ${allowed}, got ${show(value)}`);
  }

  int(prop: string, value: number, range: { readonly min: number; readonly max: number }): void {
    this.check(
      Number.isInteger(value) && value >= range.min && value <= range.max,
      prop,
      value,
      `an integer from ${range.min} to ${range.max}`,
    );
  }

  oneOf<T>(prop: string, value: T, allowed: readonly T[]): void {
    this.check(allowed.includes(value), prop, value, `one of ${allowed.map((a) => show(a)).join(", ")}`);
  }

  matches(prop: string, value: string, pattern: RegExp, allowed: string): void {
    this.check(typeof value === "string" && pattern.test(value), prop, value, allowed);
  }

  nonEmpty(prop: string, value: string): void {
    this.check(typeof value === "string" && value.trim() !== "", prop, value, "a non-empty string");
  }
}
