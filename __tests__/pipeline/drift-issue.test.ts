import { describe, expect, it } from "vitest";
import { reconcileDriftIssue, type IssuesClient } from "../../scripts/drift-issue.cjs";

type Issue = { number: number; title: string; state: string; body: string; labels: string[]; comments: string[] };

/** An in-memory repository with the issue endpoints drift.yml uses, shaped like Octokit's. */
function fakeRepo(initial: Partial<Issue>[] = [], labels: string[] = []) {
  const issues: Issue[] = initial.map((i, n) => ({
    number: n + 1,
    title: "",
    state: "open",
    body: "",
    labels: [],
    comments: [],
    ...i,
  }));
  const repoLabels = new Set(labels);
  const byNumber = (n: unknown) => issues.find((i) => i.number === n)!;
  const listForRepo = (p: Record<string, unknown>) =>
    issues.filter((i) => i.state === p.state && i.labels.includes(String(p.labels)));
  const github: IssuesClient = {
    paginate: async (method, params) => (method as typeof listForRepo)(params),
    rest: {
      issues: {
        listForRepo,
        update: async (p) =>
          Object.assign(byNumber(p.issue_number), p.body ? { body: p.body } : {}, p.state ? { state: p.state } : {}),
        create: async (p) => {
          const issue = {
            number: issues.length + 1,
            title: String(p.title),
            state: "open",
            body: String(p.body),
            labels: p.labels as string[],
            comments: [],
          };
          issues.push(issue);
          return { data: { number: issue.number } };
        },
        createComment: async (p) => byNumber(p.issue_number).comments.push(String(p.body)),
        getLabel: async (p) => {
          if (!repoLabels.has(String(p.name))) throw Object.assign(new Error("Not Found"), { status: 404 });
          return {};
        },
        createLabel: async (p) => repoLabels.add(String(p.name)),
      },
    },
  };
  return { github, issues, repoLabels };
}

const base = {
  owner: "example-org",
  repo: "fargate-connect",
  runUrl: "https://example.test/run/7",
  checkedAt: "2026-12-01T06:17Z",
};
const SUMMARY = "## services\n\n**0 to create, 1 to update, 0 to replace, 0 to delete**\n";

describe("drift issue", () => {
  it("when an environment drifts for the first time, then one issue is opened with the summary and the drift label", async () => {
    const { github, issues, repoLabels } = fakeRepo();
    expect(await reconcileDriftIssue({ ...base, github, env: "prod", status: "drift", summary: SUMMARY })).toBe(
      "opened #1",
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ title: "Drift detected: prod", labels: ["drift"], state: "open" });
    expect(issues[0]!.body).toContain("**0 to create, 1 to update, 0 to replace, 0 to delete**");
    expect(issues[0]!.body).toContain("[this run](https://example.test/run/7)");
    expect(repoLabels.has("drift")).toBe(true);
  });

  it("when it still drifts, then the same issue is updated, not a second one opened; other environments keep theirs", async () => {
    const { github, issues } = fakeRepo(
      [
        { title: "Drift detected: prod", labels: ["drift"], body: "old" },
        { title: "Drift detected: dev", labels: ["drift"], body: "dev's" },
      ],
      ["drift"],
    );
    expect(await reconcileDriftIssue({ ...base, github, env: "prod", status: "drift", summary: SUMMARY })).toBe(
      "updated #1",
    );
    expect(issues).toHaveLength(2);
    expect(issues[0]!.body).toContain("1 to update");
    expect(issues[1]!.body).toBe("dev's");
  });

  it("when a run finds no drift, then the open issue is closed with a comment; with none open nothing happens", async () => {
    const { github, issues } = fakeRepo([{ title: "Drift detected: prod", labels: ["drift"] }], ["drift"]);
    expect(await reconcileDriftIssue({ ...base, github, env: "prod", status: "clean", summary: "" })).toBe("closed #1");
    expect(issues[0]).toMatchObject({ state: "closed", comments: [expect.stringContaining("No drift in **prod**")] });
    expect(await reconcileDriftIssue({ ...base, github, env: "prod", status: "clean", summary: "" })).toBe(
      "nothing to do",
    );
  });

  it("when the status is neither drift nor clean, then nothing is touched", async () => {
    const { github, issues } = fakeRepo([{ title: "Drift detected: prod", labels: ["drift"] }], ["drift"]);
    await expect(reconcileDriftIssue({ ...base, github, env: "prod", status: "error", summary: "" })).rejects.toThrow(
      'drift status must be drift or clean, got "error"',
    );
    expect(issues[0]!.state).toBe("open");
  });
});
