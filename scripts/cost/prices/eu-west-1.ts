import type { PriceTableInput } from "../price-table";

// EU (Ireland) on-demand list prices in USD, without tax, free tier or discounts.
// `confirmed: true`: the figure was read for eu-west-1 from an AWS source (the pricing page, an AWS
// Price List offer file, or an eu-west-1 bill's rate). AWS renders regional figures on its pricing
// pages with JavaScript, so several could not be read offline when this table was written: those
// are `confirmed: false` and their note says where the figure comes from. Check them before
// trusting the estimate to the cent (docs/cost.md, "Updating prices").

const FARGATE = "https://aws.amazon.com/fargate/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/";
const AURORA = "https://aws.amazon.com/rds/aurora/pricing/";
const ELASTICACHE = "https://aws.amazon.com/elasticache/pricing/";
const FIREHOSE = "https://aws.amazon.com/firehose/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const KMS = "https://aws.amazon.com/kms/pricing/";
const WAF = "https://aws.amazon.com/waf/pricing/";
const SECRETS = "https://aws.amazon.com/secrets-manager/pricing/";
const S3 = "https://aws.amazon.com/s3/pricing/";
const ECR = "https://aws.amazon.com/ecr/pricing/";
const XRAY = "https://aws.amazon.com/xray/pricing/";
const SSM = "https://aws.amazon.com/systems-manager/pricing/";

const EU_BILL = "matches the rate of an eu-west-1 bill (Cost Explorer usage type";
const NODE_NOTE =
  "Redis OSS on-demand, eu-west-1 page not readable offline: the us-east-1 Price List figure (read 2026-10-02) times " +
  "~1.11, the usual eu-west-1/us-east-1 ratio of ElastiCache node prices; rounded to 3 decimals";

