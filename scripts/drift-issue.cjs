// One GitHub issue per environment for drift, kept by drift.yml through actions/github-script
// (which passes its authenticated Octokit): opened on the first drift, its body replaced with the
// newest plan summary while the drift lasts, closed with a comment when a run finds none. Plain
// CommonJS because github-script runs it without a build step; types in drift-issue.d.cts.
/* global module */
"use strict";

const LABEL = "drift";
// GitHub refuses issue bodies over 65,536 characters.
const MAX_BODY = 60000;

function titleOf(env) {
  return `Drift detected: ${env}`;
}

function bodyOf({ env, summary, runUrl, checkedAt }) {
  const text = [
    `The scheduled plan of **${env}** (read-only plan role, main branch) found changes: what runs in AWS`,
    "differs from what main would deploy. Either someone changed it outside Terraform (bring the change",
    "into config or let the next deploy revert it), or main has changes not deployed yet.",
    "",
    `Last checked ${checkedAt} in [this run](${runUrl}). This issue closes itself when a run finds no drift.`,
    "",
    summary.trim(),
    "",
  ].join("\n");
  return text.length <= MAX_BODY ? text : `${text.slice(0, MAX_BODY)}\n\n… cut: see the run's artifacts.\n`;
}

/**
 * @param {{ github: any, owner: string, repo: string, env: string, status: string, summary: string,
 *           runUrl: string, checkedAt: string }} input
 * @returns {Promise<string>} what was done: "opened #n", "updated #n", "closed #n" or "nothing to do"
 */
async function reconcileDriftIssue(input) {
  const { github, owner, repo, env, status, summary, runUrl, checkedAt } = input;
  if (status !== "drift" && status !== "clean")
    throw new Error(`drift status must be drift or clean, got ${JSON.stringify(status)}`);
  const issues = github.rest.issues;
  const title = titleOf(env);
  const open = await github.paginate(issues.listForRepo, { owner, repo, state: "open", labels: LABEL, per_page: 100 });
  const existing = open.find((i) => i.title === title && !i.pull_request);
  if (status === "drift") {
    const body = bodyOf({ env, summary, runUrl, checkedAt });
    if (existing) {
      await issues.update({ owner, repo, issue_number: existing.number, body });
      return `updated #${existing.number}`;
    }
    try {
      await issues.getLabel({ owner, repo, name: LABEL });
    } catch (error) {
      if (error.status !== 404) throw error;
      await issues.createLabel({
        owner,
        repo,
        name: LABEL,
        color: "d93f0b",
        description: "Infrastructure differs from main",
      });
    }
    const { data } = await issues.create({ owner, repo, title, body, labels: [LABEL] });
    return `opened #${data.number}`;
  }
  if (!existing) return "nothing to do";
  await issues.createComment({
    owner,
    repo,
    issue_number: existing.number,
    body: `No drift in **${env}** as of ${checkedAt} ([run](${runUrl})): closing.`,
  });
  await issues.update({ owner, repo, issue_number: existing.number, state: "closed", state_reason: "completed" });
  return `closed #${existing.number}`;
}

module.exports = { reconcileDriftIssue, titleOf, LABEL };
