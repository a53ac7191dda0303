import { beforeAll, describe, expect, it } from "vitest";
import devConfig from "../../config/dev";
import { parseEnvConfig } from "../../config/schema";
import { baseConfigShape } from "../../apps/shared/src/config";
import { DEFAULT_SSL_POLICY } from "../../modules/load-balancer";
import { ALB_WAF_BODY_INSPECTION_BYTES, BODY_SIZE_RULE } from "../../modules/web-acl";
import { APP_BODY_LIMIT_BYTES } from "../../stacks/platform";
import { synthesizedEnvironment } from "../helpers/synth-once";
import { dataOf, onlyResource, resourcesOf, synthApp, type TfJson } from "../helpers/terraform";

/** Platform stacks: dev (HTTP, COUNT), prod (certificate, BLOCK) and dev with a Route 53 domain. */
let dev: TfJson;
let prod: TfJson;
let withDomain: TfJson;

beforeAll(async () => {
  dev = (await synthesizedEnvironment("dev")).stacks.platform!;
  prod = (await synthesizedEnvironment("prod")).stacks.platform!;
  withDomain = synthApp(
    parseEnvConfig("dev", {
      ...devConfig,
      platform: {
        ...devConfig.platform,
        domain: { hostedZoneId: "Z0123456789ABCDEFGHIJ", name: "app.example.com" },
      },
    }),
  ).stacks.platform!;
});

type Rule = { cidr_ipv4?: string; from_port?: number; to_port?: number; ip_protocol?: string };
const ingress = (json: TfJson) => Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")) as Rule[];
const egress = (json: TfJson) => Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")) as Rule[];
const listeners = (json: TfJson) => resourcesOf(json, "aws_lb_listener");
const policyStatements = (json: TfJson, name: string) =>
  dataOf(json, "aws_iam_policy_document")[name]!.statement as {
    sid?: string;
    actions: string[];
    resources: string[];
    principals: { type: string; identifiers: string[] }[];
    condition?: { test: string; variable: string; values: string[] }[];
  }[];

