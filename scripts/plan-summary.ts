// npm run plan:summary -- [--fail-on-destroy] <plan.json...>
// Markdown summary of `terraform show -json` plans: counts, changed resources, red flags.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { asPlan } from "./plan-summary/plan-format";
import { summarize, toMarkdown } from "./plan-summary/summarize";

export function run(argv: readonly string[], write: (s: string) => void): number {
  const failOnDestroy = argv.includes("--fail-on-destroy");
  const files = argv.filter((a) => !a.startsWith("--"));
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--fail-on-destroy");
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(", ")}; allowed: --fail-on-destroy`);
  if (files.length === 0) throw new Error("usage: plan:summary [--fail-on-destroy] <plan.json...>");
  const summaries = files.map((file) => {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`${file}: cannot read a JSON plan: ${(error as Error).message}`);
    }
    return summarize(basename(file).replace(/(\.tfplan)?\.json$/, ""), asPlan(doc, file));
  });
  write(toMarkdown(summaries));
  const flagged = summaries.reduce((n, s) => n + s.redFlags.length, 0);
  return failOnDestroy && flagged > 0 ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = run(process.argv.slice(2), (s) => process.stdout.write(s));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
