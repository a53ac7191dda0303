import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktn/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";
import { attachManagedPolicies } from "./lib/managed-policies";
import { LazyPolicyDocument, type Grant, type Grantable, type PolicyStatement } from "./lib/iam";
import { Validator } from "./lib/validate";

export interface ServiceRoleProps {
  /** Role name (IAM: 1–64 of A-Z a-z 0-9 + = , . @ _ -). */
  readonly name: string;
  /** The AWS service that assumes the role, e.g. "ecs-tasks.amazonaws.com". */
  readonly assumedBy: string;
  /**
   * What the role is for, shown in the IAM console.
   * @default - none
   */
  readonly description?: string;
  /**
   * AWS managed policies to attach, for roles AWS documents with one (e.g. the ECS infrastructure
   * roles); every ARN must be an `arn:aws:iam::aws:policy/...` policy.
   * @default - none
   */
  readonly managedPolicyArns?: readonly string[];
  /**
   * How the trust policy pins the caller to this account: `aws:SourceAccount` (the confused-deputy
   * key most services send), `sts:ExternalId` equal to the account id for services whose docs use it
   * instead (Firehose: https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html), or
   * `documented-none` for roles whose AWS-documented trust has no condition and where a condition
   * the service does not send would break it (the ECS infrastructure roles). Roles cannot be passed
   * across accounts, so the trust still admits only this account's own use.
   * @default "source-account"
   */
  readonly trustCondition?: "source-account" | "external-id" | "documented-none";
}

/**
 * An IAM role one AWS service assumes on behalf of this account only (aws:SourceAccount in the
 * trust policy, the confused-deputy guard), with one inline policy built from grants.
 */
export class ServiceRole extends Construct implements Grantable {
  readonly role: IamRole;
  readonly arn: string;
  readonly name: string;
  private policy?: LazyPolicyDocument;
  private policyResource?: IamRolePolicy;
  private readonly attachments: IamRolePolicyAttachment[] = [];

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const v = new Validator(this);
    v.matches("name", props.name, /^[\w+=,.@-]{1,64}$/, "1–64 of A-Z a-z 0-9 + = , . @ _ -");
    v.matches(
      "assumedBy",
      props.assumedBy,
      /^[a-z0-9.-]+\.amazonaws\.com$/,
      'a service principal like "ecs-tasks.amazonaws.com"',
    );
    const ctx = AwsContext.of(this);
    const trust = new LazyPolicyDocument(this, "trust", [
      {
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: [props.assumedBy] }],
        condition:
          props.trustCondition === "documented-none"
            ? undefined
            : [
                {
                  test: "StringEquals",
                  variable: props.trustCondition === "external-id" ? "sts:ExternalId" : "aws:SourceAccount",
                  values: [ctx.accountId],
                },
              ],
      },
    ]);
    this.role = new IamRole(this, "role", {
      name: props.name,
      description: props.description,
      assumeRolePolicy: trust.json,
    });
    this.arn = this.role.arn;
    this.name = this.role.name;
    this.attachments.push(...attachManagedPolicies(this, v, this.role, props.managedPolicyArns ?? []));
  }

  /** The role, its inline policy and attachments: what a resource using the role should depend on. */
  dependables(): (IamRole | IamRolePolicy | IamRolePolicyAttachment)[] {
    return [this.role, ...(this.policyResource ? [this.policyResource] : []), ...this.attachments];
  }

  /** Adds a statement to the role's inline policy (created with the first statement); returns what carries it. */
  addToPrincipalPolicy(statement: PolicyStatement): Grant {
    const v = new Validator(this);
    const actions = statement.actions ?? [];
    v.check(actions.length > 0, "statement.actions", actions, "at least one action");
    const star = actions.includes("*") || actions.some((a) => /^[a-z0-9-]+:\*$/.test(a));
    v.check(!star, "statement.actions", actions, "named actions (no service-wide or * wildcard)");
    if (!this.policy) {
      this.policy = new LazyPolicyDocument(this, "policy-document");
      this.policyResource = new IamRolePolicy(this, "policy", {
        name: "grants",
        role: this.role.id,
        policy: this.policy.json,
      });
    }
    this.policy.add(statement);
    return { dependables: [this.role, this.policyResource!] };
  }
}
