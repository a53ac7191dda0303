import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktn/provider-aws/lib/cloudwatch-log-resource-policy";
import { DataAwsIamPolicyDocument } from "@cdktn/provider-aws/lib/data-aws-iam-policy-document";
import { Wafv2WebAcl, type Wafv2WebAclRule } from "@cdktn/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktn/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktn/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";
import { decimalGreaterThanRegex } from "./lib/decimal-regex";
import { LOG_RETENTION_DAYS } from "./lib/log-retention";
import { Validator } from "./lib/validate";

/** COUNT: every rule only counts (a new environment, or tuning); BLOCK: matching requests get 403. */
export const WAF_MODES = ["COUNT", "BLOCK"] as const;
export type WafMode = (typeof WAF_MODES)[number];

/** AWS managed rule groups, in evaluation order after the rate rule. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesCommonRuleSet",
] as const;

/**
 * Body bytes WAF receives from an ALB; the rest of a longer body is never inspected
 * (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html).
 * The common rule set's SizeRestrictions_BODY matches any body over this size.
 */
export const ALB_WAF_BODY_INSPECTION_BYTES = 8192;

/** The common rule set's rule that blocks bodies over {@link ALB_WAF_BODY_INSPECTION_BYTES}. */
export const COMMON_BODY_SIZE_RULE = "SizeRestrictions_BODY";

/** Our rule that refuses a declared Content-Length above the apps' body limit. */
export const BODY_SIZE_RULE = "body-over-app-limit";

/** Windows a rate-based rule accepts (aws_wafv2_web_acl rate_based_statement.evaluation_window_sec). */
export const RATE_WINDOWS_SEC = [60, 120, 300, 600] as const;

export interface WebAclProps {
  /** Web ACL name (1–128 of A-Z a-z 0-9 _ -); the log group is "aws-waf-logs-<name>". */
  readonly name: string;
  /** The ALB to protect (a REGIONAL web ACL). */
  readonly resourceArn: string;
  readonly mode: WafMode;
  /**
   * Requests one client IP may send per window before the rate rule acts (WAF: 10–2,000,000,000).
   * @default 2000
   */
  readonly rateLimitRequests?: number;
  /**
   * Window of the rate rule: 60, 120, 300 or 600 s.
   * @default 300
   */
  readonly rateLimitWindowSec?: number;
  /**
   * The largest request body (bytes) any app behind the ALB accepts. Bodies up to it must pass: above
   * {@link ALB_WAF_BODY_INSPECTION_BYTES} the common rule set's SizeRestrictions_BODY only counts, and
   * our own rule acts on a Content-Length above this value instead.
   */
  readonly maxBodyBytes: number;
  /** Retention of the WAF log group (a CloudWatch Logs retention value). */
  readonly logRetentionDays: number;
  /** KMS key of the log group; its policy must already let this region's CloudWatch Logs use it. */
  readonly logKmsKeyArn: string;
  /**
   * Headers kept out of the logs (lowercase names).
   * @default ["authorization", "cookie"]
   */
  readonly redactedHeaders?: readonly string[];
}

/** The statement shapes this module writes (the provider binds `statement` untyped: HCL block names). */
type Statement =
  | {
      readonly managed_rule_group_statement: {
        readonly name: string;
        readonly vendor_name: "AWS";
        readonly rule_action_override?: readonly {
          readonly name: string;
          readonly action_to_use: { readonly count: Record<string, never> };
        }[];
      };
    }
  | {
      readonly regex_match_statement: {
        readonly regex_string: string;
        readonly field_to_match: { readonly single_header: { readonly name: string } };
        readonly text_transformation: readonly { readonly priority: number; readonly type: "NONE" }[];
      };
    }
  | {
      readonly rate_based_statement: {
        readonly limit: number;
        readonly aggregate_key_type: "IP";
        readonly evaluation_window_sec: number;
      };
    };

/**
 * A REGIONAL WAFv2 web ACL on the ALB: a per-IP rate rule, then AWS's IP-reputation, known-bad-inputs
 * and common rule groups, then a body-size rule at the apps' limit, each counting or blocking per
 * `mode`; logs to a KMS-encrypted `aws-waf-logs-*` log group with credentials and cookies redacted.
 *
 * WAF sees only the first 8 KB of a body behind an ALB, so it cannot measure a 16 KiB limit on the
 * body itself: above 8 KB the common set's size rule only counts, and ours refuses a Content-Length
 * above `maxBodyBytes`. A chunked body (no Content-Length) over the limit still reaches the app, which
 * answers 413 on its own limit.
 */
