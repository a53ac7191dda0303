import { beforeAll, describe, expect, it } from "vitest";
import { ContainerRepository } from "../../modules/container-repository";
import {
  ELB_LOG_DELIVERY_ACCOUNTS,
  ELB_LOG_DELIVERY_SERVICE,
  LoadBalancer,
  type LoadBalancerProps,
} from "../../modules/load-balancer";
import { PublicDomain } from "../../modules/public-domain";
import { decimalGreaterThanRegex } from "../../modules/lib/decimal-regex";
import { BODY_SIZE_RULE, WebAcl, type WebAclProps } from "../../modules/web-acl";
import { dataOf, onlyResource, synthModule, type TfJson, constructError } from "../helpers/terraform";

const ALB: LoadBalancerProps = {
  name: "fc-test",
  region: "eu-west-1",
  vpcId: "vpc-1",
  vpcCidr: "10.0.0.0/16",
  subnetIds: ["subnet-a", "subnet-b"],
  ingressCidrs: ["0.0.0.0/0"],
  testListenerPort: 8443,
  testCidrs: ["192.0.2.0/24"],
  targetPorts: [8080],
};

const WAF: WebAclProps = {
  name: "fc-test",
  resourceArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/fc-test/1",
  mode: "BLOCK",
  maxBodyBytes: 16_384,
  logRetentionDays: 30,
  logKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1",
};

describe("LoadBalancer", () => {
  let newRegion: TfJson;
  beforeAll(() => {
    // A Region opened after August 2022: AWS documents the service principal there, not an account.
    newRegion = synthModule((s) => new LoadBalancer(s, "alb", { ...ALB, region: "ap-southeast-5" }));
  });

  it("when the region opened after August 2022, then the log bucket trusts the ELB log-delivery service principal", () => {
    expect(ELB_LOG_DELIVERY_ACCOUNTS["ap-southeast-5"]).toBeUndefined();
    const statements = dataOf(newRegion, "aws_iam_policy_document").alb_access_logs_policy_document!.statement as {
      sid?: string;
      principals: { type: string; identifiers: string[] }[];
    }[];
    expect(statements.find((s) => s.sid === "ElbAccessLogDelivery")!.principals).toEqual([
      { type: "Service", identifiers: [ELB_LOG_DELIVERY_SERVICE] },
    ]);
    expect(ELB_LOG_DELIVERY_SERVICE).toBe("logdelivery.elasticloadbalancing.amazonaws.com");
  });

  it("when deletion protection is not given, then it defaults to on", () => {
    expect(onlyResource(newRegion, "aws_lb")).toMatchObject({ enable_deletion_protection: true });
  });

  it("when the idle timeout is outside ELB's 1–4000 s, then the error names idleTimeoutSec", () => {
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, idleTimeoutSec: 0 }))).toBe(
      "LoadBalancer test/alb: idleTimeoutSec must be an integer from 1 to 4000, got 0",
    );
  });

  it("when a CIDR is malformed, then the error names the list entry", () => {
    expect(
      constructError((s) => new LoadBalancer(s, "alb", { ...ALB, ingressCidrs: ["0.0.0.0/0", "10.1.2.3/8"] })),
    ).toBe('LoadBalancer test/alb: ingressCidrs[1] must be an IPv4 CIDR, got "10.1.2.3/8"');
  });

  it("when the test listener is opened to 0.0.0.0/0, then it is refused", () => {
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, testCidrs: ["0.0.0.0/0"] }))).toBe(
      'LoadBalancer test/alb: testCidrs[0] must be narrower than 0.0.0.0/0 (the test listener is not public), got "0.0.0.0/0"',
    );
  });

  it("when a port is out of range or collides with a production listener, then the error names it", () => {
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, testListenerPort: 0 }))).toBe(
      "LoadBalancer test/alb: testListenerPort must be an integer from 1 to 65535, got 0",
    );
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, testListenerPort: 80 }))).toBe(
      "LoadBalancer test/alb: testListenerPort must be a port other than 80 and 443 (the production listeners), got 80",
    );
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, targetPorts: [70000] }))).toBe(
      "LoadBalancer test/alb: targetPorts[0] must be an integer from 1 to 65535, got 70000",
    );
  });

  it("when the name breaks ELB's rules or would overflow the log bucket name, then the error names it", () => {
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, name: "internal-api" }))).toContain(
      'LoadBalancer test/alb: name must be 1–32 of A-Z a-z 0-9 -, not starting or ending with "-" nor starting with "internal-", got "internal-api"',
    );
    // 32 is a valid ALB name length, but "<name>-alb-logs-<account>-eu-west-1" would be 64 characters.
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, name: "a".repeat(32) }))).toBe(
      `LoadBalancer test/alb: name must be at most 31 characters in eu-west-1 (the access-log bucket name embeds it), got "${"a".repeat(32)}"`,
    );
    expect(() => synthModule((s) => new LoadBalancer(s, "alb", { ...ALB, name: "a".repeat(31) }))).not.toThrow();
  });

  it("when one AZ is given, then it is refused (an ALB spans at least two)", () => {
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, subnetIds: ["subnet-a"] }))).toBe(
      'LoadBalancer test/alb: subnetIds must be subnets in at least two AZs, got ["subnet-a"]',
    );
  });

  it("when the TLS policy is not a TLS 1.3 policy, then it is refused", () => {
    expect(constructError((s) => new LoadBalancer(s, "alb", { ...ALB, sslPolicy: "ELBSecurityPolicy-2016-08" }))).toBe(
      'LoadBalancer test/alb: sslPolicy must be a TLS 1.3 ELBSecurityPolicy-TLS13-* policy, got "ELBSecurityPolicy-2016-08"',
    );
  });
});