describe("ALB", () => {
  it("when synthesized, then it is internet-facing in the public subnets with the hardened attributes", () => {
    for (const json of [dev, prod]) {
      expect(onlyResource(json, "aws_lb")).toMatchObject({
        internal: false,
        load_balancer_type: "application",
        ip_address_type: "ipv4",
        drop_invalid_header_fields: true,
        desync_mitigation_mode: "defensive",
        idle_timeout: 60,
        enable_waf_fail_open: false,
        security_groups: ["${aws_security_group.alb_sg_sg.id}"],
        access_logs: { bucket: "${aws_s3_bucket.alb_access_logs_bucket.bucket}", prefix: "alb", enabled: true },
        depends_on: ["aws_s3_bucket_policy.alb_access_logs_policy"],
      });
    }
    expect(onlyResource(dev, "aws_lb").subnets).toHaveLength(2);
    expect(onlyResource(prod, "aws_lb").subnets).toHaveLength(3);
  });

  it("when deletionProtection is set per environment, then the ALB and its log bucket follow it", () => {
    expect(onlyResource(prod, "aws_lb")).toMatchObject({ name: "fc-prod", enable_deletion_protection: true });
    expect(onlyResource(dev, "aws_lb")).toMatchObject({ name: "fc-dev", enable_deletion_protection: false });
    expect(resourcesOf(prod, "aws_s3_bucket").alb_access_logs_bucket).toMatchObject({
      lifecycle: { prevent_destroy: true },
      force_destroy: false,
    });
    expect(resourcesOf(dev, "aws_s3_bucket").alb_access_logs_bucket).toMatchObject({
      lifecycle: { prevent_destroy: false },
    });
  });

  it("when dev has no certificate, then port 80 is the production listener (HTTP, 404 default) and there is no HTTPS", () => {
    const all = listeners(dev);
    expect(Object.keys(all).sort()).toEqual(["alb_http", "alb_test"]);
    expect(all.alb_http).toMatchObject({
      port: 80,
      protocol: "HTTP",
      default_action: [{ type: "fixed-response", fixed_response: { status_code: "404" } }],
    });
    expect(all.alb_test).toMatchObject({
      port: 8080,
      protocol: "HTTP",
      default_action: [{ type: "fixed-response", fixed_response: { status_code: "404" } }],
    });
    expect(all.alb_test!.certificate_arn).toBeUndefined();
    expect(dev.output!.productionListenerArn!.value).toBe("${aws_lb_listener.alb_http.arn}");
  });

  it("when prod has a certificate, then HTTPS :443 and the test listener use it with a TLS 1.3 policy and HTTP only redirects", () => {
    const all = listeners(prod);
    const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    expect(all.alb_https).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      certificate_arn: cert,
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      default_action: [{ type: "fixed-response", fixed_response: { status_code: "404" } }],
    });
    expect(DEFAULT_SSL_POLICY).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
    expect(all.alb_http!.default_action).toEqual([
      { type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } },
    ]);
    expect(all.alb_test).toMatchObject({
      port: 8443,
      protocol: "HTTPS",
      certificate_arn: cert,
      ssl_policy: DEFAULT_SSL_POLICY,
    });
    expect(prod.output!.productionListenerArn!.value).toBe("${aws_lb_listener.alb_https.arn}");
    expect(prod.output!.testListenerArn!.value).toBe("${aws_lb_listener.alb_test.arn}");
  });

  it("when the ALB's group is built, then 80/443 come only from the ingress CIDRs and the test port only from the test CIDRs", () => {
    expect(
      ingress(prod)
        .map((r) => `${r.cidr_ipv4}:${r.from_port}-${r.to_port}`)
        .sort(),
    ).toEqual(["0.0.0.0/0:443-443", "0.0.0.0/0:80-80", "198.51.100.0/24:8443-8443"]);
    // Without a certificate nothing listens on 443, so nothing is opened there.
    expect(
      ingress(dev)
        .map((r) => `${r.cidr_ipv4}:${r.from_port}`)
        .sort(),
    ).toEqual(["0.0.0.0/0:80", "203.0.113.0/24:8080"]);
    for (const json of [dev, prod]) {
      for (const rule of ingress(json)) {
        expect(rule.ip_protocol).toBe("tcp");
        if (rule.cidr_ipv4 === "0.0.0.0/0") expect([80, 443]).toContain(rule.from_port);
      }
    }
  });

  it("when the ALB's group is built, then its only egress is the app port to the VPC CIDR (no reference to a later stack)", () => {
    for (const json of [dev, prod]) {
      const rules = egress(json);
      expect(rules).toHaveLength(1);
      expect(rules[0]).toMatchObject({ ip_protocol: "tcp", from_port: 8080, to_port: 8080 });
      expect(rules[0]!.cidr_ipv4).toMatch(/^\$\{data\.terraform_remote_state\.\w+\.outputs\.\w+vpc\w*cidr\w*\}$/);
      expect(JSON.stringify(rules[0])).not.toContain("referenced_security_group_id");
    }
  });
});

