import type { Block } from "./synth";

/** A number attribute (Terraform JSON may hold numbers as strings), or `fallback`. */
export function num(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : fallback;
}

/** A nested block attribute as a list: CDKTF writes single blocks as objects and repeated ones as arrays. */
export function list(value: unknown): Block[] {
  return Array.isArray(value) ? (value as Block[]) : value ? [value as Block] : [];
}

/** A literal string attribute; undefined for other types and for values Terraform computes (`${…}`). */
export function literal(value: unknown): string | undefined {
  return typeof value === "string" && !value.includes("${") ? value : undefined;
}
