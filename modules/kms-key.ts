import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";

/** Data-key actions a service needs to encrypt and decrypt with the key; never kms:*. */
export const KMS_DATA_KEY_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
] as const;

export interface KmsKeyProps {
  /** Alias without the "alias/" prefix, e.g. "fc-dev-platform". */
  readonly alias: string;
  readonly description: string;
  /**
   * Let CloudWatch Logs in this region encrypt this account's log groups with the key.
   * @default false
   */
  readonly allowCloudWatchLogs?: boolean;
  /**
   * Service principals (e.g. "cloudwatch.amazonaws.com") that may use the key, limited to this account.
   * @default - none
   */
  readonly servicePrincipals?: readonly string[];
  /**
   * Waiting period before a scheduled deletion, 7–30 days.
   * @default 30
   */
  readonly deletionWindowDays?: number;
}

/** A customer-managed KMS key with rotation on, an alias, and a policy with no wildcard principal. */
export class KmsKey extends Construct {
  readonly key: KmsKeyResource;
  readonly alias: KmsAlias;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new Error(`KmsKey ${id}: deletionWindowDays must be an integer from 7 to 30, got ${deletionWindowDays}`);
    }
    if (!/^[a-zA-Z0-9/_-]{1,250}$/.test(props.alias) || props.alias.startsWith("aws/")) {
      throw new Error(
        `KmsKey ${id}: alias must be 1–250 of a-z A-Z 0-9 / _ - and not start with "aws/", got "${props.alias}"`,
      );
    }
    const ctx = AwsContext.of(this);

    const statements: DataAwsIamPolicyDocumentStatement[] = [
      {
        // Without this statement the key becomes unmanageable; IAM policies then grant the real access.
        sid: "AccountAdministers",
        actions: ["kms:*"],
        resources: ["*"],
        principals: [{ type: "AWS", identifiers: [`arn:${ctx.partition}:iam::${ctx.accountId}:root`] }],
      },
    ];
    if (props.allowCloudWatchLogs) {
      statements.push({
        sid: "CloudWatchLogsEncrypt",
        actions: [...KMS_DATA_KEY_ACTIONS],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [`logs.${ctx.region}.amazonaws.com`] }],
        condition: [
          {
            test: "ArnLike",
            variable: "kms:EncryptionContext:aws:logs:arn",
            values: [ctx.arn("logs", "log-group:*")],
          },
        ],
      });
    }
    if (props.servicePrincipals && props.servicePrincipals.length > 0) {
      statements.push({
        sid: "ServicesUseKey",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [...props.servicePrincipals].sort() }],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [ctx.accountId] }],
      });
    }
    const policy = new DataAwsIamPolicyDocument(this, "policy", { statement: statements });

    this.key = new KmsKeyResource(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindowDays,
      policy: policy.json,
    });
    this.alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }
}
