import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktn/provider-aws/lib/cloudwatch-log-stream";
import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { KinesisFirehoseDeliveryStream } from "@cdktn/provider-aws/lib/kinesis-firehose-delivery-stream";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";
import type { KmsKey } from "./kms-key";
import type { CurrentVersionLifecycle } from "./lib/bucket-lifecycle";
import {
  FIREHOSE_BUFFER_INTERVAL_SEC,
  FIREHOSE_BUFFER_SIZE_MIB,
  FIREHOSE_FRESHNESS_ALARM_SEC,
  minFreshnessAlarmSec,
} from "./lib/firehose-limits";
import type { Grant, Grantable } from "./lib/iam";
import { LOG_RETENTION_DAYS } from "./lib/log-retention";
import { Validator } from "./lib/validate";
import { SecureBucket } from "./secure-bucket";
import { ServiceRole } from "./service-role";

/** What later stacks need from the log pipeline: the stream to point the log routers at, and a grant. */
export interface LogPipelineAttributes {
  readonly deliveryStreamName: string;
  readonly deliveryStreamArn: string;
  /**
   * Gives a role firehose:PutRecordBatch on this stream only, through the role's own policy (the
   * stream's stack is never modified). That is the only call the kinesis_firehose output plugin makes.
   */
  grantPutRecords(role: Grantable): Grant;
}

/** The actions a log router needs: fluent-bit's kinesis_firehose plugin sends only PutRecordBatch. */
export const PUT_RECORDS_ACTIONS = ["firehose:PutRecordBatch"] as const;

/**
 * The record field the stream partitions on. fluent-bit/config/filters.conf adds `ecs_service` to
 * every record (a line that is not JSON still travels as a JSON record with `log` and this field).
 */
export const PARTITION_FIELD = "ecs_service";

/** Object keys: Hive-style, so Athena (partition projection) reads service and date from the path. */
export const LOG_OBJECT_PREFIX =
  "logs/service=!{partitionKeyFromQuery:service}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";
/**
 * Records Firehose cannot partition or deliver. With dynamic partitioning an error prefix is
 * mandatory, must carry !{firehose:error-output-type} and cannot use partition keys
 * (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html,
 * https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-error-handling.html).
 */
export const ERROR_OBJECT_PREFIX =
  "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";

export interface LogPipelineProps {
  /** Name of the delivery stream, and prefix of its role, log group and alarm names (1–50 of A-Z a-z 0-9 _ . -). */
  readonly name: string;
  /** Name of the logs bucket (globally unique). */
  readonly bucketName: string;
  /** Customer key for the stream (SSE), the bucket (SSE-KMS) and the delivery-error log group. */
  readonly kmsKey: KmsKey;
  /** SNS topic the delivery alarms notify. */
  readonly alarmTopicArn: string;
  /**
   * Firehose buffer size before an object is written, 64–128 MiB (dynamic partitioning's range).
   * @default 64
   */
  readonly bufferSizeMiB?: number;
  /**
   * Firehose buffer interval before an object is written, 60–900 s.
   * @default 300
   */
  readonly bufferIntervalSec?: number;
  /**
   * Transitions and expiry of the log objects.
   * @default - STANDARD_IA after 30 days, GLACIER after 90, expiry after 365
   */
  readonly lifecycle?: CurrentVersionLifecycle;
  /**
   * DeliveryToS3.DataFreshness (s) above which the freshness alarm fires; at least 1.5 × bufferIntervalSec.
   * @default 900 (AWS's advice: alarm when freshness passes the 15-minute buffering limit)
   */
  readonly freshnessAlarmSec?: number;
  /**
   * Retention of the delivery-error log group (a CloudWatch Logs retention value).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Refuse `terraform destroy` of the logs bucket.
   * @default true
   */
  readonly preventDestroy?: boolean;
}

const DEFAULT_LIFECYCLE: CurrentVersionLifecycle = {
  transitionToIaDays: 30,
  transitionToGlacierDays: 90,
  expirationDays: 365,
};