export default {
  region: "eu-west-1",
  currency: "USD",
  asOf: "2026-12-03",
  hoursPerMonth: 730,
  prices: {
    "fargate.x86.vcpu-hour": {
      usd: 0.04048,
      unit: "vCPU-hour",
      source: FARGATE,
      confirmed: true,
      note: `Linux/x86; ${EU_BILL} EU-Fargate-vCPU-Hours:perCPU, 148 vCPU-h for $6.01); same figure as us-east-1`,
    },
    "fargate.x86.gb-hour": {
      usd: 0.004445,
      unit: "GB-hour",
      source: FARGATE,
      confirmed: true,
      note: `Linux/x86; ${EU_BILL} EU-Fargate-GB-Hours, 297 GB-h for $1.32)`,
    },
    "fargate.arm.vcpu-hour": {
      usd: 0.03238,
      unit: "vCPU-hour",
      source: FARGATE,
      confirmed: false,
      note: "Linux/ARM; the us-east-1 figure, which third-party comparisons give for eu-west-1 as well",
    },
    "fargate.arm.gb-hour": {
      usd: 0.00356,
      unit: "GB-hour",
      source: FARGATE,
      confirmed: false,
      note: "Linux/ARM; the us-east-1 figure, which third-party comparisons give for eu-west-1 as well",
    },
    "fargate.ephemeral-storage.gb-hour": {
      usd: 0.000111,
      unit: "GB-hour above the free 20 GB",
      source: FARGATE,
      confirmed: false,
      note: "the us-east-1 figure; no eu-west-1 source could be read offline",
    },
    "alb.hour": {
      usd: 0.0252,
      unit: "ALB-hour",
      source: ELB,
      confirmed: true,
      note: `${EU_BILL} EU-LoadBalancerUsage, 595 h for $15.00)`,
    },
    "alb.lcu-hour": {
      usd: 0.008,
      unit: "LCU-hour",
      source: ELB,
      confirmed: true,
      note: "EU-LCUUsage as read from the AWS Price List for eu-west-1 by public price-list clients",
    },
    "nat.hour": {
      usd: 0.048,
      unit: "NAT gateway-hour",
      source: VPC,
      confirmed: true,
      note: "EU-NatGateway-Hours, AWS Price List AmazonEC2 offer for eu-west-1 (publication 2026-09-25)",
    },
    "nat.gb": {
      usd: 0.048,
      unit: "GB processed",
      source: VPC,
      confirmed: true,
      note: "EU-NatGateway-Bytes, AWS Price List AmazonEC2 offer for eu-west-1 (publication 2026-09-25)",
    },
    "public-ipv4.hour": {
      usd: 0.005,
      unit: "public IPv4 address-hour",
      source: VPC,
      confirmed: true,
      note: "EU-PublicIPv4:InUseAddress; the page gives one rate for every region",
    },
    "vpc-endpoint.interface.az-hour": {
      usd: 0.01,
      unit: "endpoint-AZ-hour",
      source: PRIVATELINK,
      confirmed: false,
      note:
        "derived from published eu-west-1 bills (EU-VpcEndpoint-Hours: $352.42 for 34,824 endpoint-AZ-hours = $0.0101); " +
        "some sources give $0.011 for eu-west-1; the page's regional table was not readable offline",
    },
    "vpc-endpoint.interface.gb": {
      usd: 0.01,
      unit: "GB processed",
      source: PRIVATELINK,
      confirmed: true,
      note: "first 1 PB per month in the region (the page's tier table)",
    },
    "aurora.serverless-v2.acu-hour": {
      usd: 0.14,
      unit: "ACU-hour",
      source: AURORA,
      confirmed: false,
      note: "Aurora Standard; EU-Aurora:ServerlessV2Usage as quoted from the Price List by public price-list clients (us-east-1: $0.12)",
    },
    "aurora.storage.gb-month": {
      usd: 0.11,
      unit: "GB-month",
      source: AURORA,
      confirmed: false,
      note: "Aurora Standard storage; not readable offline (us-east-1: $0.10)",
    },
    "aurora.io.million": {
      usd: 0.22,
      unit: "1M I/O requests",
      source: AURORA,
      confirmed: false,
      note: "Aurora Standard I/O; not readable offline (us-east-1: $0.20)",
    },
    "firehose.ingest.gb": {
      usd: 0.031,
      unit: "GB ingested (Direct PUT)",
      source: FIREHOSE,
      confirmed: false,
      note: "first 500 TB/month; each record is rounded up to 5 KB before billing (not modelled); not readable offline (us-east-1: $0.029)",
    },
    "firehose.dynamic-partitioning.gb": {
      usd: 0.02,
      unit: "GB processed by dynamic partitioning",
      source: FIREHOSE,
      confirmed: false,
      note: "the us-east-1 figure; not readable offline for eu-west-1",
    },
    "firehose.dynamic-partitioning.1000-objects": {
      usd: 0.005,
      unit: "1,000 S3 objects delivered",
      source: FIREHOSE,
      confirmed: false,
      note: "the us-east-1 figure; not readable offline for eu-west-1",
    },
    "logs.ingest.gb": {
      usd: 0.57,
      unit: "GB ingested",
      source: CLOUDWATCH,
      confirmed: true,
      note: "Standard log class; AWS Price List AmazonCloudWatch offer for eu-west-1 (publication 2026-09-22); vended logs (flow, WAF) start at the same rate",
    },
    "logs.storage.gb-month": {
      usd: 0.03,
      unit: "GB-month archived",
      source: CLOUDWATCH,
      confirmed: true,
      note: "AWS Price List AmazonCloudWatch offer for eu-west-1 (publication 2026-09-22); billed on compressed size",
    },
    "cloudwatch.alarm.metric-month": {
      usd: 0.1,
      unit: "alarm metric-month (standard resolution)",
      source: CLOUDWATCH,
      confirmed: true,
      note: "AWS Price List AmazonCloudWatch offer for eu-west-1 (publication 2026-09-22)",
    },
    "cloudwatch.alarm.high-resolution.metric-month": {
      usd: 0.3,
      unit: "alarm metric-month (period under 60 s)",
      source: CLOUDWATCH,
      confirmed: false,
      note: "the page's list price, not re-read for eu-west-1 offline",
    },
    "cloudwatch.composite-alarm.month": {
      usd: 0.5,
      unit: "composite alarm-month",
      source: CLOUDWATCH,
      confirmed: false,
      note: "the page's list price, not re-read for eu-west-1 offline",
    },
    "cloudwatch.custom-metric.month": {
      usd: 0.3,
      unit: "custom metric-month",
      source: CLOUDWATCH,
      confirmed: false,
      note: "first 10,000 metrics; billed only for hours in which the metric receives data; not re-read for eu-west-1 offline",
    },
    "cloudwatch.dashboard.month": {
      usd: 3,
      unit: "dashboard-month",
      source: CLOUDWATCH,
      confirmed: false,
      note: "the page's list price (the first 3 dashboards of an account are free, not applied here); not re-read offline",
    },
    "kms.key.month": {
      usd: 1,
      unit: "customer managed key-month",
      source: KMS,
      confirmed: false,
      note: "the page's list price for every region; each automatic rotation adds $1/month for the first two rotations (not modelled); requests beyond 20,000/month free tier not modelled",
    },
    "waf.web-acl.month": {
      usd: 5,
      unit: "web ACL-month",
      source: WAF,
      confirmed: false,
      note: "the page's list price for every region; not re-read offline",
    },
    "waf.rule.month": {
      usd: 1,
      unit: "rule-month",
      source: WAF,
      confirmed: false,
      note: "each rule or rule group counts as one rule; paid managed rule groups (Bot Control, ATP, ACFP) cost more and are reported as not priced",
    },
    "waf.requests.million": {
      usd: 0.6,
      unit: "1M requests",
      source: WAF,
      confirmed: false,
      note: "the page's list price for every region; not re-read offline",
    },
    "secretsmanager.secret.month": {
      usd: 0.4,
      unit: "secret-month",
      source: SECRETS,
      confirmed: false,
      note: "the page's list price for every region; $0.05 per 10,000 API calls not modelled",
    },
    "s3.STANDARD.gb-month": {
      usd: 0.023,
      unit: "GB-month",
      source: S3,
      confirmed: false,
      note: "S3 Standard, first 50 TB; not re-read for eu-west-1 offline; requests not modelled",
    },
    "s3.STANDARD_IA.gb-month": {
      usd: 0.0125,
      unit: "GB-month",
      source: S3,
      confirmed: false,
      note: "S3 Standard-IA (30-day minimum, not modelled); not re-read for eu-west-1 offline",
    },
    "s3.GLACIER.gb-month": {
      usd: 0.0036,
      unit: "GB-month",
      source: S3,
      confirmed: false,
      note: "S3 Glacier Flexible Retrieval (90-day minimum, not modelled); not re-read for eu-west-1 offline",
    },
    "ecr.storage.gb-month": {
      usd: 0.1,
      unit: "GB-month",
      source: ECR,
      confirmed: false,
      note: "the page's list price; not re-read for eu-west-1 offline",
    },
    "xray.traces.million": {
      usd: 5,
      unit: "1M traces recorded",
      source: XRAY,
      confirmed: false,
      note: "the page's list price; the first 100,000 traces a month are free (not applied); retrieval and scans not modelled",
    },
    "ssm.advanced-parameter.month": {
      usd: 0.05,
      unit: "advanced parameter-month",
      source: SSM,
      confirmed: false,
      note: "standard-tier parameters are free; the page's list price, not re-read offline",
    },
  },
  elasticacheNodeHour: {
    "cache.t4g.micro": { usd: 0.018, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
    "cache.t4g.small": { usd: 0.036, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
    "cache.t4g.medium": { usd: 0.072, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
    "cache.m7g.large": { usd: 0.175, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
    "cache.r6g.large": { usd: 0.229, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
    "cache.r7g.large": { usd: 0.243, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
    "cache.r7g.xlarge": { usd: 0.485, unit: "node-hour", source: ELASTICACHE, confirmed: false, note: NODE_NOTE },
  },
  elasticacheValkeyFactor: {
    value: 0.8,
    source: ELASTICACHE,
    confirmed: true,
    note: "node-based Valkey is priced 20 % below Redis OSS on the same node type (AWS Price List NodeUsage rows, every type)",
  },
} satisfies PriceTableInput;