describe("ALB access logs", () => {
  it("when synthesized, then the bucket is SSE-S3 (ALB log delivery supports nothing else), versioned and private", () => {
    for (const json of [dev, prod]) {
      expect(
        resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration").alb_access_logs_encryption,
      ).toMatchObject({
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
      });
      expect(resourcesOf(json, "aws_s3_bucket_public_access_block").alb_access_logs_public_access).toMatchObject({
        block_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(resourcesOf(json, "aws_s3_bucket_versioning").alb_access_logs_versioning).toMatchObject({
        versioning_configuration: { status: "Enabled" },
      });
    }
    expect(resourcesOf(prod, "aws_s3_bucket").alb_access_logs_bucket!.bucket).toBe(
      "fc-prod-alb-logs-${data.aws_caller_identity.aws_context_identity.account_id}-eu-west-1",
    );
  });

  it("when the region is eu-west-1 (before August 2022), then only its ELB account may put objects, under our prefix", () => {
    const statements = policyStatements(prod, "alb_access_logs_policy_document");
    const delivery = statements.find((s) => s.sid === "ElbAccessLogDelivery")!;
    expect(delivery).toMatchObject({
      actions: ["s3:PutObject"],
      principals: [
        {
          type: "AWS",
          identifiers: ["arn:${data.aws_partition.aws_context_partition.partition}:iam::156460612806:root"],
        },
      ],
    });
    expect(delivery.resources).toEqual([
      "arn:${data.aws_partition.aws_context_partition.partition}:s3:::fc-prod-alb-logs-${data.aws_caller_identity.aws_context_identity.account_id}-eu-west-1/alb/AWSLogs/${data.aws_caller_identity.aws_context_identity.account_id}/*",
    ]);
    expect(statements.map((s) => s.sid)).toContain("DenyInsecureTransport");
  });
});

describe("WAF", () => {
  type WafRule = {
    name: string;
    priority: number;
    action?: Record<string, unknown>;
    override_action?: Record<string, unknown>;
    statement: Record<string, Record<string, unknown>>;
    visibility_config: Record<string, unknown>;
  };
  const rules = (json: TfJson) => onlyResource(json, "aws_wafv2_web_acl").rule as WafRule[];

  it("when synthesized, then a REGIONAL web ACL allows by default, has visibility on, and is associated with the ALB", () => {
    for (const json of [dev, prod]) {
      expect(onlyResource(json, "aws_wafv2_web_acl")).toMatchObject({
        scope: "REGIONAL",
        default_action: { allow: {} },
        visibility_config: { cloudwatch_metrics_enabled: true, sampled_requests_enabled: true },
      });
      expect(onlyResource(json, "aws_wafv2_web_acl_association")).toEqual(
        expect.objectContaining({
          resource_arn: "${aws_lb.alb_alb.arn}",
          web_acl_arn: "${aws_wafv2_web_acl.waf_acl.arn}",
        }),
      );
      for (const rule of rules(json)) {
        expect(rule.visibility_config).toMatchObject({
          cloudwatch_metrics_enabled: true,
          sampled_requests_enabled: true,
        });
      }
    }
  });

  it("when synthesized, then the rate rule comes first, then AWS's IP reputation, known bad inputs and common groups, then the body size", () => {
    expect(rules(prod).map((r) => [r.priority, r.name])).toEqual([
      [0, "rate-limit-per-ip"],
      [1, "AWSManagedRulesAmazonIpReputationList"],
      [2, "AWSManagedRulesKnownBadInputsRuleSet"],
      [3, "AWSManagedRulesCommonRuleSet"],
      [4, BODY_SIZE_RULE],
    ]);
    for (const rule of rules(prod).slice(1, 3)) {
      expect(rule.statement).toEqual({ managed_rule_group_statement: { name: rule.name, vendor_name: "AWS" } });
    }
    expect(rules(prod)[0]!.statement).toEqual({
      rate_based_statement: { limit: 2000, aggregate_key_type: "IP", evaluation_window_sec: 300 },
    });
  });

  it("when the apps accept 16 KiB bodies, then the common set's 8 KB size rule only counts and ours refuses a Content-Length above the apps' own limit", () => {
    // Read from the apps' schema, as the ALB idle timeout is checked against their keep-alive.
    expect(APP_BODY_LIMIT_BYTES).toBe(baseConfigShape.BODY_LIMIT_BYTES.parse(undefined));
    expect(APP_BODY_LIMIT_BYTES).toBeGreaterThan(ALB_WAF_BODY_INSPECTION_BYTES);
    for (const json of [dev, prod]) {
      const [common, body] = rules(json).slice(3);
      expect(common!.statement.managed_rule_group_statement).toMatchObject({
        rule_action_override: [{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }],
      });
      const re = new RegExp(String(body!.statement.regex_match_statement!.regex_string));
      expect(re.test(String(APP_BODY_LIMIT_BYTES))).toBe(false);
      expect(re.test(String(APP_BODY_LIMIT_BYTES + 1))).toBe(true);
    }
    expect(rules(prod)[4]!.action).toEqual({ block: {} });
    expect(rules(dev)[4]!.action).toEqual({ count: {} });
  });

  it("when prod is BLOCK, then managed groups keep their own actions and the rate rule blocks", () => {
    const [rate, ...managed] = rules(prod).slice(0, 4);
    expect(rate!.action).toEqual({ block: {} });
    for (const rule of managed) expect(rule.override_action).toEqual({ none: {} });
  });

  it("when dev is COUNT, then every managed group is overridden to count and the rate rule only counts", () => {
    const [rate, ...managed] = rules(dev).slice(0, 4);
    expect(rate!.action).toEqual({ count: {} });
    for (const rule of managed) expect(rule.override_action).toEqual({ count: {} });
  });

  it("when logging, then it goes to a KMS-encrypted aws-waf-logs-* group with retention, authorization and cookie redacted", () => {
    expect(resourcesOf(prod, "aws_cloudwatch_log_group").waf_logs).toMatchObject({
      name: "aws-waf-logs-fc-prod",
      retention_in_days: 90,
      kms_key_id: "${aws_kms_key.platform_key_key.arn}",
    });
    expect(resourcesOf(dev, "aws_cloudwatch_log_group").waf_logs).toMatchObject({ retention_in_days: 14 });
    expect(onlyResource(prod, "aws_wafv2_web_acl_logging_configuration")).toMatchObject({
      resource_arn: "${aws_wafv2_web_acl.waf_acl.arn}",
      log_destination_configs: ["${aws_cloudwatch_log_group.waf_logs.arn}"],
      redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "cookie" } }],
      depends_on: ["aws_cloudwatch_log_resource_policy.waf_logs_policy"],
    });
  });

  it("when logging, then only log delivery for this account may write, and only into the WAF group", () => {
    const [statement] = policyStatements(prod, "waf_logs_policy_document");
    expect(statement).toMatchObject({
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: ["${aws_cloudwatch_log_group.waf_logs.arn}:*"],
      principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
    });
    expect(statement!.condition!.map((c) => c.variable).sort()).toEqual(["aws:SourceAccount", "aws:SourceArn"]);
    expect(onlyResource(prod, "aws_cloudwatch_log_resource_policy")).toMatchObject({
      policy_name: "fc-prod-waf-logs",
      policy_document: "${data.aws_iam_policy_document.waf_logs_policy_document.json}",
    });
  });

  it("when the WAF log group is encrypted with the platform key, then the key policy lets this region's CloudWatch Logs use it", () => {
    const key = policyStatements(prod, "platform_key_policy");
    const logs = key.find((s) => s.principals?.[0]?.identifiers[0]?.startsWith("logs."))!;
    expect(logs.actions).toEqual(expect.arrayContaining(["kms:Encrypt", "kms:GenerateDataKey*", "kms:Decrypt"]));
  });
});