describe("WebAcl", () => {
  it("when the mode is unknown, then the error names mode and the allowed values", () => {
    expect(constructError((s) => new WebAcl(s, "waf", { ...WAF, mode: "DENY" as "BLOCK" }))).toBe(
      'WebAcl test/waf: mode must be one of "COUNT", "BLOCK", got "DENY"',
    );
  });

  it("when the rate rule is outside WAF's limits, then the error names the prop", () => {
    expect(constructError((s) => new WebAcl(s, "waf", { ...WAF, rateLimitRequests: 9 }))).toBe(
      "WebAcl test/waf: rateLimitRequests must be an integer from 10 to 2000000000, got 9",
    );
    expect(constructError((s) => new WebAcl(s, "waf", { ...WAF, rateLimitWindowSec: 30 }))).toBe(
      "WebAcl test/waf: rateLimitWindowSec must be one of 60, 120, 300, 600, got 30",
    );
  });

  it("when a redacted header is not lowercase, then it is refused (WAF would not match it)", () => {
    expect(constructError((s) => new WebAcl(s, "waf", { ...WAF, redactedHeaders: ["Authorization"] }))).toBe(
      'WebAcl test/waf: redactedHeaders[0] must be a lowercase header name, got "Authorization"',
    );
  });

  it("when the log retention is not a CloudWatch value, then the error names it", () => {
    expect(constructError((s) => new WebAcl(s, "waf", { ...WAF, logRetentionDays: 10 }))).toContain(
      "WebAcl test/waf: logRetentionDays must be one of 1, 3, 5",
    );
  });

  type Rule = { name: string; priority: number; action?: object; statement: Record<string, Record<string, unknown>> };
  const rulesOf = (props: WebAclProps) =>
    onlyResource(
      synthModule((s) => new WebAcl(s, "waf", props)),
      "aws_wafv2_web_acl",
    ).rule as Rule[];

  it("when the apps take bodies above WAF's 8 KB, then SizeRestrictions_BODY only counts and our rule blocks above the apps' limit", () => {
    const rules = rulesOf(WAF);
    expect(rules.find((r) => r.name === "AWSManagedRulesCommonRuleSet")!.statement).toEqual({
      managed_rule_group_statement: {
        name: "AWSManagedRulesCommonRuleSet",
        vendor_name: "AWS",
        rule_action_override: [{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }],
      },
    });
    const body = rules.find((r) => r.name === BODY_SIZE_RULE)!;
    expect(body).toMatchObject({ priority: 4, action: { block: {} } });
    const match = body.statement.regex_match_statement as { regex_string: string };
    expect(body.statement.regex_match_statement).toMatchObject({
      field_to_match: { single_header: { name: "content-length" } },
      text_transformation: [{ priority: 0, type: "NONE" }],
    });
    const tooLarge = new RegExp(match.regex_string);
    expect(["16384", "8193", "0", "016384"].map((v) => tooLarge.test(v))).toEqual([false, false, false, false]);
    expect(["16385", "100000", "016385", " 16385 "].map((v) => tooLarge.test(v))).toEqual([true, true, true, true]);
  });

  it("when the apps' limit is within WAF's 8 KB, then the common set keeps its own size rule", () => {
    const common = rulesOf({ ...WAF, maxBodyBytes: 8192 }).find((r) => r.name === "AWSManagedRulesCommonRuleSet")!;
    expect(common.statement.managed_rule_group_statement!.rule_action_override).toBeUndefined();
  });

  it("when the mode is COUNT, then the body-size rule only counts", () => {
    expect(rulesOf({ ...WAF, mode: "COUNT" }).find((r) => r.name === BODY_SIZE_RULE)!.action).toEqual({ count: {} });
  });

  it("when maxBodyBytes is not a positive integer, then the error names it", () => {
    expect(constructError((s) => new WebAcl(s, "waf", { ...WAF, maxBodyBytes: 0 }))).toBe(
      "WebAcl test/waf: maxBodyBytes must be an integer from 1 to 2147483648, got 0",
    );
  });
});

