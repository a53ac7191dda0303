import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { KmsKey } from "../modules/kms-key";
import { SecureBucket } from "../modules/secure-bucket";
import { FcStack } from "./fc-stack";
import { output } from "./outputs";

type StateConfig = NonNullable<EnvConfig["state"]>;

/**
 * Bootstrap: the bucket (and optional lock table) that holds every other stack's state.
 * It keeps its own state in a local backend, so it can be applied before the bucket exists.
 */
export class StateStack extends FcStack {
  readonly bucket: SecureBucket;
  readonly kmsKey: KmsKey;
  readonly lockTable?: DynamodbTable;

  constructor(scope: Construct, id: string, config: EnvConfig & { state: StateConfig }) {
    super(scope, id, { config, forceLocalBackend: true });
    const state = config.state;

    this.kmsKey = new KmsKey(this, "state-key", {
      alias: `${config.namePrefix}-tfstate`,
      description: `Terraform state of ${config.namePrefix}`,
    });
    this.bucket = new SecureBucket(this, "state-bucket", {
      bucketName: state.bucket,
      kmsKeyArn: this.kmsKey.arn,
      noncurrentVersionExpirationDays: state.noncurrentVersionExpirationDays,
    });

    if (state.dynamodbTable) {
      this.lockTable = new DynamodbTable(this, "lock-table", {
        name: state.dynamodbTable,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "LockID",
        attribute: [{ name: "LockID", type: "S" }],
        serverSideEncryption: { enabled: true, kmsKeyArn: this.kmsKey.arn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        lifecycle: { preventDestroy: true },
      });
      output(this, "lockTableName", this.lockTable.name, "DynamoDB lock table for Terraform < 1.10");
    }

    output(this, "stateBucketName", this.bucket.bucket.bucket, "S3 bucket holding every stack's Terraform state");
    output(
      this,
      "stateBucketArn",
      this.bucket.bucket.arn,
      "ARN of the state bucket (grant read only to deployers: state holds secrets)",
    );
    output(this, "stateKmsKeyArn", this.kmsKey.arn, "KMS key encrypting the state bucket");
  }
}