describe("ECR", () => {
  it("when synthesized, then each app and the log router have an immutable, scanned, KMS-encrypted repository that refuses deletion with images", () => {
    for (const [json, prefix] of [
      [dev, "fc-dev"],
      [prod, "fc-prod"],
    ] as const) {
      const repos = resourcesOf(json, "aws_ecr_repository");
      expect(Object.keys(repos).sort()).toEqual([
        "ecr_caller_repository",
        "ecr_log_router_repository",
        "ecr_responder_repository",
      ]);
      for (const app of ["caller", "responder", "log-router"]) {
        expect(repos[`ecr_${app.replace("-", "_")}_repository`]).toMatchObject({
          name: `${prefix}/${app}`,
          image_tag_mutability: "IMMUTABLE",
          image_scanning_configuration: { scan_on_push: true },
          encryption_configuration: [{ encryption_type: "KMS", kms_key: "${aws_kms_key.platform_key_key.arn}" }],
          force_delete: false,
        });
      }
    }
  });

  it("when synthesized, then the lifecycle policy keeps the configured last N images of any tag", () => {
    for (const [json, keep] of [
      [dev, 20],
      [prod, 50],
    ] as const) {
      const policy = resourcesOf(json, "aws_ecr_lifecycle_policy").ecr_caller_lifecycle!;
      expect(policy.repository).toBe("${aws_ecr_repository.ecr_caller_repository.name}");
      expect(JSON.parse(policy.policy as string)).toEqual({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${keep} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
            action: { type: "expire" },
          },
        ],
      });
    }
  });
});

