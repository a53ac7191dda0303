import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../../scripts/plan-summary";

const ROOT = resolve(__dirname, "../..");
const fixture = (name: string) => join(__dirname, "fixtures", `${name}.json`);

function summary(...args: string[]): { code: number; text: string } {
  let text = "";
  const code = run(args, (s) => (text += s));
  return { code, text };
}

/** The markdown section of one stack. */
function section(text: string, stack: string): string {
  const start = text.indexOf(`## ${stack}\n`);
  const next = text.indexOf("\n## ", start + 1);
  return text.slice(start, next === -1 ? undefined : next);
}

describe("plan:summary", () => {
  let all: string;
  beforeAll(() => {
    all = summary(fixture("dev-network"), fixture("prod-data"), fixture("prod-platform"), fixture("prod-state")).text;
  });

  it("when several plans are given, then each stack gets its own section, in argument order", () => {
    const order = ["dev-network", "prod-data", "prod-platform", "prod-state"].map((s) => all.indexOf(`## ${s}\n`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("when a plan creates and updates in place, then it counts them and lists the changed attributes", () => {
    const s = section(all, "dev-network");
    expect(s).toContain("**1 to create, 2 to update, 0 to replace, 0 to delete**");
    expect(s).toContain("| `~` | update | `aws_cloudwatch_log_group.vpc_flow_logs` | retention_in_days |");
    expect(s).toContain("| `+` | create | `aws_nat_gateway.vpc_nat_1` | — |");
    expect(s).not.toContain("aws_vpc.vpc_vpc"); // no-op
    expect(s).not.toContain("aws_iam_policy_document"); // data source read
    expect(s).toContain("Outputs changing: `natGatewayIds`");
    expect(s).toMatch(/### Red flags\n\nNone\./);
  });

  it("when a value is known only after apply, then the attribute says so", () => {
    expect(section(all, "dev-network")).toContain(
      "| `aws_route.vpc_private_1_default_route` | nat_gateway_id (known after apply) |",
    );
  });

  it("when stateful resources are replaced or deleted, then they are red flags with the cause", () => {
    const s = section(all, "prod-data");
    expect(s).toContain("**1 to create, 3 to update, 1 to replace, 1 to delete**");
    expect(s).toContain("**replace** of stateful Aurora cluster `aws_rds_cluster.aurora_cluster` (forced by engine)");
    expect(s).toContain(
      "**delete** of stateful ElastiCache replication group `aws_elasticache_replication_group.cache_group`",
    );
    const state = section(all, "prod-state");
    expect(state).toContain(
      "**replace** of stateful KMS key `aws_kms_key.state_key_key` (forced by customer_master_key_spec)",
    );
    expect(state).toContain(
      "**forget** of stateful S3 bucket (state / logs) `aws_s3_bucket.state_bucket_bucket` (removed from state only",
    );
  });

  it("when IAM or security groups widen, then the added grants and openings are flagged", () => {
    const s = section(all, "prod-data");
    expect(s).toContain(
      "widened IAM policy `aws_iam_role_policy.caller_task_policy` (policy): adds ssm:GetParametersByPath on arn:aws:ssm:eu-west-1:123456789012:parameter/fargate-connect/prod/failure_mode, s3:* on *",
    );
    expect(s).toContain(
      "internet ingress: `aws_vpc_security_group_ingress_rule.data_sg_ingress_ssh` allows 0.0.0.0/0 on port 22",
    );
    expect(s).toContain(
      "widened security-group rule `aws_vpc_security_group_ingress_rule.data_sg_ingress_mysql`: now a security group on ports 0-65535",
    );
  });

  it("when values are sensitive, then they are never printed, only marked", () => {
    for (const secret of [
      "hunter2-old-secret",
      "s3cr3t-new-password",
      "redis-auth-token-value",
      "old-secret-string-value",
      "new-secret-string-value",
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(section(all, "prod-data")).toContain("master_password (sensitive)");
    expect(section(all, "prod-data")).toContain("`aws_secretsmanager_secret_version.db` | secret_string (sensitive) |");
  });

  it("when nothing changes, then the stack says so and has no red flags", () => {
    const s = section(all, "prod-platform");
    expect(s).toContain("**0 to create, 0 to update, 0 to replace, 0 to delete**");
    expect(s).toContain("No resource changes.");
    expect(s).toMatch(/### Red flags\n\nNone\./);
  });

  it("when --fail-on-destroy is set, then it exits 1 only if something is flagged", () => {
    expect(summary("--fail-on-destroy", fixture("prod-data")).code).toBe(1);
    expect(summary("--fail-on-destroy", fixture("dev-network"), fixture("prod-platform")).code).toBe(0);
    expect(summary(fixture("prod-data")).code).toBe(0);
  });

  it("when --red-flags is set, then it prints each flag as a plain line naming its stack, and the exit code follows", () => {
    const flagged = summary("--red-flags", "--fail-on-destroy", fixture("prod-data"));
    expect(flagged.code).toBe(1);
    expect(flagged.text).toMatch(/^\d+ red flags:\n/);
    expect(flagged.text).toContain(
      "  - prod-data: replace of stateful Aurora cluster aws_rds_cluster.aurora_cluster (forced by engine)\n",
    );
    expect(flagged.text).not.toContain("**");
    expect(flagged.text).not.toContain("## prod-data");
    const clean = summary("--red-flags", "--fail-on-destroy", fixture("prod-platform"));
    expect(clean).toEqual({ code: 0, text: "No red flags.\n" });
  });

  it("when input is not a plan, then it fails naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-plan-"));
    writeFileSync(join(dir, "state.json"), JSON.stringify({ version: 4, resources: [] }));
    writeFileSync(join(dir, "broken.json"), "{ nope");
    expect(() => summary(join(dir, "state.json"))).toThrow(
      /state\.json: not a Terraform JSON plan \(no format_version\)/,
    );
    expect(() => summary(join(dir, "broken.json"))).toThrow(/broken\.json: cannot read a JSON plan/);
    expect(() => summary("--strict", fixture("prod-data"))).toThrow(
      "unknown option --strict; allowed: --fail-on-destroy, --red-flags",
    );
  });

  it("when run as `npm run plan:summary`, then it prints Markdown and sets the exit code", () => {
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const ok = spawnSync(tsx, [join(ROOT, "scripts/plan-summary.ts"), fixture("prod-platform")], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("## prod-platform");
    const flagged = spawnSync(
      tsx,
      [join(ROOT, "scripts/plan-summary.ts"), "--fail-on-destroy", fixture("prod-state")],
      { encoding: "utf8" },
    );
    expect(flagged.status).toBe(1);
    const bad = spawnSync(tsx, [join(ROOT, "scripts/plan-summary.ts")], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("usage: plan:summary");
  });
});
