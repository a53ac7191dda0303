import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack, Testing } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import prod from "../../config/prod";
import { parseEnvConfig } from "../../config/schema";
import { synthEnvironment } from "../../main";
import { GithubActionsRole } from "../../modules/github-actions-role";
import { deployServiceOf, DEPLOY_ROLE_ACTIONS } from "../../modules/lib/ci-permissions";
import { CiIdentityStack } from "../../stacks/ci-identity";
import { devWith, errorOf } from "../helpers/config";
import { synthesizedEnvironment } from "../helpers/synth-once";
import { constructError, dataOf, resourcesOf, type TfJson } from "../helpers/terraform";

type Statement = {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
  not_resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
};

/** Synthesizes only the CI identity stack of a config (cheap: no other stack is built). */
function ciStack(config: ReturnType<typeof loadConfig>): TfJson {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), "fc-ci-")) });
  const stack = new CiIdentityStack(app, "ci-identity", {
    config: { ...config, ci: config.ci!, state: config.state! },
  });
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

const statementsOf = (json: TfJson, document: string): Statement[] =>
  (dataOf(json, "aws_iam_policy_document")[document]?.statement ?? []) as Statement[];
const sid = (json: TfJson, document: string, id: string): Statement => {
  const found = statementsOf(json, document).find((s) => s.sid === id);
  if (!found) throw new Error(`no statement ${id} in ${document}`);
  return found;
};
const condition = (s: Statement, variable: string) => s.condition?.find((c) => c.variable === variable);

let prodCi: TfJson;
beforeAll(() => {
  prodCi = ciStack(loadConfig("prod"));
});