describe("optional domain", () => {
  it("when no domain is configured, then there is no certificate and no DNS record", () => {
    for (const json of [dev, prod]) {
      expect(resourcesOf(json, "aws_acm_certificate")).toEqual({});
      expect(resourcesOf(json, "aws_route53_record")).toEqual({});
    }
  });

  it("when a domain is configured, then ACM issues a DNS-validated certificate through validation records in the zone", () => {
    expect(onlyResource(withDomain, "aws_acm_certificate")).toMatchObject({
      domain_name: "app.example.com",
      validation_method: "DNS",
      lifecycle: { create_before_destroy: true },
    });
    const records = resourcesOf(withDomain, "aws_route53_record");
    expect(records.domain_validation_record).toMatchObject({
      zone_id: "Z0123456789ABCDEFGHIJ",
      ttl: 60,
      allow_overwrite: true,
      name: "${each.value.resource_record_name}",
      type: "${each.value.resource_record_type}",
      records: ["${each.value.resource_record_value}"],
    });
    expect(JSON.stringify(records.domain_validation_record!.for_each)).toContain(
      "aws_acm_certificate.domain_certificate.domain_validation_options",
    );
    expect(onlyResource(withDomain, "aws_acm_certificate_validation")).toMatchObject({
      certificate_arn: "${aws_acm_certificate.domain_certificate.arn}",
    });
    expect(
      JSON.stringify(onlyResource(withDomain, "aws_acm_certificate_validation").validation_record_fqdns),
    ).toContain("aws_route53_record.domain_validation_record");
  });

  it("when a domain is configured, then the listeners wait for the validated certificate and the name aliases the ALB (A only)", () => {
    const all = listeners(withDomain);
    expect(all.alb_https).toMatchObject({
      protocol: "HTTPS",
      certificate_arn: "${aws_acm_certificate_validation.domain_validation.certificate_arn}",
    });
    expect(all.alb_http!.default_action).toEqual([
      { type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } },
    ]);
    const records = resourcesOf(withDomain, "aws_route53_record");
    expect(records.domain_alias_a).toMatchObject({
      zone_id: "Z0123456789ABCDEFGHIJ",
      name: "app.example.com",
      type: "A",
      alias: { name: "${aws_lb.alb_alb.dns_name}", zone_id: "${aws_lb.alb_alb.zone_id}", evaluate_target_health: true },
    });
    // The ALB is IPv4-only (ip_address_type ipv4): an AAAA alias would resolve to nothing.
    expect(Object.values(records).filter((r) => r.type === "AAAA")).toEqual([]);
    expect(
      ingress(withDomain)
        .map((r) => r.from_port)
        .sort(),
    ).toEqual([443, 80, 8080]);
  });
});

describe("outputs (the contract the services stack reads)", () => {
  it("when synthesized, then every edge attribute is an output with a description", () => {
    for (const json of [dev, prod]) {
      for (const name of [
        "albSecurityGroupId",
        "productionListenerArn",
        "testListenerArn",
        "albArnSuffix",
        "albDnsName",
        "albZoneId",
        "albAccessLogBucket",
        "callerRepositoryUrl",
        "callerRepositoryArn",
        "responderRepositoryUrl",
        "responderRepositoryArn",
        "publicUrl",
      ]) {
        expect(json.output![name]?.description, name).toMatch(/\w+/);
      }
    }
    expect(prod.output!.albArnSuffix!.value).toBe("${aws_lb.alb_alb.arn_suffix}");
    expect(prod.output!.callerRepositoryUrl!.value).toBe("${aws_ecr_repository.ecr_caller_repository.repository_url}");
  });

  it("when the protocol differs, then publicUrl is http://<alb> (dev), https://<alb> (certificate) or https://<domain>", () => {
    expect(dev.output!.publicUrl!.value).toBe("http://${aws_lb.alb_alb.dns_name}");
    expect(prod.output!.publicUrl!.value).toBe("https://${aws_lb.alb_alb.dns_name}");
    expect(withDomain.output!.publicUrl!.value).toBe("https://app.example.com");
  });
});
