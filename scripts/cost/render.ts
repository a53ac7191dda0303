import { compare, type Comparison } from "./compare";
import type { CostLine, Estimate, Money, NotPriced, StackEstimate } from "./model";

/** What the CLI found for one environment. */
export interface EnvReport {
  readonly environment: string;
  readonly estimate?: Estimate;
  /** Why there is no estimate (e.g. no prices for the region). */
  readonly error?: string;
  /** Present when a baseline was asked for: its estimate, or why there is none. */
  readonly baseline?: { readonly estimate?: Estimate; readonly note?: string };
}

export type Format = "text" | "markdown" | "json";

const cents = (n: number) => Math.round(n * 100) / 100;

export function usd(n: number): string {
  const v = cents(n);
  const text = Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return v < 0 ? `−$${text}` : `$${text}`;
}

/** "$1.00" or "$1.00–$2.00" when the range is wider than a cent. */
export function money(m: Money): string {
  return cents(m.low) === cents(m.high) ? usd(m.low) : `${usd(m.low)}–${usd(m.high)}`;
}

export function signed(m: Money): string {
  const one = (n: number) => (cents(n) > 0 ? `+${usd(n)}` : usd(n));
  return cents(m.low) === cents(m.high) ? one(m.low) : `${one(m.low)}…${one(m.high)}`;
}

export function render(reports: readonly EnvReport[], format: Format): string {
  if (format === "json") return `${JSON.stringify(reports.map(jsonReport), null, 2)}\n`;
  return reports.map((r) => (format === "markdown" ? markdown(r) : text(r))).join("\n");
}

function comparisonOf(r: EnvReport): Comparison | undefined {
  return r.estimate && r.baseline?.estimate ? compare(r.baseline.estimate, r.estimate) : undefined;
}

function jsonReport(r: EnvReport) {
  return { ...r, comparison: comparisonOf(r) };
}

const RANGE_NOTE =
  "a range runs from Aurora at its minimum ACUs and metric filters billed only when they match, to Aurora at its maximum and every filter billed";

// --- text ---

function text(r: EnvReport): string {
  const out: string[] = [];
  if (!r.estimate) return `${r.environment}: ${r.error}\n`;
  const e = r.estimate;
  out.push(`${e.environment} (${e.region}): ${money(e.monthly)} a month`);
  out.push(`largest: ${largest(e)}`);
  out.push(`prices of ${e.priceTableAsOf}, ${e.hoursPerMonth} h a month; ${RANGE_NOTE}`);
  const c = comparisonOf(r);
  if (r.baseline) {
    out.push("");
    if (c) {
      out.push(`before ${money(c.before)}, after ${money(c.after)}, delta ${signed(c.delta)}`);
      out.push(
        table(
          [
            ["stack", "before", "after", "delta"],
            ...c.stacks.map((s) => [s.name, opt(s.before), opt(s.after), signed(s.delta)]),
          ],
          [false, true, true, true],
        ),
      );
    } else out.push(`no baseline: ${r.baseline.note}`);
  }
  for (const s of e.stacks) {
    out.push("", `${s.name}: ${money(s.monthly)}`);
    if (s.lines.length > 0)
      out.push(
        indent(
          table(
            s.lines.map((l) => [l.group, l.detail, money(l.monthly)]),
            [false, false, true],
          ),
        ),
      );
  }
  const gaps = e.stacks.flatMap((s) => s.notPriced);
  out.push("", gaps.length === 0 ? "Not priced: nothing." : "Not priced (not counted in the total; check by hand):");
  for (const g of gaps) out.push(`  ${g.stack}: ${g.resources.join(", ")}: ${g.reason}`);
  out.push("", freeSummary(e.stacks));
  out.push("", `Assumptions (config/${e.environment}.ts "cost", defaults in config/cost-schema.ts):`);
  out.push(
    indent(
      table(
        e.assumptions.map((a) => [a.key, String(a.value), a.description]),
        [false, true, false],
      ),
    ),
  );
  out.push("", `Not modelled: ${e.excluded.join("; ")}.`);
  return `${out.join("\n")}\n`;
}

