// npm run policy — synthesizes every stack of every environment and prints the policy table:
// rule, scanner ids, stacks and resources checked, PASS / FAIL / n/a, exceptions applied.
// Exit code 1 when any rule fails. The rules live in scripts/policy/; the test suite runs them on
// every synth and on deliberately bad cases, and this script prints the same table.
import { describeViolation, runPolicy, status, synthAllEnvironments, type PolicyReport } from "./policy/engine";

function ids(list: readonly string[]): string {
  return list.length === 0 ? "" : list.join(" ");
}

/** Renders the report as a fixed-width table plus the violation and exception details. */
export function formatReport(report: PolicyReport): string {
  const header = ["rule", "title", "checkov", "trivy", "security hub", "stacks", "resources", "result", "exceptions"];
  const rows = report.rules.map((r) => [
    r.rule.id,
    r.rule.title,
    ids(r.rule.checkov),
    ids(r.rule.trivy),
    ids(r.rule.securityHub),
    `${r.stacksChecked.length}/${r.stacksRun}`,
    String(r.resourcesChecked),
    status(r),
    String(r.excepted.length),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];

  const failed = report.rules.flatMap((r) => r.violations);
  const counts = (s: string) => report.rules.filter((r) => status(r) === s).length;
  out.push(
    "",
    `${report.rules.length} rules: ${counts("PASS")} pass, ${counts("FAIL")} fail, ${counts("n/a")} n/a (nothing of their type yet)`,
  );
  if (failed.length > 0) out.push("", "Violations:", ...failed.map((v) => `  ${describeViolation(v)}`));
  const excepted = report.rules.flatMap((r) => r.excepted);
  if (excepted.length > 0) {
    out.push("", "Exceptions applied:");
    for (const { violation, exception } of excepted) {
      out.push(`  ${describeViolation(violation)}`, `    because: ${exception.reason}`);
    }
  }
  if (report.unusedExceptions.length > 0) {
    out.push("", "Exceptions that matched nothing (kept for stacks still to land):");
    out.push(...report.unusedExceptions.map((e) => `  ${e.rule}: ${e.covers}`));
  }
  return `${out.join("\n")}\n`;
}

if (require.main === module) {
  const report = runPolicy(synthAllEnvironments());
  process.stdout.write(formatReport(report));
  process.exitCode = report.rules.some((r) => r.violations.length > 0) ? 1 : 0;
}
