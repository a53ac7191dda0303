import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktn/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktn/provider-aws/lib/data-aws-region";
import { TerraformStack } from "cdktn";
import { Construct } from "constructs";

/** Account, partition and region of the stack's provider, looked up once per stack. */
export class AwsContext extends Construct {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;

  /** The stack's single AwsContext, created on first use. */
  static of(scope: Construct): AwsContext {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild("aws-context");
    return existing instanceof AwsContext ? existing : new AwsContext(stack, "aws-context");
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.accountId = new DataAwsCallerIdentity(this, "identity").accountId;
    this.partition = new DataAwsPartition(this, "partition").partition;
    this.region = new DataAwsRegion(this, "region").region;
  }

  /** arn:<partition>:<service>:<region>:<account>:<resource> */
  arn(service: string, resource: string, opts: { region?: boolean } = {}): string {
    const region = opts.region === false ? "" : this.region;
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }
}
