import { Testing, TerraformStack } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { logRouterConfigFile } from "../../fluent-bit/contract";
import { KmsKey } from "../../modules/kms-key";
import {
  ERROR_OBJECT_PREFIX,
  LOG_OBJECT_PREFIX,
  LogPipeline,
  PARTITION_FIELD,
  type LogPipelineProps,
} from "../../modules/log-pipeline";
import { SecureBucket } from "../../modules/secure-bucket";
import { ServiceRole } from "../../modules/service-role";
import { get, readClassicConfig } from "../fluent-bit/classic-config";
import { filterChain } from "../fluent-bit/filter-chain";
import { dataOf, onlyResource, resourcesOf, synthModule, type TfJson } from "../helpers/terraform";

type Statement = {
  sid?: string;
  effect?: string;
  actions: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
};
type Block = Record<string, unknown>;

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:fc-test-alarms";
const KEY_ARN = "${aws_kms_key.key_key.arn}";
const BUCKET_ARN = "${aws_s3_bucket.logs_bucket_bucket.arn}";
const STREAM_NAME = "${aws_kinesis_firehose_delivery_stream.logs_stream.name}";

function pipelineProps(scope: TerraformStack, overrides: Partial<LogPipelineProps> = {}): LogPipelineProps {
  return {
    name: "fc-test-logs",
    bucketName: "fc-test-logs-123456789012",
    kmsKey: new KmsKey(scope, "key", { alias: "fc-test", description: "test" }),
    alarmTopicArn: TOPIC,
    ...overrides,
  };
}

