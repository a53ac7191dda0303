import type { DataAwsIamPolicyDocumentStatement } from "@cdktn/provider-aws/lib/data-aws-iam-policy-document";
import { Lb } from "@cdktn/provider-aws/lib/lb";
import { LbListener, type LbListenerDefaultAction } from "@cdktn/provider-aws/lib/lb-listener";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";
import { parseCidr } from "./lib/cidr";
import { Validator } from "./lib/validate";
import { SecureBucket } from "./secure-bucket";
import { SecurityGroup } from "./security-group";

/**
 * AWS's recommended policy (TLS 1.3 + TLS 1.2 with restricted ciphers, hybrid post-quantum key
 * exchange): https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

/**
 * Elastic Load Balancing's log-delivery account per Region available before August 2022; newer
 * Regions use the `logdelivery.elasticloadbalancing.amazonaws.com` service principal instead
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html,
 * "Step 2: Attach a policy to your S3 bucket").
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-gov-west-1": "048591011584",
  "us-gov-east-1": "190560391635",
};
export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

export interface LoadBalancerProps {
  /** ALB name and name prefix of its group and bucket (ELB: 1–32 of a-zA-Z0-9 -, no leading/trailing "-"). */
  readonly name: string;
  /** Region of the ALB, as a literal: it picks the access-log delivery principal at synth time. */
  readonly region: string;
  readonly vpcId: string;
  /** IPv4 CIDR of the VPC; the ALB's egress reaches its targets there (their groups live in a later stack). */
  readonly vpcCidr: string;
  /** Public subnets, at least two AZs. */
  readonly subnetIds: string[];
  /** Who may reach 80/443. */
  readonly ingressCidrs: readonly string[];
  /** Port of the blue/green test listener. */
  readonly testListenerPort: number;
  /** Who may reach the test listener; never 0.0.0.0/0. */
  readonly testCidrs: readonly string[];
  /** Ports the targets listen on; the ALB's egress allows exactly these into the VPC CIDR. */
  readonly targetPorts: readonly number[];
  /**
   * ACM certificate: HTTPS listeners, and port 80 only redirects.
   * @default - no certificate: HTTP listeners only
   */
  readonly certificateArn?: string;
  /**
   * TLS policy of the HTTPS listeners.
   * @default DEFAULT_SSL_POLICY
   */
  readonly sslPolicy?: string;
  /**
   * Seconds a client connection may idle; keep it below the targets' keep-alive timeout.
   * @default 60
   */
  readonly idleTimeoutSec?: number;
  /**
   * ALB deletion protection; also keeps the access-log bucket from `terraform destroy`.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

type Protocol = "HTTP" | "HTTPS";

/** Listener default: nothing matched a service's rule. Services add listener rules in front of it. */
const NOT_FOUND: LbListenerDefaultAction = {
  type: "fixed-response",
  fixedResponse: { contentType: "application/json", messageBody: '{"error":"not_found"}', statusCode: "404" },
};

/**
 * Internet-facing ALB for the services stack to hang listener rules on: its own security group,
 * production listener (HTTPS with a certificate, HTTP without) and a test listener for blue/green,
 * both answering 404 until a service adds a rule; invalid headers dropped, defensive desync
 * mitigation, access logs to an SSE-S3 bucket (the only encryption ALB log delivery supports).
 */
export class LoadBalancer extends Construct {
  readonly lb: Lb;
  readonly securityGroup: SecurityGroup;
  readonly accessLogs: SecureBucket;
  /** HTTPS :443 with a certificate, else HTTP :80. */
  readonly productionListener: LbListener;
  /** Port 80: redirect-only with a certificate (then it is not the production listener). */
  readonly httpListener: LbListener;
  readonly testListener: LbListener;
  readonly protocol: Protocol;
  readonly arn: string;
  /** For CloudWatch metrics' LoadBalancer dimension and the ALBRequestCountPerTarget resource label. */
  readonly arnSuffix: string;
  readonly dnsName: string;
  readonly zoneId: string;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const idleTimeoutSec = props.idleTimeoutSec ?? 60;
    const sslPolicy = props.sslPolicy ?? DEFAULT_SSL_POLICY;
    this.validate(props, idleTimeoutSec, sslPolicy);
    const ctx = AwsContext.of(this);
    const https = props.certificateArn !== undefined;
    this.protocol = https ? "HTTPS" : "HTTP";

