import { DynamodbTable } from "@cdktn/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { Validator } from "./lib/validate";

export interface StateLockTableProps {
  readonly name: string;
  /** Key for server-side encryption of the table. */
  readonly kmsKeyArn: string;
}

/**
 * DynamoDB lock table for Terraform < 1.10 (newer versions lock with use_lockfile in S3).
 * The S3 backend requires a string partition key named LockID.
 */
export class StateLockTable extends Construct {
  readonly table: DynamodbTable;
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: StateLockTableProps) {
    super(scope, id);
    new Validator(this).matches("name", props.name, /^[a-zA-Z0-9_.-]{3,255}$/, "3–255 of a-z A-Z 0-9 _ . -");
    this.table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      lifecycle: { preventDestroy: true },
    });
    this.tableName = this.table.name;
  }
}