export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;
  readonly logGroup: CloudwatchLogGroup;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const rateLimitRequests = props.rateLimitRequests ?? 2000;
    const rateLimitWindowSec = props.rateLimitWindowSec ?? 300;
    const redactedHeaders = props.redactedHeaders ?? ["authorization", "cookie"];
    const v = new Validator(this);
    v.matches("name", props.name, /^[A-Za-z0-9_-]{1,115}$/, "1–115 of A-Z a-z 0-9 _ - (the log group adds 13)");
    v.oneOf("mode", props.mode, WAF_MODES);
    // https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html (Limit, EvaluationWindowSec)
    v.int("rateLimitRequests", rateLimitRequests, { min: 10, max: 2_000_000_000 });
    v.oneOf("rateLimitWindowSec", rateLimitWindowSec, RATE_WINDOWS_SEC);
    v.int("maxBodyBytes", props.maxBodyBytes, { min: 1, max: 2 ** 31 });
    v.oneOf("logRetentionDays", props.logRetentionDays, LOG_RETENTION_DAYS);
    v.nonEmpty("logKmsKeyArn", props.logKmsKeyArn);
    // WAF matches redacted single_header names in lowercase only (aws_wafv2_web_acl_logging_configuration).
    redactedHeaders.forEach((h, i) =>
      v.matches(`redactedHeaders[${i}]`, h, /^[a-z0-9!#$%&'*+.^_`|~-]+$/, "a lowercase header name"),
    );
    const ctx = AwsContext.of(this);
    const blocking = props.mode === "BLOCK";

    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const rateRule: Wafv2WebAclRule = {
      name: "rate-limit-per-ip",
      priority: 0,
      action: blocking ? { block: {} } : { count: {} },
      statement: {
        rate_based_statement: {
          limit: rateLimitRequests,
          aggregate_key_type: "IP",
          evaluation_window_sec: rateLimitWindowSec,
        },
      } satisfies Statement,
      visibilityConfig: visibility(`${props.name}-rate-limit-per-ip`),
    };
    // Bodies the apps accept must pass: the common set's 8 KB size rule only counts when they go beyond it.
    const countBodySize =
      props.maxBodyBytes > ALB_WAF_BODY_INSPECTION_BYTES
        ? { rule_action_override: [{ name: COMMON_BODY_SIZE_RULE, action_to_use: { count: {} } }] }
        : {};
    const managedRules: Wafv2WebAclRule[] = MANAGED_RULE_GROUPS.map((group, i) => ({
      name: group,
      priority: i + 1,
      // none: the group's own actions (block) apply; count: every match is only counted.
      overrideAction: blocking ? { none: {} } : { count: {} },
      statement: {
        managed_rule_group_statement: {
          name: group,
          vendor_name: "AWS",
          ...(group === "AWSManagedRulesCommonRuleSet" ? countBodySize : {}),
        },
      } satisfies Statement,
      visibilityConfig: visibility(`${props.name}-${group}`),
    }));
    const bodySizeRule: Wafv2WebAclRule = {
      name: BODY_SIZE_RULE,
      priority: MANAGED_RULE_GROUPS.length + 1,
      action: blocking ? { block: {} } : { count: {} },
      statement: {
        regex_match_statement: {
          regex_string: decimalGreaterThanRegex(props.maxBodyBytes),
          field_to_match: { single_header: { name: "content-length" } },
          text_transformation: [{ priority: 0, type: "NONE" }],
        },
      } satisfies Statement,
      visibilityConfig: visibility(`${props.name}-${BODY_SIZE_RULE}`),
    };

    this.webAcl = new Wafv2WebAcl(this, "acl", {
      name: props.name,
      description: `Rate limit and AWS managed rules (${props.mode}) for ${props.name}`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rule: [rateRule, ...managedRules, bodySizeRule],
      visibilityConfig: visibility(props.name),
    });
    this.arn = this.webAcl.arn;
    new Wafv2WebAclAssociation(this, "association", { resourceArn: props.resourceArn, webAclArn: this.webAcl.arn });

    // https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html: the name must start with aws-waf-logs-.
    // CloudWatch Logs encrypts with the key itself (logs.<region> principal in the key policy), so
    // delivery needs no KMS permission of its own.
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `aws-waf-logs-${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKmsKeyArn,
    });
    // The policy WAF would otherwise write into the shared AWSWAF-LOGS account policy (which can
    // outgrow its size limit), scoped to this group
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html).
    const delivery = new DataAwsIamPolicyDocument(this, "logs-policy-document", {
      statement: [
        {
          sid: "WafLogDelivery",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`],
          principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [ctx.accountId] },
            { test: "ArnLike", variable: "aws:SourceArn", values: [ctx.arn("logs", "*")] },
          ],
        },
      ],
    });
    const resourcePolicy = new CloudwatchLogResourcePolicy(this, "logs-policy", {
      policyName: `${props.name}-waf-logs`,
      policyDocument: delivery.json,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [this.logGroup.arn],
      redactedFields: redactedHeaders.map((name) => ({ singleHeader: { name } })),
      dependsOn: [resourcePolicy],
    });
  }
}
