import { ValidationError } from "./errors";

/** Plain decimal digits, nothing else: no sign, exponent, fraction, hex, spaces or empty string. */
const DECIMAL = /^\d{1,15}$/;

/**
 * The one reading of an integer the apps accept, in env vars and query strings alike: "100" is 100,
 * while "1e2", "0x64", "+100", " 100", "100.0" and "" are not integers here.
 */
export function parseInteger(raw: unknown): number | undefined {
  return typeof raw === "string" && DECIMAL.test(raw) ? Number(raw) : undefined;
}

/**
 * An integer query parameter within [min, max]; `fallback` when absent. Anything else (a repeated
 * parameter, "1e2", out of range) is a 400 naming the parameter and the range.
 */
export function integerParam(
  field: string,
  raw: unknown,
  range: { readonly min: number; readonly max: number; readonly fallback?: number },
): number {
  if (raw === undefined && range.fallback !== undefined) return range.fallback;
  const n = parseInteger(raw);
  if (n === undefined || n < range.min || n > range.max) {
    throw new ValidationError(field, `expected an integer from ${range.min} to ${range.max}`);
  }
  return n;
}