const opt = (m: Money | undefined) => (m ? money(m) : "—");
const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

function table(rows: readonly string[][], right: readonly boolean[]): string {
  const widths = right.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function freeSummary(stacks: readonly StackEstimate[]): string {
  const free = stacks.flatMap((s) => s.free);
  const resources = free.reduce((n, f) => n + f.count, 0);
  const types = [...new Set(free.map((f) => f.type))].sort();
  return `Free (no charge of their own, scripts/cost/free.ts): ${resources} resources of ${types.length} types: ${types.join(", ")}.`;
}

// --- markdown ---

const esc = (s: string) => s.replace(/\|/g, "\\|");

function markdown(r: EnvReport): string {
  const out: string[] = [`### Monthly cost estimate: ${r.environment}`, ""];
  if (!r.estimate) return `${out.join("\n")}${r.error}\n`;
  const e = r.estimate;
  const c = comparisonOf(r);
  if (c) {
    out.push(
      `**${money(c.after)}** a month (before ${money(c.before)}, delta **${signed(c.delta)}**), ${e.region}`,
      "",
    );
    out.push("| stack | before | after | delta |", "|---|---:|---:|---:|");
    for (const s of c.stacks) out.push(`| ${s.name} | ${opt(s.before)} | ${opt(s.after)} | ${signed(s.delta)} |`);
    out.push(`| **total** | ${money(c.before)} | ${money(c.after)} | **${signed(c.delta)}** |`);
  } else {
    out.push(`**${money(e.monthly)}** a month, ${e.region}`, "");
    if (r.baseline) out.push(`No baseline: ${r.baseline.note}`, "");
    out.push("| stack | monthly |", "|---|---:|");
    for (const s of e.stacks) out.push(`| ${s.name} | ${money(s.monthly)} |`);
    out.push(`| **total** | **${money(e.monthly)}** |`);
  }
  out.push("", `Largest: ${largest(e)}.`);
  out.push("", `<sub>Prices of ${e.priceTableAsOf}, ${e.hoursPerMonth} h a month; ${RANGE_NOTE}.</sub>`, "");
  const lines = e.stacks.flatMap((s) => s.lines);
  out.push(
    `<details><summary>${lines.length} priced lines</summary>`,
    "",
    "| stack | line | counted | monthly |",
    "|---|---|---|---:|",
  );
  for (const l of lines) out.push(`| ${l.stack} | ${esc(l.group)} | ${esc(l.detail)} | ${money(l.monthly)} |`);
  out.push("", "</details>", "");
  out.push(...notPricedMarkdown(e.stacks.flatMap((s) => s.notPriced)));
  out.push(
    `<details><summary>Assumptions and what is not modelled</summary>`,
    "",
    "| assumption | value | meaning |",
    "|---|---:|---|",
  );
  for (const a of e.assumptions) out.push(`| \`${a.key}\` | ${a.value} | ${esc(a.description)} |`);
  out.push(
    "",
    `Set them in \`config/${e.environment}.ts\` under \`cost\`. Not modelled: ${e.excluded.join("; ")}.`,
    "",
    freeSummary(e.stacks),
    "",
    "</details>",
    "",
  );
  return out.join("\n");
}

function notPricedMarkdown(gaps: readonly NotPriced[]): string[] {
  if (gaps.length === 0) return ["**Not priced:** nothing.", ""];
  return [
    "**Not priced** (not counted in the total):",
    "",
    ...gaps.map((g) => `- ${g.stack}: \`${g.resources.join("`, `")}\`: ${esc(g.reason)}`),
    "",
  ];
}

const largest = (e: Estimate) =>
  largestLines(e, 3)
    .map((l) => `${l.group} (${l.stack}) ${money(l.monthly)}`)
    .join(", ");

/** The `n` largest lines of an estimate, by their low end. */
export function largestLines(e: Estimate, n: number): CostLine[] {
  return e.stacks
    .flatMap((s) => s.lines)
    .sort((a, b) => b.monthly.low - a.monthly.low || a.group.localeCompare(b.group))
    .slice(0, n);
}