/**
 * FireLens → Firehose → S3: a delivery stream (KMS SSE, GZIP, dynamic partitioning by service and
 * hour, error prefix, delivery errors in CloudWatch Logs) writing to a SecureBucket with a lifecycle,
 * a delivery role scoped to that bucket, key and log stream, and alarms on failed deliveries,
 * throttling and stale data.
 */
export class LogPipeline extends Construct implements LogPipelineAttributes {
  readonly bucket: SecureBucket;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly stream: KinesisFirehoseDeliveryStream;
  readonly alarms: readonly CloudwatchMetricAlarm[];
  readonly deliveryStreamName: string;
  readonly deliveryStreamArn: string;

  constructor(scope: Construct, id: string, props: LogPipelineProps) {
    super(scope, id);
    const bufferSizeMiB = props.bufferSizeMiB ?? 64;
    const bufferIntervalSec = props.bufferIntervalSec ?? 300;
    const freshnessAlarmSec = props.freshnessAlarmSec ?? 900;
    const logRetentionDays = props.logRetentionDays ?? 30;
    const v = new Validator(this);
    // The role name adds "-firehose" (IAM: 64 characters at most).
    v.matches("name", props.name, /^[A-Za-z0-9_.-]{1,50}$/, "1–50 of A-Z a-z 0-9 _ . -");
    v.int("bufferSizeMiB", bufferSizeMiB, FIREHOSE_BUFFER_SIZE_MIB);
    v.int("bufferIntervalSec", bufferIntervalSec, FIREHOSE_BUFFER_INTERVAL_SEC);
    v.int("freshnessAlarmSec", freshnessAlarmSec, FIREHOSE_FRESHNESS_ALARM_SEC);
    v.check(
      freshnessAlarmSec >= minFreshnessAlarmSec(bufferIntervalSec),
      "freshnessAlarmSec",
      freshnessAlarmSec,
      `at least 1.5 × bufferIntervalSec (${minFreshnessAlarmSec(bufferIntervalSec)}): partitioned delivery takes up to that long when healthy`,
    );
    v.oneOf("logRetentionDays", logRetentionDays, LOG_RETENTION_DAYS);
    v.nonEmpty("alarmTopicArn", props.alarmTopicArn);
    const ctx = AwsContext.of(this);

    this.bucket = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      encryption: { type: "kms", kmsKeyArn: props.kmsKey.arn },
      currentVersionLifecycle: props.lifecycle ?? DEFAULT_LIFECYCLE,
      preventDestroy: props.preventDestroy ?? true,
    });

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/kinesisfirehose/${props.name}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: props.kmsKey.arn,
    });
    const logStream = new CloudwatchLogStream(this, "log-stream", {
      name: "DestinationDelivery",
      logGroupName: this.logGroup.name,
    });

    this.role = new ServiceRole(this, "role", {
      name: `${props.name}-firehose`,
      assumedBy: "firehose.amazonaws.com",
      description: `Firehose ${props.name} delivers to ${props.bucketName}`,
      // Firehose's documented trust pins the account with sts:ExternalId.
      trustCondition: "external-id",
    });
    this.grantDelivery(props, logStream, ctx);

    this.stream = new KinesisFirehoseDeliveryStream(this, "stream", {
      name: props.name,
      destination: "extended_s3",
      // Firehose creates a KMS grant for itself with the deployer's credentials; producers need no
      // KMS permission (https://docs.aws.amazon.com/firehose/latest/APIReference/API_DeliveryStreamEncryptionConfigurationInput.html).
      serverSideEncryption: { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: props.kmsKey.arn },
      extendedS3Configuration: {
        roleArn: this.role.arn,
        bucketArn: this.bucket.bucketArn,
        // Objects are written with this key explicitly, so the bucket policy's SSE checks always pass.
        kmsKeyArn: props.kmsKey.arn,
        compressionFormat: "GZIP",
        bufferingSize: bufferSizeMiB,
        bufferingInterval: bufferIntervalSec,
        prefix: LOG_OBJECT_PREFIX,
        errorOutputPrefix: ERROR_OBJECT_PREFIX,
        // The router sends one JSON object per record, already newline-terminated (the
        // kinesis_firehose plugin appends "\n"), so JQ can read it and no delimiter processor is needed.
        dynamicPartitioningConfiguration: { enabled: true },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: "MetadataExtraction",
              parameters: [
                { parameterName: "MetadataExtractionQuery", parameterValue: `{service: .${PARTITION_FIELD}}` },
                { parameterName: "JsonParsingEngine", parameterValue: "JQ-1.6" },
              ],
            },
          ],
        },
        cloudwatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.name,
          logStreamName: logStream.name,
        },
      },
      // Firehose tries the role when the stream is created: its grants must exist by then.
      dependsOn: this.role.dependables(),
    });
    this.deliveryStreamName = this.stream.name;
    this.deliveryStreamArn = this.stream.arn;

    this.alarms = this.createAlarms(props.name, props.alarmTopicArn, freshnessAlarmSec);
  }

  grantPutRecords(role: Grantable): Grant {
    return role.addToPrincipalPolicy({
      sid: "PutLogRecords",
      actions: [...PUT_RECORDS_ACTIONS],
      resources: [this.deliveryStreamArn],
    });
  }

  /** What the delivery role may do: the S3 actions Firehose documents, on this bucket only; the key through S3 only; its own log stream. */
  private grantDelivery(props: LogPipelineProps, logStream: CloudwatchLogStream, ctx: AwsContext): void {
    // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
    this.role.addToPrincipalPolicy({
      sid: "FindBucket",
      actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      resources: [this.bucket.bucketArn],
    });
    this.role.addToPrincipalPolicy({
      sid: "WriteObjects",
      actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
      resources: [`${this.bucket.bucketArn}/*`],
    });
    // With an S3 bucket key the encryption context is the bucket ARN (not the object's).
    this.role.addToPrincipalPolicy({
      sid: "EncryptObjectsThroughS3",
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: [props.kmsKey.arn],
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${ctx.region}.amazonaws.com`] },
        {
          test: "StringLike",
          variable: "kms:EncryptionContext:aws:s3:arn",
          values: [this.bucket.bucketArn, `${this.bucket.bucketArn}/*`],
        },
      ],
    });
    this.role.addToPrincipalPolicy({
      sid: "LogDeliveryErrors",
      actions: ["logs:PutLogEvents"],
      resources: [logStream.arn],
    });
  }

  private createAlarms(name: string, topicArn: string, freshnessAlarmSec: number): CloudwatchMetricAlarm[] {
    const common = {
      namespace: "AWS/Firehose",
      dimensions: { DeliveryStreamName: this.stream.name },
      period: 300,
      evaluationPeriods: 1,
      // No deliveries means no data points: quiet, not broken.
      treatMissingData: "notBreaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    };
    return [
      // Share of successful S3 puts: below 1 means some objects were not written (after retries).
      new CloudwatchMetricAlarm(this, "delivery-failed-alarm", {
        ...common,
        alarmName: `${name}-delivery-failed`,
        alarmDescription: `Firehose ${name} failed to write objects to S3 (see the delivery-error log group)`,
        metricName: "DeliveryToS3.Success",
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
      }),
      // Age of the oldest record not yet in S3 (AWS's first recommended Firehose alarm).
      new CloudwatchMetricAlarm(this, "freshness-alarm", {
        ...common,
        alarmName: `${name}-data-freshness`,
        alarmDescription: `Records of Firehose ${name} waited more than ${freshnessAlarmSec} s for S3`,
        metricName: "DeliveryToS3.DataFreshness",
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: freshnessAlarmSec,
      }),
      // Throttled PutRecordBatch records: the routers retry, then drop (Retry_Limit), so logs are lost.
      new CloudwatchMetricAlarm(this, "throttled-alarm", {
        ...common,
        alarmName: `${name}-throttled-records`,
        alarmDescription: `Firehose ${name} throttled incoming records (log routers may drop them)`,
        metricName: "ThrottledRecords",
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
      }),
    ];
  }
}
