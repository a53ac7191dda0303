import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import devConfig from "../../config/dev";
import { ConfigError, parseEnvConfig } from "../../config/schema";
import { ServiceRole } from "../../modules/service-role";
import { createStacks } from "../../stacks";
import { FcStack } from "../../stacks/fc-stack";
import { synthesizedEnvironment } from "../helpers/synth-once";
import { dataOf, onlyResource, resourcesOf, type TfJson } from "../helpers/terraform";

type Statement = { actions: string[]; resources: string[] };

/** prod's platform alone, and prod's platform plus a later stack whose role is granted on the stream. */
let baseline: TfJson;
let platform: TfJson;
let services: TfJson;
let dev: TfJson;

beforeAll(async () => {
  baseline = (await synthesizedEnvironment("prod")).stacks.platform!;
  dev = (await synthesizedEnvironment("dev")).stacks.platform!;

  const outdir = mkdtempSync(join(tmpdir(), "fc-logs-grant-"));
  const app = new App({ outdir });
  const stacks = createStacks(app, loadConfig("prod"));
  class ConsumerStack extends FcStack {}
  const consumer = new ConsumerStack(app, "consumer", { config: loadConfig("prod") });
  stacks.platform.logPipeline.grantPutRecords(
    new ServiceRole(consumer, "task", { name: "fc-prod-caller-task", assumedBy: "ecs-tasks.amazonaws.com" }),
  );
  app.synth();
  const read = (name: string) =>
    JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
  platform = read("platform");
  services = read("consumer");
});

describe("platform stack: log pipeline from config", () => {
  it("when prod is synthesized, then the stream takes prod's buffering and the bucket prod's lifecycle", () => {
    const stream = onlyResource(baseline, "aws_kinesis_firehose_delivery_stream");
    expect(stream).toMatchObject({
      name: "fc-prod-logs",
      extended_s3_configuration: { buffering_size: 128, buffering_interval: 300 },
      server_side_encryption: { key_arn: "${aws_kms_key.platform_key_key.arn}" },
    });
    const lifecycle = Object.values(resourcesOf(baseline, "aws_s3_bucket_lifecycle_configuration")).find((l) =>
      JSON.stringify(l).includes("transition-and-expire-current-versions"),
    )!;
    expect((lifecycle.rule as unknown[])[1]).toMatchObject({
      transition: [
        { days: 30, storage_class: "STANDARD_IA" },
        { days: 90, storage_class: "GLACIER" },
      ],
      expiration: [{ days: 400 }],
    });
  });

  it("when dev is synthesized, then its shorter interval, freshness threshold and retention apply", () => {
    expect(onlyResource(dev, "aws_kinesis_firehose_delivery_stream")).toMatchObject({
      extended_s3_configuration: { buffering_size: 64, buffering_interval: 60 },
    });
    expect(resourcesOf(dev, "aws_cloudwatch_metric_alarm").log_pipeline_freshness_alarm).toMatchObject({
      threshold: 300,
      alarm_actions: ["${aws_sns_topic.alarms_topic.arn}"],
    });
    expect(resourcesOf(dev, "aws_cloudwatch_log_group").log_pipeline_log_group).toMatchObject({
      retention_in_days: 14,
      kms_key_id: "${aws_kms_key.platform_key_key.arn}",
    });
  });

  it("when the bucket is named, then it carries the environment and the account (bucket names are global)", () => {
    expect(resourcesOf(baseline, "aws_s3_bucket").log_pipeline_bucket_bucket).toMatchObject({
      bucket: "fc-prod-logs-123456789012",
      lifecycle: { prevent_destroy: true },
    });
    // dev has no deletion protection: its logs bucket can be destroyed with the environment.
    expect(resourcesOf(dev, "aws_s3_bucket").log_pipeline_bucket_bucket).toMatchObject({
      bucket: "fc-dev-logs-210987654321",
      lifecycle: { prevent_destroy: false },
    });
  });

  it("when synthesized, then the stream name and ARN and the logs bucket are outputs with descriptions", () => {
    expect(baseline.output).toMatchObject({
      logDeliveryStreamName: {
        value: "${aws_kinesis_firehose_delivery_stream.log_pipeline_stream.name}",
        description: expect.stringMatching(/\w/),
      },
      logDeliveryStreamArn: {
        value: "${aws_kinesis_firehose_delivery_stream.log_pipeline_stream.arn}",
        description: expect.stringMatching(/\w/),
      },
      logsBucketName: {
        value: "${aws_s3_bucket.log_pipeline_bucket_bucket.bucket}",
        description: expect.stringMatching(/\w/),
      },
    });
  });
});

