import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";

export interface AlarmTopicProps {
  readonly name: string;
  /** KMS key for server-side encryption; its policy must let cloudwatch.amazonaws.com use it. */
  readonly kmsKeyArn: string;
  /**
   * Email address subscribed to the topic (AWS sends a confirmation mail).
   * @default - no subscription
   */
  readonly email?: string;
}

/** The SNS topic every CloudWatch alarm of the environment notifies, encrypted with KMS. */
export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      throw new Error(`AlarmTopic ${id}: email must be an email address, got "${props.email}"`);
    }
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: props.kmsKeyArn });
    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }
}
