import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { AlarmTopic } from "../modules/alarm-topic";
import { AwsContext } from "../modules/aws-context";
import { EcsCluster } from "../modules/ecs-cluster";
import { cloudWatchLogsPrincipal, KmsKey } from "../modules/kms-key";
import { LogPipeline, type LogPipelineAttributes } from "../modules/log-pipeline";
import { FcStack } from "./fc-stack";
import type { NetworkAttributes } from "./network";
import { output } from "./outputs";

export interface PlatformStackProps {
  readonly config: EnvConfig;
  readonly network: NetworkAttributes;
}

/** What later stacks read from the platform stack. */
export interface PlatformAttributes {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly namespaceArn: string;
  readonly namespaceName: string;
  /** The platform key; later stacks grant their roles on it (identity policies, never this key's policy). */
  readonly kmsKey: KmsKey;
  readonly alarmTopicArn: string;
  /** FireLens → Firehose → S3; services point their log routers at the stream and get grantPutRecords. */
  readonly logPipeline: LogPipelineAttributes;
}

/**
 * Shared runtime: ECS cluster with FARGATE/FARGATE_SPOT and the Service Connect namespace, the
 * platform KMS key, the alarm topic and the log pipeline (Firehose → S3). No security group lives here: each service has its own
 * (services stack) and joins the data stores' client groups (data stack), so no later stack ever
 * writes rules into this one.
 */
export class PlatformStack extends FcStack implements PlatformAttributes {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly namespaceArn: string;
  readonly namespaceName: string;
  readonly kmsKey: KmsKey;
  readonly alarmTopicArn: string;
  readonly logPipeline: LogPipelineAttributes;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, { config: props.config });
    const { config } = props;

    this.kmsKey = new KmsKey(this, "platform-key", {
      alias: `${config.namePrefix}-platform`,
      description: `Logs, alarms and data of ${config.namePrefix}`,
    });
    this.kmsKey.grantEncryptDecrypt(cloudWatchLogsPrincipal(this));
    const ecs = new EcsCluster(this, "ecs", {
      name: config.namePrefix,
      containerInsights: config.platform.containerInsights,
      capacityProviderStrategy: config.platform.capacityProviderStrategy,
      namespaceName: `${config.namePrefix}.internal`,
    });
    const alarms = new AlarmTopic(this, "alarms", {
      name: `${config.namePrefix}-alarms`,
      kmsKey: this.kmsKey,
      email: config.platform.alarmEmail,
    });
    this.clusterArn = ecs.clusterArn;
    this.clusterName = ecs.clusterName;
    this.namespaceArn = ecs.namespaceArn;
    this.namespaceName = ecs.namespaceName;
    this.alarmTopicArn = alarms.topicArn;

    // --- log pipeline (FireLens → Firehose → S3) ---
    const logs = new LogPipeline(this, "log-pipeline", {
      name: `${config.namePrefix}-logs`,
      // Bucket names are global: the account id keeps each account's copy of an environment apart.
      bucketName: `${config.namePrefix}-logs-${config.accountId ?? AwsContext.of(this).accountId}`,
      kmsKey: this.kmsKey,
      alarmTopicArn: this.alarmTopicArn,
      bufferSizeMiB: config.logs.bufferSizeMiB,
      bufferIntervalSec: config.logs.bufferIntervalSec,
      lifecycle: {
        transitionToIaDays: config.logs.transitionToIaDays,
        transitionToGlacierDays: config.logs.transitionToGlacierDays,
        expirationDays: config.logs.expirationDays,
      },
      freshnessAlarmSec: config.logs.freshnessAlarmSec,
      logRetentionDays: config.logRetentionDays,
      preventDestroy: config.deletionProtection,
    });
    this.logPipeline = logs;
    output(this, "logDeliveryStreamName", logs.deliveryStreamName, "Firehose stream the log routers write to");
    output(this, "logDeliveryStreamArn", logs.deliveryStreamArn, "ARN of the log delivery stream");
    output(this, "logsBucketName", logs.bucket.bucketName, "S3 bucket of the delivered logs (service/date prefixes)");
    // --- end log pipeline ---

    output(this, "clusterName", this.clusterName, "ECS cluster name");
    output(this, "clusterArn", this.clusterArn, "ECS cluster ARN");
    output(this, "capacityProviders", ecs.capacityProviders.capacityProviders, "Capacity providers of the cluster");
    output(this, "serviceConnectNamespaceArn", this.namespaceArn, "Cloud Map HTTP namespace (Service Connect default)");
    output(this, "serviceConnectNamespaceName", this.namespaceName, "Name of the Service Connect namespace");
    output(this, "platformKmsKeyArn", this.kmsKey.arn, "KMS key for logs, alarms and data");
    output(this, "alarmTopicArn", this.alarmTopicArn, "SNS topic every alarm notifies");
  }
}
