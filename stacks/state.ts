import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { KmsKey } from "../modules/kms-key";
import { StateLockTable } from "../modules/lock-table";
import { SecureBucket } from "../modules/secure-bucket";
import { FcStack } from "./fc-stack";
import { output } from "./outputs";

/** Alias (without "alias/") of the state bucket's KMS key; the CI identity stack looks the key up by it. */
export function stateKeyAlias(namePrefix: string): string {
  return `${namePrefix}-tfstate`;
}

export interface StateStackProps {
  readonly config: EnvConfig & { readonly state: NonNullable<EnvConfig["state"]> };
}

/**
 * Bootstrap: the bucket (and optional lock table) that holds every other stack's state.
 * It keeps its own state in a local backend, so it can be applied before the bucket exists.
 *
 * The backend sends no encryption header (see fc-stack.ts), so every state and lock object gets
 * the bucket's default SSE-KMS with this key; SecureBucket's policy refuses an explicit SSE-S3
 * upload (what `encrypt = true` without kms_key_id would do), so the key cannot be bypassed.
 */
export class StateStack extends FcStack {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly kmsKeyArn: string;
  readonly lockTableName?: string;

  constructor(scope: Construct, id: string, props: StateStackProps) {
    super(scope, id, { config: props.config, forceLocalBackend: true });
    const { config } = props;
    const state = config.state;

    const key = new KmsKey(this, "state-key", {
      alias: stateKeyAlias(config.namePrefix),
      description: `Terraform state of ${config.namePrefix}`,
    });
    const bucket = new SecureBucket(this, "state-bucket", {
      bucketName: state.bucket,
      encryption: { type: "kms", kmsKeyArn: key.arn },
      noncurrentVersionExpirationDays: state.noncurrentVersionExpirationDays,
    });
    this.bucketName = bucket.bucketName;
    this.bucketArn = bucket.bucketArn;
    this.kmsKeyArn = key.arn;

    if (state.dynamodbTable) {
      const lockTable = new StateLockTable(this, "lock-table", { name: state.dynamodbTable, kmsKeyArn: key.arn });
      // The table was a raw resource at aws_dynamodb_table.lock_table before it became a module.
      lockTable.table.moveFromId("aws_dynamodb_table.lock_table");
      this.lockTableName = lockTable.tableName;
      output(this, "lockTableName", lockTable.tableName, "DynamoDB lock table for Terraform < 1.10");
    }

    output(this, "stateBucketName", this.bucketName, "S3 bucket holding every stack's Terraform state");
    output(
      this,
      "stateBucketArn",
      this.bucketArn,
      "ARN of the state bucket (grant read only to deployers: state holds secrets)",
    );
    output(
      this,
      "stateKmsKeyArn",
      this.kmsKeyArn,
      "KMS key of the state bucket's default encryption (plan roles: kms:Decrypt; deploy roles: kms:Decrypt + kms:GenerateDataKey)",
    );
  }
}
