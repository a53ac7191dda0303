import { z } from "zod";

const amount = z.number().min(0);

/**
 * Usage assumptions of `npm run cost` (scripts/cost): what the synthesized Terraform cannot say,
 * such as traffic and log volumes. Every count the Terraform holds (tasks, nodes, ACUs, NAT
 * gateways, endpoints) is read from it instead. The estimate prints all of these.
 */
export const costSchema = z
  .strictObject({
    fargateSpotDiscountPercent: z
      .number()
      .min(0)
      .max(90)
      .default(70)
      .describe(
        'Share of the on-demand Fargate price that Fargate Spot saves; AWS says "up to 70 %" and Spot prices float.',
      ),
    requestsPerMonthMillions: amount
      .default(5)
      .describe("Requests per month reaching the load balancer (and its WAF), in millions."),
    albAverageLcu: amount.default(1).describe("Average load balancer capacity units (LCU) the ALB uses each hour."),
    natGbPerMonth: amount.default(20).describe("GB per month through the NAT gateways, all of them together."),
    vpcEndpointGbPerMonth: amount
      .default(10)
      .describe("GB per month through the interface VPC endpoints, all of them together."),
    firehoseGbPerMonth: amount
      .default(10)
      .describe("GB of app logs per month into each Firehose delivery stream (before compression)."),
    logCompressionRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(0.15)
      .describe("Size of GZIP log objects in S3 relative to the raw logs."),
    cloudwatchLogsGbPerGroup: amount
      .default(0.5)
      .describe("GB per month ingested by each CloudWatch log group that is not a flow-log or WAF-log group."),
    vpcFlowLogsGbPerMonth: amount.default(5).describe("GB per month of VPC flow logs delivered to CloudWatch Logs."),
    wafLogsGbPerMonth: amount.default(2).describe("GB per month of WAF logs delivered to CloudWatch Logs."),
    albAccessLogsGbPerMonth: amount
      .default(1)
      .describe("GB per month of ALB access logs written to S3 (already compressed by the ALB)."),
    monthsKeptWithoutExpiry: z
      .int()
      .min(1)
      .max(120)
      .default(12)
      .describe(
        "Months of data kept where nothing expires it (a bucket without expiration, a log group without retention).",
      ),
    s3OtherBucketGb: amount.default(1).describe("GB stored in every other bucket (Terraform state and the like)."),
    ecrGbPerRepository: amount.default(1).describe("GB of images in each ECR repository."),
    auroraStorageGb: amount.default(10).describe("GB stored in each Aurora cluster."),
    auroraIoMillionsPerMonth: amount
      .default(10)
      .describe("Aurora I/O requests per month per cluster, in millions (Aurora Standard bills them)."),
    traceSampledPercent: z
      .number()
      .min(0)
      .max(100)
      .default(100)
      .describe(
        "Share of requests recorded as X-Ray traces where tracing is on (the apps' default sampler records all).",
      ),
  })
  // Omitted: every default above.
  .prefault({});

export type CostAssumptions = z.output<typeof costSchema>;