    // Account and region make the (global) bucket name unique without a random suffix.
    const bucketName = `${props.name}-alb-logs-${ctx.accountId}-${props.region}`;
    // ELB writes <bucket>/<prefix>/AWSLogs/<account>/...; nothing else may land through this grant.
    const logObjects = `arn:${ctx.partition}:s3:::${bucketName}/${ACCESS_LOG_PREFIX}/AWSLogs/${ctx.accountId}/*`;
    this.accessLogs = new SecureBucket(this, "access-logs", {
      bucketName,
      encryption: { type: "s3-managed" },
      preventDestroy: props.deletionProtection ?? true,
      policyStatements: [logDeliveryStatement(props.region, ctx, logObjects)],
    });

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${props.name}-alb`,
      description: `Internet-facing ALB ${props.name}: listeners from config CIDRs, targets in the VPC`,
      vpcId: props.vpcId,
      ingress: [
        ...props.ingressCidrs.flatMap((cidr) => [
          { id: `http-${ruleKey(cidr)}`, description: `HTTP from ${cidr}`, peer: { cidrIpv4: cidr }, port: 80 },
          ...(https
            ? [{ id: `https-${ruleKey(cidr)}`, description: `HTTPS from ${cidr}`, peer: { cidrIpv4: cidr }, port: 443 }]
            : []),
        ]),
        ...props.testCidrs.map((cidr) => ({
          id: `test-${ruleKey(cidr)}`,
          description: `Blue/green test listener from ${cidr}`,
          peer: { cidrIpv4: cidr },
          port: props.testListenerPort,
        })),
      ],
      // Targets' groups live in the services stack, which must not be referenced from here: the VPC
      // CIDR on the app ports is the narrowest rule this stack can write.
      egress: props.targetPorts.map((p) => ({
        id: `targets-${p}`,
        description: `To targets on port ${p} in the VPC`,
        peer: { cidrIpv4: props.vpcCidr },
        port: p,
      })),
    });

    this.lb = new Lb(this, "alb", {
      name: props.name,
      internal: false,
      loadBalancerType: "application",
      ipAddressType: "ipv4",
      securityGroups: [this.securityGroup.id],
      subnets: props.subnetIds,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "defensive",
      idleTimeout: idleTimeoutSec,
      enableDeletionProtection: props.deletionProtection ?? true,
      enableHttp2: true,
      // Fail closed: if WAF cannot be reached, requests are refused rather than passed unchecked.
      enableWafFailOpen: false,
      accessLogs: { bucket: this.accessLogs.bucketName, prefix: ACCESS_LOG_PREFIX, enabled: true },
      // ELB checks write access when access logs are enabled: the policy must exist first.
      dependsOn: [this.accessLogs.policy],
    });
    this.arn = this.lb.arn;
    this.arnSuffix = this.lb.arnSuffix;
    this.dnsName = this.lb.dnsName;
    this.zoneId = this.lb.zoneId;

    const listener = (lid: string, port: number, protocol: Protocol, defaultAction: LbListenerDefaultAction) =>
      new LbListener(this, lid, {
        loadBalancerArn: this.lb.arn,
        port,
        protocol,
        ...(protocol === "HTTPS" ? { certificateArn: props.certificateArn, sslPolicy } : {}),
        defaultAction: [defaultAction],
      });

    if (https) {
      this.httpListener = listener("http", 80, "HTTP", {
        type: "redirect",
        redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
      });
      this.productionListener = listener("https", 443, "HTTPS", NOT_FOUND);
    } else {
      this.httpListener = listener("http", 80, "HTTP", NOT_FOUND);
      this.productionListener = this.httpListener;
    }
    this.testListener = listener("test", props.testListenerPort, this.protocol, NOT_FOUND);
  }

  private validate(props: LoadBalancerProps, idleTimeoutSec: number, sslPolicy: string): void {
    const v = new Validator(this);
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (Name)
    v.matches(
      "name",
      props.name,
      /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/,
      '1–32 of A-Z a-z 0-9 -, not starting or ending with "-" nor starting with "internal-"',
    );
    v.matches("region", props.region, /^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as "eu-west-1"');
    // The log bucket is "<name>-alb-logs-<12-digit account>-<region>", and S3 names stop at 63.
    v.check(
      props.name.length + props.region.length + 23 <= 63,
      "name",
      props.name,
      `at most ${40 - props.region.length} characters in ${props.region} (the access-log bucket name embeds it)`,
    );
    v.check(props.subnetIds.length >= 2, "subnetIds", props.subnetIds, "subnets in at least two AZs");
    v.check(props.ingressCidrs.length > 0, "ingressCidrs", props.ingressCidrs, "at least one IPv4 CIDR");
    v.check(props.testCidrs.length > 0, "testCidrs", props.testCidrs, "at least one IPv4 CIDR");
    props.ingressCidrs.forEach((c, i) => v.check(parseCidr(c) !== undefined, `ingressCidrs[${i}]`, c, "an IPv4 CIDR"));
    props.testCidrs.forEach((c, i) => {
      v.check(parseCidr(c) !== undefined, `testCidrs[${i}]`, c, "an IPv4 CIDR");
      v.check(
        parseCidr(c)?.prefix !== 0,
        `testCidrs[${i}]`,
        c,
        "narrower than 0.0.0.0/0 (the test listener is not public)",
      );
    });
    v.check(parseCidr(props.vpcCidr) !== undefined, "vpcCidr", props.vpcCidr, "an IPv4 CIDR");
    v.int("testListenerPort", props.testListenerPort, { min: 1, max: 65535 });
    v.check(
      props.testListenerPort !== 80 && props.testListenerPort !== 443,
      "testListenerPort",
      props.testListenerPort,
      "a port other than 80 and 443 (the production listeners)",
    );
    v.check(props.targetPorts.length > 0, "targetPorts", props.targetPorts, "at least one port");
    props.targetPorts.forEach((p, i) => v.int(`targetPorts[${i}]`, p, { min: 1, max: 65535 }));
    // ELB attribute idle_timeout.timeout_seconds: 1–4000.
    v.int("idleTimeoutSec", idleTimeoutSec, { min: 1, max: 4000 });
    v.matches("sslPolicy", sslPolicy, /^ELBSecurityPolicy-TLS13-/, "a TLS 1.3 ELBSecurityPolicy-TLS13-* policy");
    if (props.certificateArn !== undefined) v.nonEmpty("certificateArn", props.certificateArn);
  }
}

const ACCESS_LOG_PREFIX = "alb";

/** Rule ids from the CIDR itself, so reordering the config list never replaces a rule. */
function ruleKey(cidr: string): string {
  return cidr.replace(/[./]/g, "-");
}

/** The bucket-policy statement AWS documents for this Region's ELB access-log delivery. */
function logDeliveryStatement(region: string, ctx: AwsContext, objectsArn: string): DataAwsIamPolicyDocumentStatement {
  const account = ELB_LOG_DELIVERY_ACCOUNTS[region];
  return {
    sid: "ElbAccessLogDelivery",
    actions: ["s3:PutObject"],
    resources: [objectsArn],
    principals:
      account !== undefined
        ? [{ type: "AWS", identifiers: [`arn:${ctx.partition}:iam::${account}:root`] }]
        : [{ type: "Service", identifiers: [ELB_LOG_DELIVERY_SERVICE] }],
  };
}
