// npm run plan:summary -- [--fail-on-destroy] [--red-flags] <plan.json...>
// Markdown summary of `terraform show -json` plans: counts, changed resources, red flags.
// --red-flags prints only the red flags, as plain lines for a CI log.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { asPlan } from "./plan-summary/plan-format";
import { summarize, toMarkdown, toRedFlagText } from "./plan-summary/summarize";

export function run(argv: readonly string[], write: (s: string) => void): number {
  const options = ["--fail-on-destroy", "--red-flags"];
  const failOnDestroy = argv.includes("--fail-on-destroy");
  const files = argv.filter((a) => !a.startsWith("--"));
  const unknown = argv.filter((a) => a.startsWith("--") && !options.includes(a));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(", ")}; allowed: ${options.join(", ")}`);
  if (files.length === 0) throw new Error("usage: plan:summary [--fail-on-destroy] [--red-flags] <plan.json...>");
  const summaries = files.map((file) => {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`${file}: cannot read a JSON plan: ${(error as Error).message}`);
    }
    return summarize(basename(file).replace(/(\.tfplan)?\.json$/, ""), asPlan(doc, file));
  });
  write(argv.includes("--red-flags") ? toRedFlagText(summaries) : toMarkdown(summaries));
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