/** Builds a pipeline in a fresh stack and returns the error it throws. */
function pipelineError(overrides: Partial<LogPipelineProps>): string {
  const stack = new TerraformStack(Testing.app(), "test");
  try {
    new LogPipeline(stack, "logs", pipelineProps(stack, overrides));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected LogPipeline to throw");
}

describe("LogPipeline", () => {
  let json: TfJson;
  let stream: Block & { extended_s3_configuration: Block };
  let grants: Statement[];
  beforeAll(() => {
    json = synthModule((s) => {
      const pipeline = new LogPipeline(
        s,
        "logs",
        pipelineProps(s as TerraformStack, {
          bufferSizeMiB: 96,
          bufferIntervalSec: 120,
          freshnessAlarmSec: 600,
          logRetentionDays: 14,
          lifecycle: { transitionToIaDays: 45, transitionToGlacierDays: 100, expirationDays: 500 },
        }),
      );
      // A task role in the same stack, to read what grantPutRecords writes.
      pipeline.grantPutRecords(
        new ServiceRole(s, "task", { name: "fc-test-task", assumedBy: "ecs-tasks.amazonaws.com" }),
      );
    });
    stream = onlyResource(json, "aws_kinesis_firehose_delivery_stream") as typeof stream;
    grants = dataOf(json, "aws_iam_policy_document").logs_role_policy_document!.statement as Statement[];
  });

  describe("delivery stream", () => {
    it("when created, then it is a Direct PUT stream to the logs bucket, encrypted with the customer key", () => {
      expect(stream).toMatchObject({
        name: "fc-test-logs",
        destination: "extended_s3",
        server_side_encryption: { enabled: true, key_type: "CUSTOMER_MANAGED_CMK", key_arn: KEY_ARN },
      });
      expect(stream.kinesis_source_configuration).toBeUndefined();
      expect(stream.extended_s3_configuration).toMatchObject({
        bucket_arn: BUCKET_ARN,
        role_arn: "${aws_iam_role.logs_role_role.arn}",
        kms_key_arn: KEY_ARN,
      });
    });

    it("when created, then objects are GZIP and buffered by the configured size and interval", () => {
      expect(stream.extended_s3_configuration).toMatchObject({
        compression_format: "GZIP",
        buffering_size: 96,
        buffering_interval: 120,
      });
    });

    it("when created, then objects land under service and UTC hour, partitioned by a JQ query on the record", () => {
      const s3 = stream.extended_s3_configuration;
      expect(s3.prefix).toBe(LOG_OBJECT_PREFIX);
      expect(s3.prefix).toMatch(/^logs\/service=!\{partitionKeyFromQuery:service\}\/year=!\{timestamp:yyyy\}\//);
      expect(s3.dynamic_partitioning_configuration).toEqual({ enabled: true });
      expect(s3.processing_configuration).toEqual({
        enabled: true,
        processors: [
          {
            type: "MetadataExtraction",
            parameters: [
              { parameter_name: "MetadataExtractionQuery", parameter_value: "{service: .ecs_service}" },
              { parameter_name: "JsonParsingEngine", parameter_value: "JQ-1.6" },
            ],
          },
        ],
      });
      // Every partition key the prefix reads is one the query produces, and nothing else.
      const queryKeys = [..."{service: .ecs_service}".matchAll(/(\w+):/g)].map((m) => m[1]);
      const prefixKeys = [...String(s3.prefix).matchAll(/!\{partitionKeyFromQuery:(\w+)\}/g)].map((m) => m[1]);
      expect(prefixKeys).toEqual(queryKeys);
    });

    it("when records fail, then they go to an error prefix with the error type and no partition key", () => {
      const errors = String(stream.extended_s3_configuration.error_output_prefix);
      expect(errors).toBe(ERROR_OBJECT_PREFIX);
      expect(errors).toContain("!{firehose:error-output-type}");
      expect(errors).not.toContain("partitionKeyFrom");
      expect(errors.startsWith("logs/")).toBe(false);
    });

    it("when delivery fails, then Firehose logs it to a KMS-encrypted log group with the configured retention", () => {
      expect(stream.extended_s3_configuration.cloudwatch_logging_options).toEqual({
        enabled: true,
        log_group_name: "${aws_cloudwatch_log_group.logs_log_group.name}",
        log_stream_name: "${aws_cloudwatch_log_stream.logs_log_stream.name}",
      });
      expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
        name: "/aws/kinesisfirehose/fc-test-logs",
        retention_in_days: 14,
        kms_key_id: KEY_ARN,
      });
      expect(onlyResource(json, "aws_cloudwatch_log_stream")).toMatchObject({
        name: "DestinationDelivery",
        log_group_name: "${aws_cloudwatch_log_group.logs_log_group.name}",
      });
    });

    it("when created, then the stream waits for its role's grants (Firehose tries the role at creation)", () => {
      expect(stream.depends_on).toEqual(["aws_iam_role.logs_role_role", "aws_iam_role_policy.logs_role_policy"]);
    });
  });

  describe("the log router's records fit the partitioning", () => {
    const env = {
      ECS_SERVICE_NAME: "fc-dev-caller",
      FIREHOSE_DELIVERY_STREAM: "fc-dev-logs",
      FIREHOSE_REGION: "eu-west-1",
    };
    const wrap = (line: string) => ({ log: line, source: "stdout", container_name: "caller", ecs_cluster: "fc-dev" });
    const run = filterChain(logRouterConfigFile({ dropHealthChecks: true, logstash: false }), env);

    it("when a JSON line and a non-JSON crash line pass the router, then both carry the partition field as a string", () => {
      const json = run(
        "caller-firelens-3de392df",
        wrap('{"level":"error","message":"boom","service":"caller","timestamp":"2025-01-01T00:00:00.000Z"}'),
      );
      const crash = run("caller-firelens-3de392df", wrap("TypeError: x is not a function"));
      expect(json![PARTITION_FIELD]).toBe("fc-dev-caller");
      expect(crash![PARTITION_FIELD]).toBe("fc-dev-caller");
    });

    it("when the Firehose output is read, then it sends whole, uncompressed, unaggregated JSON records (what JQ parses)", () => {
      const output = readClassicConfig(logRouterConfigFile({ dropHealthChecks: true, logstash: false })).find(
        (s) => s.kind === "OUTPUT" && get(s, "Name") === "kinesis_firehose",
      )!;
      // compression would hand JQ gzip bytes; simple_aggregation packs many records in one;
      // log_key would send a bare string instead of the JSON object.
      for (const key of ["compression", "simple_aggregation", "log_key"]) expect(get(output, key), key).toBeUndefined();
    });
  });

  describe("delivery role", () => {
    it("when created, then only Firehose may assume it, pinned to this account by sts:ExternalId as Firehose documents", () => {
      const trust = dataOf(json, "aws_iam_policy_document").logs_role_trust!.statement as Statement[];
      expect(trust).toEqual([
        expect.objectContaining({
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["firehose.amazonaws.com"] }],
          condition: [expect.objectContaining({ variable: "sts:ExternalId" })],
        }),
      ]);
    });

    it("when granted, then it gets the S3 actions Firehose documents, on this bucket only", () => {
      expect(grants.find((g) => g.sid === "FindBucket")).toMatchObject({
        actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
        resources: [BUCKET_ARN],
      });
      expect(grants.find((g) => g.sid === "WriteObjects")).toMatchObject({
        actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
        resources: [`${BUCKET_ARN}/*`],
      });
    });

    it("when granted, then it may use the key only through S3 and for this bucket", () => {
      const kms = grants.find((g) => g.sid === "EncryptObjectsThroughS3")!;
      expect(kms.actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
      expect(kms.resources).toEqual([KEY_ARN]);
      expect(kms.condition).toEqual([
        {
          test: "StringEquals",
          variable: "kms:ViaService",
          values: [expect.stringMatching(/^s3\.\$\{data\.aws_region\.[\w-]+\.region\}\.amazonaws\.com$/)],
        },
        { test: "StringLike", variable: "kms:EncryptionContext:aws:s3:arn", values: [BUCKET_ARN, `${BUCKET_ARN}/*`] },
      ]);
    });

    it("when granted, then it writes delivery errors to its own log stream only", () => {
      expect(grants.find((g) => g.sid === "LogDeliveryErrors")).toMatchObject({
        actions: ["logs:PutLogEvents"],
        resources: ["${aws_cloudwatch_log_stream.logs_log_stream.arn}"],
      });
    });

    it("when any statement is read, then no action is a wildcard and every resource is an ARN of ours", () => {
      expect(grants.map((g) => g.sid)).toEqual([
        "FindBucket",
        "WriteObjects",
        "EncryptObjectsThroughS3",
        "LogDeliveryErrors",
      ]);
      for (const g of grants) {
        expect(g.effect ?? "Allow").toBe("Allow");
        for (const a of g.actions) expect(a, g.sid).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
        for (const r of g.resources ?? []) expect(r, g.sid).toMatch(/^\$\{aws_[a-z0-9_]+\.[a-z0-9_]+\.arn\}(\/\*)?$/);
      }
    });
  });

  describe("grantPutRecords", () => {
    it("when a role is granted, then it may call PutRecordBatch on this stream only (what the router's plugin calls)", () => {
      expect(dataOf(json, "aws_iam_policy_document").task_policy_document!.statement).toEqual([
        {
          sid: "PutLogRecords",
          actions: ["firehose:PutRecordBatch"],
          resources: ["${aws_kinesis_firehose_delivery_stream.logs_stream.arn}"],
        },
      ]);
    });
  });

  describe("logs bucket", () => {
    it("when created, then it is a SecureBucket: SSE-KMS with the key, versioned, public access blocked, TLS only", () => {
      expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({ bucket: "fc-test-logs-123456789012" });
      expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN } }],
      });
      expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({
        versioning_configuration: { status: "Enabled" },
      });
      expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toEqual(
        expect.objectContaining({
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        }),
      );
      const tls = (dataOf(json, "aws_iam_policy_document").logs_bucket_policy_document!.statement as Statement[])[0]!;
      expect(tls).toMatchObject({ sid: "DenyInsecureTransport", effect: "Deny" });
    });

    it("when created, then one lifecycle configuration holds the noncurrent rule and IA → Glacier → expiry from props", () => {
      expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
        expect.objectContaining({
          id: "expire-noncurrent-versions",
          noncurrent_version_expiration: [{ noncurrent_days: 90 }],
          expiration: [{ expired_object_delete_marker: true }],
        }),
        {
          id: "transition-and-expire-current-versions",
          status: "Enabled",
          filter: [{}],
          transition: [
            { days: 45, storage_class: "STANDARD_IA" },
            { days: 100, storage_class: "GLACIER" },
          ],
          expiration: [{ days: 500 }],
        },
      ]);
    });
  });

  describe("alarms", () => {
    const alarms = () => Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm"));

    it("when created, then delivery failures, stale data and throttling each page the alarm topic", () => {
      expect(alarms().map((a) => a.metric_name)).toEqual([
        "DeliveryToS3.Success",
        "DeliveryToS3.DataFreshness",
        "ThrottledRecords",
      ]);
      for (const a of alarms()) {
        expect(a).toMatchObject({
          namespace: "AWS/Firehose",
          dimensions: { DeliveryStreamName: STREAM_NAME },
          alarm_actions: [TOPIC],
          ok_actions: [TOPIC],
          treat_missing_data: "notBreaching",
        });
      }
    });

    it("when any S3 put fails, then the delivery alarm fires (minimum success ratio below 1)", () => {
      expect(alarms()[0]).toMatchObject({
        alarm_name: "fc-test-logs-delivery-failed",
        statistic: "Minimum",
        comparison_operator: "LessThanThreshold",
        threshold: 1,
      });
    });

    it("when the oldest undelivered record is older than the configured threshold, then the freshness alarm fires", () => {
      expect(alarms()[1]).toMatchObject({
        alarm_name: "fc-test-logs-data-freshness",
        statistic: "Maximum",
        comparison_operator: "GreaterThanThreshold",
        threshold: 600,
      });
    });
  });

  describe("defaults", () => {
    it("when only the required props are given, then 64 MiB / 300 s, 30/90/365 days, a 900 s freshness alarm", () => {
      const plain = synthModule((s) => new LogPipeline(s, "logs", pipelineProps(s as TerraformStack)));
      const s3 = (onlyResource(plain, "aws_kinesis_firehose_delivery_stream") as typeof stream)
        .extended_s3_configuration;
      expect(s3).toMatchObject({ buffering_size: 64, buffering_interval: 300 });
      const rules = onlyResource(plain, "aws_s3_bucket_lifecycle_configuration").rule as Block[];
      expect(rules[1]).toMatchObject({
        transition: [
          { days: 30, storage_class: "STANDARD_IA" },
          { days: 90, storage_class: "GLACIER" },
        ],
        expiration: [{ days: 365 }],
      });
      const freshness = Object.values(resourcesOf(plain, "aws_cloudwatch_metric_alarm"))[1]!;
      expect(freshness.threshold).toBe(900);
      expect(onlyResource(plain, "aws_s3_bucket").lifecycle).toEqual({ prevent_destroy: true });
    });
  });

  describe("validation", () => {
    it("when the buffer size is outside dynamic partitioning's 64–128 MiB, then the error names bufferSizeMiB", () => {
      expect(pipelineError({ bufferSizeMiB: 32 })).toBe(
        "LogPipeline test/logs: bufferSizeMiB must be an integer from 64 to 128, got 32",
      );
      expect(pipelineError({ bufferSizeMiB: 129 })).toMatch(
        /: bufferSizeMiB must be an integer from 64 to 128, got 129$/,
      );
    });

    it("when the buffer interval is below 60 s (zero buffering) or above 900 s, then the error names bufferIntervalSec", () => {
      expect(pipelineError({ bufferIntervalSec: 0 })).toBe(
        "LogPipeline test/logs: bufferIntervalSec must be an integer from 60 to 900, got 0",
      );
      expect(pipelineError({ bufferIntervalSec: 901 })).toMatch(
        /bufferIntervalSec must be an integer from 60 to 900, got 901$/,
      );
    });

    it("when the freshness threshold is below 1.5 × the buffer interval, then the error names freshnessAlarmSec", () => {
      expect(pipelineError({ bufferIntervalSec: 600, freshnessAlarmSec: 800 })).toBe(
        "LogPipeline test/logs: freshnessAlarmSec must be at least 1.5 × bufferIntervalSec (900): partitioned delivery takes up to that long when healthy, got 800",
      );
    });

    it("when expiry comes before the transitions, then the error names the bucket's expirationDays", () => {
      expect(
        pipelineError({ lifecycle: { transitionToIaDays: 30, transitionToGlacierDays: 90, expirationDays: 60 } }),
      ).toBe(
        "SecureBucket test/logs/bucket: currentVersionLifecycle.expirationDays must be greater than transitionToGlacierDays (90): expiry comes after the transitions, got 60",
      );
    });

    it("when the retention is not a CloudWatch value or the name is too long, then the error names the prop", () => {
      expect(pipelineError({ logRetentionDays: 10 })).toMatch(
        /^LogPipeline test\/logs: logRetentionDays must be one of 1, 3, 5,/,
      );
      expect(pipelineError({ name: "x".repeat(51) })).toMatch(/: name must be 1–50 of A-Z a-z 0-9 _ \. -, got "x+"$/);
    });
  });
});