describe("decimalGreaterThanRegex", () => {
  it("when run over every value around each limit, then it matches exactly the numbers above it", () => {
    for (const limit of [0, 9, 10, 99, 8192, 16_384, 19_999, 10_485_760]) {
      const re = new RegExp(decimalGreaterThanRegex(limit));
      const probes = [
        ...Array.from({ length: 2001 }, (_, i) => limit - 1000 + i),
        ...[0, 1, 9, 10, 99, 100, limit * 10, limit * 10 + 1, 2 ** 31],
      ].filter((n) => n >= 0);
      const wrong = probes.filter((n) => re.test(String(n)) !== n > limit);
      expect(wrong, `limit ${limit}`).toEqual([]);
      expect(re.test(`00${limit + 1}`)).toBe(true);
      expect(re.test(`00${limit}`)).toBe(false);
    }
  });

  it("when the value is not a plain decimal, then it does not match (the app's own limit still applies)", () => {
    const re = new RegExp(decimalGreaterThanRegex(16_384));
    expect(["", "abc", "1e9", "-99999", "16385x", "0x5000"].filter((v) => re.test(v))).toEqual([]);
  });

  it("when written for WAF, then it has no capturing group and stays under WAF's 512 characters", () => {
    const text = decimalGreaterThanRegex(10_485_760);
    expect(text.length).toBeLessThanOrEqual(512);
    expect(text.match(/\((?!\?:)/g)).toBeNull();
  });
});

describe("ContainerRepository", () => {
  it("when keepLastImages is not given, then the lifecycle keeps 30 images", () => {
    const json = synthModule((s) => new ContainerRepository(s, "repo", { name: "fc-test/app", kmsKeyArn: "arn:k" }));
    expect(JSON.parse(onlyResource(json, "aws_ecr_lifecycle_policy").policy as string).rules[0].selection).toEqual({
      tagStatus: "any",
      countType: "imageCountMoreThan",
      countNumber: 30,
    });
  });

  it("when the name or image count is invalid, then the error names the prop", () => {
    expect(constructError((s) => new ContainerRepository(s, "repo", { name: "FC/App", kmsKeyArn: "arn:k" }))).toBe(
      'ContainerRepository test/repo: name must be an ECR repository name such as "fc-dev/orders", got "FC/App"',
    );
    expect(
      constructError(
        (s) => new ContainerRepository(s, "repo", { name: "fc/app", kmsKeyArn: "arn:k", keepLastImages: 0 }),
      ),
    ).toBe("ContainerRepository test/repo: keepLastImages must be an integer from 1 to 10000, got 0");
  });
});

describe("PublicDomain", () => {
  it("when the name or zone is invalid, then the error names the prop", () => {
    expect(constructError((s) => new PublicDomain(s, "d", { hostedZoneId: "Z1", name: "bad_name.example.com" }))).toBe(
      'PublicDomain test/d: name must be a lowercase DNS name such as "app.example.com", got "bad_name.example.com"',
    );
    expect(constructError((s) => new PublicDomain(s, "d", { hostedZoneId: "zone", name: "app.example.com" }))).toBe(
      'PublicDomain test/d: hostedZoneId must be a Route 53 hosted zone id (Z...), got "zone"',
    );
  });
});
