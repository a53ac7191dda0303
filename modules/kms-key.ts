import { KmsAlias } from "@cdktn/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktn/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";
import {
  LazyPolicyDocument,
  NO_DEPENDENCIES,
  ServicePrincipal,
  type Grant,
  type GrantPrincipal,
  type PolicyStatement,
} from "./lib/iam";
import { Validator } from "./lib/validate";

/** What a consumer needs to decrypt (read) data under the key. */
export const KMS_DECRYPT_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"] as const;
/** What a consumer needs to encrypt (write) data under the key. */
export const KMS_ENCRYPT_ACTIONS = [
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:DescribeKey",
] as const;

export interface KmsKeyProps {
  /** Alias without the "alias/" prefix, e.g. "fc-dev-platform". */
  readonly alias: string;
  readonly description: string;
  /**
   * Waiting period before a scheduled deletion, 7–30 days.
   * @default 30
   */
  readonly deletionWindowDays?: number;
}

/**
 * A customer-managed KMS key with rotation on, an alias, and a key policy with no wildcard principal.
 * Access is granted per consumer (the aws-cdk aws-kms Key pattern):
 * - an IAM role gets an identity-policy statement on this key's ARN (the key policy's account
 *   statement lets IAM policies grant it), so a role in a later stack never edits this stack;
 * - a service principal gets a key-policy statement with its conditions.
 * Statements are rendered when the stack is synthesized, so grants can come after construction.
 */
export class KmsKey extends Construct {
  readonly key: KmsKeyResource;
  readonly alias: KmsAlias;
  readonly arn: string;
  /** Alias ARN: known before the key exists (arn:<partition>:kms:<region>:<account>:alias/<name>). */
  readonly aliasArn: string;
  private readonly policy: LazyPolicyDocument;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    const v = new Validator(this);
    v.int("deletionWindowDays", deletionWindowDays, { min: 7, max: 30 });
    v.matches(
      "alias",
      props.alias,
      /^(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/,
      '1–250 of a-z A-Z 0-9 / _ - not starting with "aws/"',
    );
    v.nonEmpty("description", props.description);
    const ctx = AwsContext.of(this);

    this.policy = new LazyPolicyDocument(this, "policy", [
      {
        // Without this statement the key becomes unmanageable; IAM policies then grant the real access.
        sid: "AccountAdministers",
        actions: ["kms:*"],
        resources: ["*"],
        principals: [{ type: "AWS", identifiers: [`arn:${ctx.partition}:iam::${ctx.accountId}:root`] }],
      },
    ]);
    this.key = new KmsKeyResource(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindowDays,
      policy: this.policy.json,
    });
    this.alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
    this.aliasArn = ctx.arn("kms", `alias/${props.alias}`);
  }

  /** Adds a statement to the key policy (for principals an identity policy cannot reach). */
  addToResourcePolicy(statement: PolicyStatement): void {
    const v = new Validator(this);
    v.check(
      statement.sid === undefined || !this.policy.hasSid(statement.sid),
      "statement.sid",
      statement.sid,
      "unique in the key policy",
    );
    const principals = Array.isArray(statement.principals) ? statement.principals : [];
    const wildcard = principals.some((p) => p.identifiers.includes("*"));
    v.check(
      !wildcard || statement.effect === "Deny",
      "statement.principals",
      "*",
      "a named principal (no wildcard Allow)",
    );
    this.policy.add(statement);
  }

  /** Grants `actions` on this key to a role (identity policy) or a service principal (key policy). */
  grant(principal: GrantPrincipal, ...actions: string[]): Grant {
    new Validator(this).check(actions.length > 0, "grant actions", actions, "at least one kms: action");
    if (principal instanceof ServicePrincipal) {
      this.addToResourcePolicy({
        sid: `Allow${principal.label}${this.policy.length}`,
        actions: [...new Set(actions)].sort(),
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [principal.service] }],
        condition: principal.conditions.length > 0 ? [...principal.conditions] : undefined,
      });
      return NO_DEPENDENCIES;
    }
    return principal.addToPrincipalPolicy({ actions: [...new Set(actions)].sort(), resources: [this.arn] });
  }

  grantDecrypt(principal: GrantPrincipal): Grant {
    return this.grant(principal, ...KMS_DECRYPT_ACTIONS);
  }

  grantEncrypt(principal: GrantPrincipal): Grant {
    return this.grant(principal, ...KMS_ENCRYPT_ACTIONS);
  }

  grantEncryptDecrypt(principal: GrantPrincipal): Grant {
    return this.grant(principal, ...KMS_ENCRYPT_ACTIONS, ...KMS_DECRYPT_ACTIONS);
  }
}

/**
 * CloudWatch Logs of this region, limited to this account's log groups by encryption context
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
export function cloudWatchLogsPrincipal(scope: Construct): ServicePrincipal {
  const ctx = AwsContext.of(scope);
  return new ServicePrincipal(
    `logs.${ctx.region}.amazonaws.com`,
    [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [ctx.arn("logs", "log-group:*")] }],
    "CloudWatchLogs",
  );
}
