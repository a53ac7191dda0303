import { DataAwsIamPolicyDocument } from "@cdktn/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { GITHUB_OIDC_HOST, STS_AUDIENCE } from "./github-oidc-provider";
import { GITHUB_CLAIM_PART, GITHUB_REPOSITORY, githubSubjectClaim, type GithubSubject } from "./lib/github-subject";
import type { PolicyStatement } from "./lib/iam";
import { attachManagedPolicies } from "./lib/managed-policies";
import { Validator } from "./lib/validate";

export interface GithubActionsRoleProps {
  /** Role name (IAM: 1–64 of A-Z a-z 0-9 + = , . @ _ -). */
  readonly name: string;
  /** ARN of the account's GitHub OIDC provider. */
  readonly providerArn: string;
  /** "owner/name" of the repository whose workflows may assume the role. */
  readonly repository: string;
  /** The subjects that may assume it; at least one, each exact (no wildcards). */
  readonly subjects: readonly GithubSubject[];
  /**
   * What the role is for, shown in the IAM console.
   * @default - none
   */
  readonly description?: string;
  /**
   * AWS managed policies to attach (`arn:<partition>:iam::aws:policy/...`).
   * @default - none
   */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Statements of the role's inline policy.
   * @default - no inline policy
   */
  readonly statements?: readonly PolicyStatement[];
  /**
   * Longest session the role grants, seconds (IAM: 3600–43200).
   * @default 3600
   */
  readonly maxSessionDurationSec?: number;
}

/**
 * An IAM role that GitHub Actions assumes with its OIDC token. The trust admits the token only when
 * its audience is STS and its subject is one of the exact subjects given: this repository, and a
 * named branch, GitHub environment or its pull requests (never `repo:<repo>:*`).
 */
export class GithubActionsRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;
  readonly name: string;
  /** The `sub` values the trust policy accepts. */
  readonly subjectClaims: readonly string[];

  constructor(scope: Construct, id: string, props: GithubActionsRoleProps) {
    super(scope, id);
    const v = new Validator(this);
    v.matches("name", props.name, /^[\w+=,.@-]{1,64}$/, "1–64 of A-Z a-z 0-9 + = , . @ _ -");
    v.matches("repository", props.repository, GITHUB_REPOSITORY, 'a GitHub repository as "owner/name"');
    v.check(props.subjects.length > 0, "subjects", props.subjects, "at least one subject");
    for (const [i, s] of props.subjects.entries()) {
      if (s.kind !== "pull-request") {
        v.matches(`subjects[${i}].name`, s.name, GITHUB_CLAIM_PART, 'a name without spaces, ":", "*" or "?"');
      }
    }
    const maxSession = props.maxSessionDurationSec ?? 3600;
    v.int("maxSessionDurationSec", maxSession, { min: 3600, max: 43200 });
    for (const [i, statement] of (props.statements ?? []).entries()) {
      const actions = statement.actions ?? [];
      v.check(
        statement.effect === "Deny" || !actions.some((a) => a === "*" || a === "*:*"),
        `statements[${i}].actions`,
        actions,
        'actions of named services (never "*")',
      );
    }

    this.subjectClaims = [...new Set(props.subjects.map((s) => githubSubjectClaim(props.repository, s)))].sort();
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          sid: "GithubActionsOidc",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [props.providerArn] }],
          condition: [
            { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:aud`, values: [STS_AUDIENCE] },
            { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:sub`, values: [...this.subjectClaims] },
          ],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      name: props.name,
      description: props.description,
      assumeRolePolicy: trust.json,
      maxSessionDuration: maxSession,
    });
    this.arn = this.role.arn;
    this.name = this.role.name;

    attachManagedPolicies(this, v, this.role, props.managedPolicyArns ?? []);
    if (props.statements && props.statements.length > 0) {
      const document = new DataAwsIamPolicyDocument(this, "policy-document", { statement: [...props.statements] });
      new IamRolePolicy(this, "policy", { name: "ci", role: this.role.id, policy: document.json });
    }
  }
}
