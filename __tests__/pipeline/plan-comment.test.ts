import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { run } from "../../scripts/pipeline";
import { errorTail, redact } from "../../scripts/pipeline/redact";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const RUN_URL = "https://github.com/example-org/fargate-connect/actions/runs/42";
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjE${"A1b2C3d4E5".repeat(30)}`;
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** What a failing init/plan prints when credentials or an echoed argument leak into the error. */
const LEAKY_LOG = [
  "\u001b[31m╷\u001b[0m",
  "Error: validating provider credentials: retrieving caller identity from STS: operation error STS: GetCallerIdentity, https response error StatusCode: 403, RequestID: 5f2c, api error InvalidClientTokenId: The security token included in the request is invalid.",
  "2026-12-01T10:00:00.000Z [DEBUG] provider: Authorization: AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261201/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=7f3a9bde0c1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4",
  `GET https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Security-Token=${SESSION_TOKEN}&X-Amz-Signature=abcdef0123`,
  `  aws_secret_access_key = ${SECRET_KEY}`,
  '  12:   "password": "S3cr3t-P@ssw0rd",',
  "  source: https://ci-bot:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/example-org/modules.git",
  "  access key AKIAIOSFODNN7EXAMPLE",
  "│ Error: creating ECS Service (fc-dev-api): InvalidParameterException: The target group does not have an associated load balancer.",
  "╵",
].join("\n");

async function comment(dir: string, extra: string[] = []): Promise<string> {
  let out = "";
  const code = await run(["plan-comment", "--env", "dev", "--sha", SHA, "--run-url", RUN_URL, "--dir", dir, ...extra], {
    out: (t) => (out += t),
    err: () => undefined,
    readText: (p) => readFileSync(p, "utf8"),
    ecs: () => new ECSClient({}),
  });
  expect(code).toBe(0);
  return out;
}

describe("redaction of terraform errors", () => {
  it("when an error carries credentials, signatures, passwords or tokens, then none survive and the message does", () => {
    const text = redact(LEAKY_LOG);
    for (const secret of [
      "ASIAIOSFODNN7EXAMPLE",
      "AKIAIOSFODNN7EXAMPLE",
      "7f3a9bde0c1a2b3c",
      SESSION_TOKEN.slice(0, 40),
      SECRET_KEY,
      "S3cr3t-P@ssw0rd",
      "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "abcdef0123",
      "\u001b[",
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).toContain("api error InvalidClientTokenId: The security token included in the request is invalid.");
    expect(text).toContain("Error: creating ECS Service (fc-dev-api): InvalidParameterException");
    expect(text).toContain('"password": [redacted]');
    expect(text).toContain("https://[redacted]@github.com/example-org/modules.git");
  });

  it("when a log is long, then only its last lines are kept and a code fence in it cannot close ours", () => {
    const log = [...Array.from({ length: 100 }, (_, i) => `line ${i}`), "```", "last"].join("\n");
    const tail = errorTail(log, 10);
    expect(tail.split("\n")).toHaveLength(10);
    expect(tail.startsWith("line 92")).toBe(true);
    expect(tail).not.toContain("```");
    expect(errorTail("x".repeat(50) + "\n" + "y ".repeat(5000), 40, 100).length).toBeLessThanOrEqual(101);
  });
});

describe("plan comment", () => {
  it("when a stack's plan failed, then the comment names the environment, stack, step and commit, with the redacted tail", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-plans-"));
    writeFileSync(join(dir, "services.plan.log"), LEAKY_LOG);
    writeFileSync(
      join(dir, "failure.json"),
      JSON.stringify({
        stack: "services",
        step: "terraform plan",
        log: join(dir, "services.plan.log"),
        planned: ["data", "network"],
      }),
    );
    const text = await comment(dir);
    expect(text).toContain("## terraform plan: dev — failed");
    expect(text).toContain(
      "Commit `0123456` · [workflow run](https://github.com/example-org/fargate-connect/actions/runs/42)",
    );
    expect(text).toContain(":x: **terraform plan** failed for stack **`services`** of **dev**.");
    expect(text).toContain("Stacks planned before it: `data`, `network`.");
    expect(text).toContain("InvalidParameterException: The target group does not have an associated load balancer.");
    expect(text).not.toContain("S3cr3t-P@ssw0rd");
    expect(text).not.toContain("ASIAIOSFODNN7EXAMPLE");
  });

  it("when every stack planned, then the comment is the summary with the commit, and red flags in the headline", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-plans-"));
    mkdirSync(join(dir, "json"));
    const fixtures = join(__dirname, "../plan-summary/fixtures");
    cpSync(join(fixtures, "prod-data.json"), join(dir, "json", "data.json"));
    cpSync(join(fixtures, "dev-network.json"), join(dir, "json", "network.json"));
    writeFileSync(
      join(dir, "cost.md"),
      "### Monthly cost estimate: dev\n\n| stack | before | after | delta |\n|---|---|---|---|\n| data | $100 | $120 | +$20 |\n",
    );
    const text = await comment(dir);
    expect(text).toMatch(/^## terraform plan: dev — \d+ red flags\n\nCommit `0123456`/);
    expect(text).toContain("### Monthly cost estimate: dev\n\n| stack | before | after | delta |");
    // Cost first, then the plan.
    expect(text.indexOf("Monthly cost estimate")).toBeLessThan(text.indexOf("## data\n"));
    expect(text).toContain("## data\n");
    expect(text).toContain("## network\n");
    expect(text).not.toContain("Diagram");
  });

  it("when the diagram differs from the base branch's, then it is shown; when equal, not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-plans-"));
    mkdirSync(join(dir, "json"));
    cpSync(join(__dirname, "../plan-summary/fixtures/prod-platform.json"), join(dir, "json", "platform.json"));
    writeFileSync(join(dir, "diagram.md"), "```mermaid\nflowchart LR\n  api --> worker\n```\n");
    writeFileSync(join(dir, "base-diagram.md"), "```mermaid\nflowchart LR\n  api\n```\n");
    expect(await comment(dir, ["--base-diagram", join(dir, "base-diagram.md")])).toContain(
      "<details><summary>Diagram (services or edges changed)</summary>\n\n```mermaid\nflowchart LR\n  api --> worker",
    );
    writeFileSync(join(dir, "base-diagram.md"), "```mermaid\nflowchart LR\n  api --> worker\n```\n");
    expect(await comment(dir, ["--base-diagram", join(dir, "base-diagram.md")])).not.toContain("Diagram");
  });

  it("when there are neither plans nor a failure record, then it refuses rather than post an empty plan", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-plans-"));
    await expect(comment(dir)).rejects.toThrow(/json: no plans and no failure\.json/);
  });
});