describe("SecureBucket current-version lifecycle", () => {
  const KEY = "arn:aws:kms:eu-west-1:123456789012:key/x";
  const bucketError = (currentVersionLifecycle: Record<string, number>): string => {
    const stack = new TerraformStack(Testing.app(), "test");
    try {
      new SecureBucket(stack, "b", {
        bucketName: "fc-test-b",
        encryption: { type: "kms", kmsKeyArn: KEY },
        currentVersionLifecycle,
      });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected SecureBucket to throw");
  };

  it("when no current-version lifecycle is given, then the bucket keeps its single noncurrent rule unchanged", () => {
    const json = synthModule(
      (s) => new SecureBucket(s, "b", { bucketName: "fc-test-b", encryption: { type: "kms", kmsKeyArn: KEY } }),
    );
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
  });

  it("when only expiry is given, then the rule expires current versions with no transition", () => {
    const json = synthModule(
      (s) =>
        new SecureBucket(s, "b", {
          bucketName: "fc-test-b",
          encryption: { type: "kms", kmsKeyArn: KEY },
          currentVersionLifecycle: { expirationDays: 7 },
        }),
    );
    const rules = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as Block[];
    expect(rules[1]).toEqual({
      id: "transition-and-expire-current-versions",
      status: "Enabled",
      filter: [{}],
      expiration: [{ days: 7 }],
    });
  });

  it("when STANDARD_IA comes before 30 days, then the error names transitionToIaDays", () => {
    expect(bucketError({ transitionToIaDays: 14 })).toBe(
      "SecureBucket test/b: currentVersionLifecycle.transitionToIaDays must be at least 30: S3 moves objects to STANDARD_IA no sooner than 30 days after creation, got 14",
    );
  });

  it("when GLACIER comes less than 30 days after STANDARD_IA, then the error names transitionToGlacierDays", () => {
    expect(bucketError({ transitionToIaDays: 30, transitionToGlacierDays: 45 })).toMatch(
      /: currentVersionLifecycle\.transitionToGlacierDays must be at least 60 \(transitionToIaDays \+ 30\): .*, got 45$/,
    );
  });

  it("when expiry equals the only transition, then the error names expirationDays and the transition", () => {
    expect(bucketError({ transitionToIaDays: 30, expirationDays: 30 })).toBe(
      "SecureBucket test/b: currentVersionLifecycle.expirationDays must be greater than transitionToIaDays (30): expiry comes after the transitions, got 30",
    );
  });

  it("when a day count is not a positive integer, then the error names it", () => {
    expect(bucketError({ expirationDays: 0 })).toMatch(
      /: currentVersionLifecycle\.expirationDays must be an integer from 1 to 36500, got 0$/,
    );
  });
});