describe("grantPutRecords across stacks", () => {
  it("when a role in a later stack is granted, then it gets PutRecordBatch on exactly the stream's ARN through remote state", () => {
    const statements = dataOf(services, "aws_iam_policy_document").task_policy_document!.statement as Statement[];
    expect(statements).toHaveLength(1);
    expect(statements[0]!.actions).toEqual(["firehose:PutRecordBatch"]);
    const ref = /^\$\{data\.terraform_remote_state\.(\w+)\.outputs\.(\w+)\}$/.exec(statements[0]!.resources[0]!);
    expect(statements[0]!.resources).toHaveLength(1);
    expect(ref).not.toBeNull();
    const [, remote, outputName] = ref!;
    expect(dataOf(services, "terraform_remote_state")[remote!]).toMatchObject({
      backend: "s3",
      config: expect.objectContaining({ key: "prod/platform.tfstate" }),
    });
    // The output the services stack reads is the stream's ARN, nothing broader.
    expect(platform.output![outputName!]!.value).toBe(
      "${aws_kinesis_firehose_delivery_stream.log_pipeline_stream.arn}",
    );
  });

  it("when the grant is made, then the platform stack's resources and data are byte-identical (at most CDKTF's output is added)", () => {
    expect(platform.resource).toEqual(baseline.resource);
    expect(platform.data).toEqual(baseline.data);
    // The services stack already reads the stream's ARN (its task roles get the same grant), so a
    // further grant reuses that cross-stack output or adds one; it never adds anything else.
    const added = Object.keys(platform.output ?? {}).filter((k) => !(k in (baseline.output ?? {})));
    expect(added.length).toBeLessThanOrEqual(1);
    for (const name of added) expect(name).toMatch(/^cross_stack_output_/);
  });
});

describe("config: logs block", () => {
  const parse = (logs: Record<string, number>) => () =>
    parseEnvConfig("dev", { ...devConfig, logs: { ...devConfig.logs, ...logs } });

  it("when logs is omitted, then the documented defaults apply", () => {
    const withoutLogs: Record<string, unknown> = { ...devConfig };
    delete withoutLogs.logs;
    expect(parseEnvConfig("dev", withoutLogs).logs).toEqual({
      bufferSizeMiB: 64,
      bufferIntervalSec: 300,
      transitionToIaDays: 30,
      transitionToGlacierDays: 90,
      expirationDays: 365,
      freshnessAlarmSec: 900,
    });
  });

  it("when expiry comes before the transitions, then the error names logs.expirationDays, the value and the rule", () => {
    expect(parse({ expirationDays: 45 })).toThrow(ConfigError);
    expect(parse({ expirationDays: 45 })).toThrow(
      "logs.expirationDays: got 45; expected greater than transitionToGlacierDays (60): expiry comes after the transitions",
    );
  });

  it("when STANDARD_IA comes before 30 days, then the error names logs.transitionToIaDays", () => {
    expect(parse({ transitionToIaDays: 7 })).toThrow(
      "logs.transitionToIaDays: got 7; expected at least 30: S3 moves objects to STANDARD_IA no sooner than 30 days after creation",
    );
  });

  it("when the buffer size is out of range, then the error names logs.bufferSizeMiB and the value", () => {
    expect(parse({ bufferSizeMiB: 5 })).toThrow(/logs\.bufferSizeMiB: got 5; .*64/);
    expect(parse({ bufferSizeMiB: 256 })).toThrow(/logs\.bufferSizeMiB: got 256; .*128/);
    expect(parse({ bufferIntervalSec: 0 })).toThrow(/logs\.bufferIntervalSec: got 0; .*60/);
  });

  it("when the freshness threshold is below 1.5 × the buffer interval, then the error names logs.freshnessAlarmSec", () => {
    expect(parse({ bufferIntervalSec: 300, freshnessAlarmSec: 400 })).toThrow(
      "logs.freshnessAlarmSec: got 400; expected at least 1.5 × bufferIntervalSec (450)",
    );
  });

  it("when an unknown key is given, then it is rejected with the allowed keys", () => {
    expect(() => parseEnvConfig("dev", { ...devConfig, logs: { ...devConfig.logs, bufferSizeMb: 64 } })).toThrow(
      /logs\.bufferSizeMb: unknown key; allowed keys here: bufferSizeMiB, bufferIntervalSec/,
    );
  });
});
