// The pull-request comment of one environment's plan: the summary when every stack planned, or
// which stack and step failed with the tail of its error (redacted) when one did. Either way it
// names the commit, so a comment from an older push never passes for the current one.
import { errorTail } from "./redact";

/** GitHub refuses comments over 65,536 characters. */
const MAX_COMMENT_CHARS = 60_000;

export interface CommentContext {
  readonly env: string;
  readonly sha: string;
  readonly runUrl: string;
}

/** What the plan job wrote when a step failed. */
export interface PlanFailure {
  readonly stack: string;
  readonly step: string;
  readonly log: string;
  /** Stacks planned before the failure. */
  readonly planned: readonly string[];
}

const short = (sha: string) => sha.slice(0, 7);

function header(ctx: CommentContext, status: string): string[] {
  return [
    `## terraform plan: ${ctx.env} — ${status}`,
    "",
    `Commit \`${short(ctx.sha)}\` · [workflow run](${ctx.runUrl})`,
    "",
  ];
}

export function failureComment(ctx: CommentContext, failure: PlanFailure): string {
  const planned = failure.planned.length ? failure.planned.map((s) => `\`${s}\``).join(", ") : "none";
  return [
    ...header(ctx, "failed"),
    `:x: **${failure.step}** failed for stack **\`${failure.stack}\`** of **${ctx.env}**. No summary is shown for this environment until it plans again.`,
    "",
    `Stacks planned before it: ${planned}.`,
    "",
    "<details open><summary>End of the error (secrets redacted; the full log is in the workflow run)</summary>",
    "",
    "```text",
    errorTail(failure.log),
    "```",
    "",
    "</details>",
    "",
  ].join("\n");
}

export interface PlanSections {
  /** plan:summary Markdown of every stack. */
  readonly summary: string;
  /** Red flags count, for the headline. */
  readonly redFlags: number;
  /** Cost estimate Markdown (before/after, per stack), or why it is missing. */
  readonly cost?: string;
  /** Mermaid diagram, shown when services or edges changed. */
  readonly diagram?: string;
}

export function summaryComment(ctx: CommentContext, sections: PlanSections): string {
  const status =
    sections.redFlags > 0 ? `${sections.redFlags} red flag${sections.redFlags === 1 ? "" : "s"}` : "planned";
  const out = [...header(ctx, status)];
  // npm run cost's Markdown brings its own heading ("Monthly cost estimate: <env>").
  if (sections.cost) out.push(sections.cost.trim(), "");
  if (sections.diagram) {
    out.push(
      "<details><summary>Diagram (services or edges changed)</summary>",
      "",
      sections.diagram.trim(),
      "",
      "</details>",
      "",
    );
  }
  out.push(sections.summary.trim(), "");
  const text = out.join("\n");
  if (text.length <= MAX_COMMENT_CHARS) return text;
  return `${text.slice(0, MAX_COMMENT_CHARS)}\n\n… cut at ${MAX_COMMENT_CHARS} characters: the text plans are in the run's artifacts.\n`;
}
