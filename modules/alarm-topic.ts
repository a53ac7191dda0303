import { SnsTopic } from "@cdktn/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktn/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import type { KmsKey } from "./kms-key";
import { Validator } from "./lib/validate";

export interface AlarmTopicProps {
  readonly name: string;
  /** Key for server-side encryption; the topic adds the statement CloudWatch alarms need to its policy. */
  readonly kmsKey: KmsKey;
  /**
   * Email address subscribed to the topic (AWS sends a confirmation mail).
   * @default - no subscription
   */
  readonly email?: string;
}

/**
 * The statement CloudWatch needs to publish alarm notifications to a topic encrypted with a
 * customer key, exactly as AWS documents it (no conditions: CloudWatch's KMS call for alarm
 * actions is not documented to carry aws:SourceAccount, and a condition that does not match
 * drops notifications without a word):
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const CLOUDWATCH_ALARMS_KEY_STATEMENT = {
  sid: "AllowCloudWatchAlarmsToEncryptedTopic",
  effect: "Allow",
  principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
  actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
  resources: ["*"],
} as const;

/** The SNS topic every CloudWatch alarm of the environment notifies, encrypted with KMS. */
export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const v = new Validator(this);
    v.matches("name", props.name, /^[A-Za-z0-9_-]{1,256}$/, "1–256 of A-Z a-z 0-9 _ -");
    if (props.email !== undefined) {
      v.matches("email", props.email, /^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an email address");
    }
    props.kmsKey.addToResourcePolicy({
      ...CLOUDWATCH_ALARMS_KEY_STATEMENT,
      principals: CLOUDWATCH_ALARMS_KEY_STATEMENT.principals.map((p) => ({ ...p, identifiers: [...p.identifiers] })),
      actions: [...CLOUDWATCH_ALARMS_KEY_STATEMENT.actions],
      resources: [...CLOUDWATCH_ALARMS_KEY_STATEMENT.resources],
    });
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: props.kmsKey.arn });
    this.topicArn = this.topic.arn;
    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }
}