describe("CI identity trust", () => {
  it("when prod is synthesized, then the plan role trusts exactly this repository's pull requests and main, audience STS", () => {
    const [trust] = statementsOf(prodCi, "plan_role_trust");
    expect(trust!.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(trust!.principals).toEqual([
      { type: "Federated", identifiers: ["${aws_iam_openid_connect_provider.github_oidc_provider.arn}"] },
    ]);
    expect(condition(trust!, "token.actions.githubusercontent.com:aud")).toEqual({
      test: "StringEquals",
      variable: "token.actions.githubusercontent.com:aud",
      values: ["sts.amazonaws.com"],
    });
    expect(condition(trust!, "token.actions.githubusercontent.com:sub")).toEqual({
      test: "StringEquals",
      variable: "token.actions.githubusercontent.com:sub",
      values: ["repo:example-org/fargate-connect:pull_request", "repo:example-org/fargate-connect:ref:refs/heads/main"],
    });
  });

  it("when prod is synthesized, then the deploy role trusts only jobs in the GitHub environment prod", () => {
    const [trust] = statementsOf(prodCi, "deploy_role_trust");
    expect(condition(trust!, "token.actions.githubusercontent.com:sub")).toMatchObject({
      test: "StringEquals",
      values: ["repo:example-org/fargate-connect:environment:prod"],
    });
    expect(condition(trust!, "token.actions.githubusercontent.com:aud")!.values).toEqual(["sts.amazonaws.com"]);
  });

  it("when config names a deploy environment, branches and no pull requests, then the subjects follow it", () => {
    const config = parseEnvConfig("prod", {
      ...prod,
      ci: {
        github: {
          repository: "acme/platform",
          deployEnvironment: "production",
          planBranches: ["main", "release"],
          planPullRequests: false,
        },
      },
    });
    const json = ciStack(config);
    const sub = (doc: string) => condition(statementsOf(json, doc)[0]!, "token.actions.githubusercontent.com:sub");
    expect(sub("plan_role_trust")!.values).toEqual([
      "repo:acme/platform:ref:refs/heads/main",
      "repo:acme/platform:ref:refs/heads/release",
    ]);
    expect(sub("deploy_role_trust")!.values).toEqual(["repo:acme/platform:environment:production"]);
  });

  it("when the account already has the provider, then the stack looks it up instead of creating a second one", () => {
    const json = ciStack(parseEnvConfig("prod", { ...prod, ci: { ...prod.ci, createOidcProvider: false } }));
    expect(resourcesOf(json, "aws_iam_openid_connect_provider")).toEqual({});
    expect(dataOf(json, "aws_iam_openid_connect_provider")).toEqual({
      github_oidc_existing: expect.objectContaining({ url: "https://token.actions.githubusercontent.com" }),
    });
    expect(statementsOf(json, "plan_role_trust")[0]!.principals![0]!.identifiers).toEqual([
      "${data.aws_iam_openid_connect_provider.github_oidc_existing.arn}",
    ]);
  });

  it("when the provider is created, then it has GitHub's issuer, the STS audience and no pinned thumbprint", () => {
    expect(resourcesOf(prodCi, "aws_iam_openid_connect_provider").github_oidc_provider).toEqual(
      expect.objectContaining({
        url: "https://token.actions.githubusercontent.com",
        client_id_list: ["sts.amazonaws.com"],
      }),
    );
    expect(resourcesOf(prodCi, "aws_iam_openid_connect_provider").github_oidc_provider).not.toHaveProperty(
      "thumbprint_list",
    );
  });

  it("when synthesized, then its state is in the environment's bucket (applied after the state stack)", () => {
    expect(prodCi.terraform.backend.s3).toMatchObject({
      bucket: "fargate-connect-prod-tfstate-123456789012",
      key: "prod/ci-identity.tfstate",
    });
  });
});

describe("CI role permissions", () => {
  it("when the plan role is read, then it is ReadOnlyAccess plus reading and decrypting this environment's state only", () => {
    expect(Object.values(resourcesOf(prodCi, "aws_iam_role_policy_attachment"))).toEqual([
      expect.objectContaining({
        policy_arn: "arn:${data.aws_partition.aws_context_partition.partition}:iam::aws:policy/ReadOnlyAccess",
      }),
    ]);
    const actions = statementsOf(prodCi, "plan_role_policy_document")
      .filter((s) => s.effect !== "Deny")
      .flatMap((s) => s.actions ?? []);
    expect(actions.sort()).toEqual([
      "kms:Decrypt",
      "kms:Decrypt",
      "s3:GetObject",
      "s3:ListBucket",
      "secretsmanager:GetSecretValue",
    ]);
    expect(sid(prodCi, "plan_role_policy_document", "StateRead").resources).toEqual([
      "arn:${data.aws_partition.aws_context_partition.partition}:s3:::fargate-connect-prod-tfstate-123456789012/prod/*",
    ]);
    expect(sid(prodCi, "plan_role_policy_document", "StateDecrypt").resources).toEqual([
      "${data.aws_kms_alias.state_key.target_key_arn}",
    ]);
    expect(dataOf(prodCi, "aws_kms_alias").state_key).toMatchObject({ name: "alias/fc-prod-tfstate" });
    expect(sid(prodCi, "plan_role_policy_document", "ReadStackSecrets").resources![0]).toMatch(/:secret:fc-prod-\*$/);
    expect(sid(prodCi, "plan_role_policy_document", "NoObjectReadsOutsideState")).toMatchObject({
      effect: "Deny",
      not_resources: [expect.stringMatching(/fargate-connect-prod-tfstate-123456789012\/prod\/\*$/)],
    });
  });

  it("when the deploy role is read, then it writes state, deletes only lock objects, and manages only <prefix>- roles", () => {
    const doc = "deploy_role_policy_document";
    expect(sid(prodCi, doc, "StateWrite").actions).toEqual(["s3:PutObject"]);
    expect(sid(prodCi, doc, "StateUnlock")).toMatchObject({
      actions: ["s3:DeleteObject"],
      resources: [expect.stringMatching(/tfstate-123456789012\/prod\/\*\.tflock$/)],
    });
    expect(sid(prodCi, doc, "StateKey").actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(sid(prodCi, doc, "ManageStackRoles")).toMatchObject({
      actions: [...DEPLOY_ROLE_ACTIONS],
      resources: [expect.stringMatching(/:role\/fc-prod-\*$/)],
    });
    expect(condition(sid(prodCi, doc, "ManageStackServices"), "aws:RequestedRegion")!.values).toEqual(["eu-west-1"]);
    const iamWildcards = statementsOf(prodCi, doc)
      .filter((s) => s.effect !== "Deny")
      .flatMap((s) => s.actions ?? [])
      .filter((a) => a === "*" || a.startsWith("iam:*") || a === "sts:*");
    expect(iamWildcards).toEqual([]);
  });

  it("when the deploy role is read, then it is denied its own identity, the state bucket's settings and the state key", () => {
    const doc = "deploy_role_policy_document";
    expect(sid(prodCi, doc, "NoChangesToCiIdentity")).toMatchObject({ effect: "Deny", actions: ["iam:*"] });
    expect(
      sid(prodCi, doc, "NoChangesToCiIdentity").resources!.map((r) => r.replace(/^.*:(role|oidc-provider)\//, "$1/")),
    ).toEqual([
      "role/fc-prod-github-plan",
      "role/fc-prod-github-deploy",
      "oidc-provider/token.actions.githubusercontent.com",
    ]);
    expect(sid(prodCi, doc, "NoChangesToStateBucket")).toMatchObject({
      effect: "Deny",
      resources: [expect.stringMatching(/:s3:::fargate-connect-prod-tfstate-123456789012$/)],
    });
    expect(sid(prodCi, doc, "NoChangesToStateKey").actions).toContain("kms:ScheduleKeyDeletion");
  });

  it("when a lock table is configured, then the deploy role may use exactly that table", () => {
    const json = ciStack(
      parseEnvConfig("prod", { ...prod, state: { ...prod.state, dynamodbTable: "fc-prod-tflock" } }),
    );
    expect(sid(json, "deploy_role_policy_document", "StateLockTable")).toMatchObject({
      actions: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      resources: [expect.stringMatching(/:dynamodb:eu-west-1:.*:table\/fc-prod-tflock$/)],
    });
    expect(statementsOf(prodCi, "deploy_role_policy_document").map((s) => s.sid)).not.toContain("StateLockTable");
  });

  it("when every stack CI deploys is synthesized, then the deploy role grants the service of each resource type", async () => {
    const granted = new Set(
      statementsOf(prodCi, "deploy_role_policy_document")
        .filter((s) => s.effect !== "Deny")
        .flatMap((s) => s.actions ?? [])
        .map((a) => a.split(":")[0]),
    );
    const types = new Set<string>();
    for (const env of ["dev", "prod"] as const) {
      const { stacks } = await synthesizedEnvironment(env);
      for (const [name, json] of Object.entries(stacks)) {
        if (name === "state" || name === "ci-identity") continue;
        for (const type of Object.keys(json.resource)) if (type.startsWith("aws_")) types.add(type);
      }
    }
    expect(types.size).toBeGreaterThan(40);
    const missing = [...types].filter((t) => !granted.has(deployServiceOf(t) ?? "(none)"));
    expect(missing).toEqual([]);
  });
});

describe("CI identity config and props", () => {
  it("when ci is set without remote state, then config names ci and asks for a state bucket", () => {
    const message = errorOf(devWith((c) => delete c.state));
    expect(message).toContain("ci: got");
    expect(message).toContain('a CI identity needs remote state: add state: { bucket: "<bucket>" }');
  });

  it("when the repository or a branch would change the subject, then config names the field and nothing is written", () => {
    expect(errorOf(devWith((c) => (c.ci.github.repository = "acme")))).toContain(
      'ci.github.repository: got "acme"; expected a GitHub repository as "owner/name"',
    );
    expect(errorOf(devWith((c) => (c.ci.github.planBranches = ["release/*"])))).toContain(
      'ci.github.planBranches.0: got "release/*"; expected a branch name without spaces, ":", "*" or "?"',
    );
    const outdir = join(mkdtempSync(join(tmpdir(), "fc-ci-bad-")), "out");
    const bad = { dev: devWith((c) => (c.ci.github.deployEnvironment = "prod:*")) };
    expect(() => synthEnvironment("dev", outdir, bad, {})).toThrow(/ci\.github\.deployEnvironment: got "prod:\*"/);
    expect(existsSync(outdir)).toBe(false);
  });

  it("when a role has no subject or a full-admin action, then the construct names the prop", () => {
    const base = { name: "r", providerArn: "arn:aws:iam::1:oidc-provider/x", repository: "acme/platform" };
    expect(constructError((s: TerraformStack) => new GithubActionsRole(s, "r", { ...base, subjects: [] }))).toMatch(
      /GithubActionsRole test\/r: subjects must be at least one subject, got \[\]/,
    );
    expect(
      constructError(
        (s: TerraformStack) =>
          new GithubActionsRole(s, "r", {
            ...base,
            subjects: [{ kind: "pull-request" }],
            statements: [{ actions: ["*"], resources: ["*"] }],
          }),
      ),
    ).toMatch(/statements\[0\]\.actions must be actions of named services/);
    expect(
      constructError(
        (s: TerraformStack) => new GithubActionsRole(s, "r", { ...base, subjects: [{ kind: "branch", name: "*" }] }),
      ),
    ).toMatch(/subjects\[0\]\.name must be a name without spaces/);
  });
});
