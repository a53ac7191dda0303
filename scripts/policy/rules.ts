// The policy rule table: every row of /work/shared/SECURITY.md (docs: SECURITY.md) plus the
// cross-resource rules. A rule applies to every resource of its type in any stack, so stacks that
// land later are covered without touching this file. Ids: CKV = Checkov, AVD = Trivy, SH = AWS
// Security Hub FSBP; an empty list means no scanner has that check.
import { cidrsOverlap, parseCidr } from "../../modules/lib/cidr";
import { planSubnets } from "../../modules/lib/subnet-plan";
import { mappingCovers, type ContainerDefinition } from "./containers";
import {
  hasWildcardPrincipal,
  isScopedByCondition,
  isWildcardAction,
  parsePolicy,
  statementApplies,
  webIdentityTrustProblem,
  type ParsedPolicy,
  type Statement,
} from "./iam";
import {
  APP_DEFAULTS,
  allContainers,
  appSetting,
  eachContainer,
  eachResource,
  fail,
  fisEnabled,
  isAppContainer,
  isProduction,
  isSsmAgentContainer,
  pass,
  type Outcome,
  type Rule,
  type RuleContext,
} from "./rule-kit";
import {
  WORLD,
  allPorts,
  coversPort,
  loadBalancers,
  onlyPorts,
  publicAlbGroups,
  ruleLabel,
  securityGroupRules,
} from "./sg";
import {
  asNumber,
  block,
  blocks,
  isFalse,
  isRecord,
  isToken,
  isTrue,
  sameResource,
  type Block,
  type Resource,
} from "./tf";

/** FireLens's forward input; nothing may reach it (ARCHITECTURE.md, Logs). */
export const FIRELENS_PORT = 24224;
/** Fargate Spot gives two minutes' notice before it reclaims a task. */
export const SPOT_NOTICE_SEC = 120;
/** ALB idle timeout when the attribute is not set (Elastic Load Balancing default). */
export const ALB_DEFAULT_IDLE_TIMEOUT_SEC = 60;
/** Target group deregistration delay when not set (provider default). */
export const DEFAULT_DEREGISTRATION_DELAY_SEC = 300;
/** ECS stopTimeout on Fargate when a container sets none. */
export const FARGATE_DEFAULT_STOP_TIMEOUT_SEC = 30;

/** Environment variable names that hold credentials (`REDIS_KEY_PREFIX` is not one: KEY must end the name). */
export const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY)|(^|_)(API_?)?KEY$/i;

/** Attributes whose value is a secret; an env var set from one leaks it into the task definition. */
const SECRET_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  random_password: ["result", "bcrypt_hash"],
  aws_secretsmanager_secret_version: ["secret_string", "secret_binary"],
  aws_ssm_parameter: ["value", "insecure_value"],
  aws_elasticache_replication_group: ["auth_token"],
  aws_rds_cluster: ["master_password"],
  aws_db_instance: ["password"],
  aws_iam_access_key: ["secret", "ses_smtp_password_v4"],
};

/** A reference to a Secrets Manager secret, an SSM parameter, or a database's managed master secret. */
const SECRET_STORE_REF =
  /\$\{[^}]*\b(aws_secretsmanager_secret|aws_secretsmanager_secret_version|aws_ssm_parameter)\.[\w-]+\.(arn|id|name)\b|\$\{[^}]*\b(aws_rds_cluster|aws_db_instance)\.[\w-]+\.master_user_secret\b/;

/**
 * Actions that have no resource-level permissions (AWS Service Authorization Reference: no
 * resource type listed), so `"Resource": "*"` is the only way to grant them.
 */
export const ACTIONS_WITHOUT_RESOURCES: readonly RegExp[] = [
  /^ecr:GetAuthorizationToken$/,
  /^xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets|GetSamplingStatisticSummaries)$/,
  /^ssmmessages:(CreateControlChannel|CreateDataChannel|OpenControlChannel|OpenDataChannel)$/,
  /^cloudwatch:PutMetricData$/,
  /^ec2:Describe[A-Za-z]+$/,
  /^sts:GetCallerIdentity$/,
  // FIS experiment roles (issue 10): command tracking and target resolution by tags.
  /^ssm:(ListCommands|CancelCommand)$/,
  /^tag:GetResources$/,
];

const IDENTITY_POLICIES: readonly (readonly [string, string])[] = [
  ["aws_iam_role_policy", "policy"],
  ["aws_iam_policy", "policy"],
  ["aws_iam_user_policy", "policy"],
  ["aws_iam_group_policy", "policy"],
];

const RESOURCE_POLICIES: readonly (readonly [string, string])[] = [
  ["aws_s3_bucket_policy", "policy"],
  ["aws_sns_topic", "policy"],
  ["aws_sns_topic_policy", "policy"],
  ["aws_sqs_queue_policy", "policy"],
  ["aws_ecr_repository_policy", "policy"],
  ["aws_secretsmanager_secret", "policy"],
  ["aws_secretsmanager_secret_policy", "policy"],
  ["aws_cloudwatch_log_resource_policy", "policy_document"],
];

const KEY_POLICIES: readonly (readonly [string, string])[] = [
  ["aws_kms_key", "policy"],
  ["aws_kms_key_policy", "policy"],
];

interface PolicyAt {
  readonly resource: Resource;
  readonly policy: ParsedPolicy;
}

/** Parsed policies of the given fields in the stack; inline role policies count as identity policies. */
function policiesIn(ctx: RuleContext, fields: readonly (readonly [string, string])[], inlineRole = false): PolicyAt[] {
  const out: PolicyAt[] = [];
  for (const [type, field] of fields) {
    for (const r of ctx.env.resources(type, ctx.stackName)) {
      if (r.body[field] === undefined) continue;
      out.push({ resource: r, policy: parsePolicy(ctx.env, r.stack, r.body[field]) });
    }
  }
  if (inlineRole) {
    for (const r of ctx.env.resources("aws_iam_role", ctx.stackName)) {
      for (const inline of blocks(r.body.inline_policy)) {
        if (inline.policy !== undefined)
          out.push({ resource: r, policy: parsePolicy(ctx.env, r.stack, inline.policy) });
      }
    }
  }
  return out;
}

/** One outcome per statement; an unreadable policy is a failure, never a pass. */
function eachStatement(policies: PolicyAt[], test: (s: Statement) => string | undefined): Outcome[] {
  return policies.flatMap(({ resource, policy }) => {
    if (!policy.ok) return [fail(resource, policy.why)];
    return policy.statements.map((s, i) => {
      const label = s.sid ?? `statement ${i}`;
      const problem = test(s);
      return problem === undefined ? pass(resource, label) : fail(resource, `${label}: ${problem}`, label);
    });
  });
}

const identity = (ctx: RuleContext) => policiesIn(ctx, IDENTITY_POLICIES, true);

/** S3 companion resources (aws_s3_bucket_*) in any stack that name this bucket. */
function companions(ctx: RuleContext, bucket: Resource, type: string): Resource[] {
  return ctx.env.attachedTo(type, "bucket", bucket);
}

/** Another account's or AWS's key: what an upload naming a foreign key would carry. */
const FOREIGN_KEY = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000";

/**
 * Uploads a KMS bucket must accept and refuse, simulated against its policy's Deny statements.
 * Terraform's S3 backend sends no encryption header for state and lock-file writes when neither
 * `encrypt` nor `kms_key_id` is set (internal/backend/remote-state/s3/client.go, put and
 * lockWithFile); Firehose names the key it was given.
 */
function ownKeyProblem(statements: readonly Statement[], key: string): string | undefined {
  const sse = "s3:x-amz-server-side-encryption";
  const sseKey = "s3:x-amz-server-side-encryption-aws-kms-key-id";
  const cases: { what: string; context: Record<string, string>; allowed: boolean }[] = [
    { what: "an upload without encryption headers (state, lock file)", context: {}, allowed: true },
    {
      what: "an upload naming aws:kms with the bucket's key",
      context: { [sse]: "aws:kms", [sseKey]: key },
      allowed: true,
    },
    { what: "an SSE-S3 (AES256) upload", context: { [sse]: "AES256" }, allowed: false },
    { what: "an aws:kms upload without a key id (aws/s3)", context: { [sse]: "aws:kms" }, allowed: false },
    {
      what: "an aws:kms upload with another key",
      context: { [sse]: "aws:kms", [sseKey]: FOREIGN_KEY },
      allowed: false,
    },
    {
      what: "an aws:kms upload with a key alias",
      context: { [sse]: "aws:kms", [sseKey]: "alias/aws/s3" },
      allowed: false,
    },
    {
      what: "an SSE-C upload",
      context: { "s3:x-amz-server-side-encryption-customer-algorithm": "AES256" },
      allowed: false,
    },
  ];
  const wrong = cases.filter(({ context, allowed }) => {
    const request = { ...context, "aws:SecureTransport": "true" };
    const denied = statements.some((s) => statementApplies(s, "Deny", "s3:PutObject", request));
    return denied === allowed;
  });
  return wrong.length === 0
    ? undefined
    : wrong.map((c) => `${c.what} is ${c.allowed ? "denied" : "not denied"}`).join("; ");
}

function listenersOf(ctx: RuleContext, lb: Resource): Resource[] {
  return [
    ...ctx.env.attachedTo("aws_lb_listener", "load_balancer_arn", lb),
    ...ctx.env.attachedTo("aws_alb_listener", "load_balancer_arn", lb),
  ];
}

/** An LB has a certificate when any of its listeners terminates TLS. */
function hasCertificate(ctx: RuleContext, lb: Resource): boolean {
  return listenersOf(ctx, lb).some((l) => l.body.certificate_arn !== undefined || l.body.protocol === "HTTPS");
}

function isRedirectToHttps(action: Record<string, unknown>): boolean {
  const redirect = block(action.redirect);
  return action.type === "redirect" && redirect !== undefined && redirect.protocol === "HTTPS";
}

/** Does the ECS service place tasks on FARGATE_SPOT (its own strategy, or its cluster's default)? */
function usesSpot(ctx: RuleContext, service: Resource): boolean {
  const spot = (strategy: unknown) =>
    blocks(strategy).some((s) => s.capacity_provider === "FARGATE_SPOT" && (asNumber(s.weight) ?? 1) > 0);
  if (blocks(service.body.capacity_provider_strategy).length > 0) return spot(service.body.capacity_provider_strategy);
  if (service.body.launch_type !== undefined) return false;
  const cluster = ctx.env.mentions(service.stack, service.body.cluster).find((r) => r.type === "aws_ecs_cluster");
  const defaults = ctx.env
    .resources("aws_ecs_cluster_capacity_providers")
    .filter((cp) => cluster === undefined || ctx.env.mentionsResource(cp.stack, cp.body.cluster_name, cluster));
  // Unknown cluster: assume Spot, the stricter case.
  return defaults.length === 0 || defaults.some((cp) => spot(cp.body.default_capacity_provider_strategy));
}

/** Is the subnet public: auto-assigns public IPs or routes 0.0.0.0/0 to an internet gateway? */
function isPublicSubnet(ctx: RuleContext, subnet: Resource): boolean {
  if (isTrue(subnet.body.map_public_ip_on_launch)) return true;
  const tables = ctx.env
    .attachedTo("aws_route_table_association", "subnet_id", subnet)
    .flatMap((a) => ctx.env.mentions(a.stack, a.body.route_table_id))
    .filter((r) => r.type === "aws_route_table");
  return tables.some((t) => {
    const routes = [
      ...blocks(t.body.route),
      ...ctx.env.attachedTo("aws_route", "route_table_id", t).map((r) => r.body),
    ];
    return routes.some((r) => ctx.env.mentions(t.stack, r.gateway_id).some((g) => g.type === "aws_internet_gateway"));
  });
}

function envValueProblem(c: ContainerDefinition): string | undefined {
  for (const e of c.environment) {
    for (const m of String(e.value ?? "").matchAll(/\b([a-z][a-z0-9_]*)\.([\w-]+)\.([\w-]+)/g)) {
      const [, type, name, attribute] = m;
      if (SECRET_ATTRIBUTES[type!]?.includes(attribute!)) {
        return `environment ${e.name} is set from ${type}.${name}.${attribute} (a secret value); pass it through "secrets"`;
      }
    }
  }
  return undefined;
}

export const RULES: readonly Rule[] = [
  // ── Network ──────────────────────────────────────────────────────────────
  {
    id: "NET-01",
    title: "VPC flow logs on",
    checkov: ["CKV2_AWS_11"],
    trivy: ["AVD-AWS-0178"],
    securityHub: ["EC2.6"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_vpc", (vpc) =>
        ctx.env.attachedTo("aws_flow_log", "vpc_id", vpc).length > 0 ? undefined : "no aws_flow_log for this VPC",
      ),
  },
  {
    id: "NET-02",
    title: "default security group allows nothing",
    checkov: ["CKV2_AWS_12"],
    trivy: ["AVD-AWS-0173"],
    securityHub: ["EC2.2"],
    check: (_s, ctx) => [
      ...eachResource(ctx, "aws_vpc", (vpc) =>
        ctx.env.attachedTo("aws_default_security_group", "vpc_id", vpc).length > 0
          ? undefined
          : "default security group not adopted (AWS leaves its allow-all rules in place)",
      ),
      ...eachResource(ctx, "aws_default_security_group", (sg) => {
        const n = blocks(sg.body.ingress).length + blocks(sg.body.egress).length;
        return n === 0 ? undefined : `${n} rule(s) on the default security group`;
      }),
    ],
  },
  {
    id: "NET-03",
    title: "subnets do not auto-assign public IPs",
    checkov: ["CKV_AWS_130"],
    trivy: ["AVD-AWS-0164"],
    securityHub: ["EC2.15"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_subnet", (s) =>
        isTrue(s.body.map_public_ip_on_launch) ? "map_public_ip_on_launch = true" : undefined,
      ),
  },
  // ── Security groups ──────────────────────────────────────────────────────
  {
    id: "SG-01",
    title: "no 0.0.0.0/0 or ::/0 ingress except the public ALB on 80/443",
    checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
    trivy: ["AVD-AWS-0107"],
    securityHub: ["EC2.18", "EC2.19"],
    check: (_s, ctx) => {
      const albGroups = publicAlbGroups(ctx.env);
      return securityGroupRules(ctx.env, ctx.stackName)
        .filter((r) => r.direction === "ingress")
        .map((r) => {
          const world = r.cidrs.filter((c) => WORLD.includes(c));
          if (world.length === 0) return pass(r.declaredBy);
          const onAlb = r.group !== undefined && albGroups.some((g) => sameResource(g, r.group!));
          if (onAlb && onlyPorts(r, [80, 443])) return pass(r.declaredBy);
          return fail(r.declaredBy, `${ruleLabel(r)}${onAlb ? " (the ALB may admit only 80/443)" : ""}`);
        });
    },
  },
  {
    id: "SG-02",
    title: "no ingress on all ports from a CIDR",
    checkov: ["CKV_AWS_277"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      securityGroupRules(ctx.env, ctx.stackName)
        .filter((r) => r.direction === "ingress")
        .map((r) => (r.cidrs.length > 0 && allPorts(r) ? fail(r.declaredBy, ruleLabel(r)) : pass(r.declaredBy))),
  },
  {
    id: "SG-03",
    title: "egress to the internet is limited to named ports",
    checkov: ["CKV_AWS_382"],
    trivy: ["AVD-AWS-0104"],
    securityHub: [],
    check: (_s, ctx) =>
      securityGroupRules(ctx.env, ctx.stackName)
        .filter((r) => r.direction === "egress")
        .map((r) =>
          r.cidrs.some((c) => WORLD.includes(c)) && allPorts(r) ? fail(r.declaredBy, ruleLabel(r)) : pass(r.declaredBy),
        ),
  },
  {
    id: "SG-04",
    title: "every security group has a description",
    checkov: ["CKV_AWS_23"],
    trivy: ["AVD-AWS-0099"],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_security_group", (sg) => {
        const d = typeof sg.body.description === "string" ? sg.body.description.trim() : "";
        return d === "" || d === "Managed by Terraform"
          ? "no description (Terraform's default does not count)"
          : undefined;
      }),
  },
  {
    id: "SG-05",
    title: "every security group rule has a description",
    checkov: ["CKV_AWS_23"],
    trivy: ["AVD-AWS-0124"],
    securityHub: [],
    check: (_s, ctx) =>
      securityGroupRules(ctx.env, ctx.stackName).map((r) =>
        (r.description ?? "").trim() === ""
          ? fail(r.declaredBy, `${ruleLabel(r)} has no description`)
          : pass(r.declaredBy),
      ),
  },
  // ── Load balancer ────────────────────────────────────────────────────────
  {
    id: "ALB-01",
    title: "ALB drops invalid header fields",
    checkov: ["CKV_AWS_131"],
    trivy: ["AVD-AWS-0052"],
    securityHub: ["ELB.4"],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName).map((lb) =>
        isTrue(lb.body.drop_invalid_header_fields) ? pass(lb) : fail(lb, "drop_invalid_header_fields is not true"),
      ),
  },
  {
    id: "ALB-02",
    title: "ALB deletion protection in prod",
    checkov: ["CKV_AWS_150"],
    trivy: [],
    securityHub: ["ELB.6"],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName).map((lb) =>
        !isProduction(ctx) || isTrue(lb.body.enable_deletion_protection)
          ? pass(lb)
          : fail(lb, "enable_deletion_protection is not true in prod"),
      ),
  },
  {
    id: "ALB-03",
    title: "ALB access logs to S3",
    checkov: ["CKV_AWS_91"],
    trivy: [],
    securityHub: ["ELB.5"],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName).map((lb) => {
        const logs = block(lb.body.access_logs);
        return logs && isTrue(logs.enabled) && logs.bucket
          ? pass(lb)
          : fail(lb, "access_logs not enabled with a bucket");
      }),
  },
  {
    id: "ALB-04",
    title: "ALB desync mitigation defensive or strictest",
    checkov: ["CKV_AWS_328"],
    trivy: [],
    securityHub: ["ELB.12"],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName).map((lb) => {
        // Unset means the AWS default, "defensive".
        const mode = lb.body.desync_mitigation_mode ?? "defensive";
        return mode === "defensive" || mode === "strictest"
          ? pass(lb)
          : fail(lb, `desync_mitigation_mode = ${String(mode)}`);
      }),
  },
  {
    id: "ALB-05",
    title: "ALB spans at least two AZs",
    checkov: [],
    trivy: [],
    securityHub: ["ELB.13"],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName).map((lb) => {
        const mappings = blocks(lb.body.subnet_mapping).map((m) => m.subnet_id);
        const entries = [
          ...ctx.env.resolveList(lb.stack, lb.body.subnets),
          ...mappings.map((m) => ({ stack: lb.stack, value: m })),
        ].filter((e) => e.value !== undefined);
        const subnets = entries.map((e) => ctx.env.referenced(e.stack, e.value)?.resource);
        if (subnets.some((s) => s === undefined || s.type !== "aws_subnet")) {
          return entries.length >= 2 ? pass(lb) : fail(lb, "cannot resolve the ALB's subnets to count its AZs");
        }
        const azs = new Set(
          subnets.map((s) => JSON.stringify(s!.body.availability_zone ?? s!.body.availability_zone_id)),
        );
        return azs.size >= 2 ? pass(lb) : fail(lb, `subnets span ${azs.size} AZ(s)`);
      }),
  },
  {
    id: "ALB-06",
    title: "load balancers are internal",
    checkov: [],
    trivy: ["AVD-AWS-0053"],
    securityHub: [],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName).map((lb) =>
        isTrue(lb.body.internal) ? pass(lb) : fail(lb, "internet-facing load balancer"),
      ),
  },
  {
    id: "WAF-01",
    title: "public ALB has a WAFv2 web ACL",
    checkov: ["CKV2_AWS_28"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      loadBalancers(ctx.env, ctx.stackName)
        .filter((lb) => !isTrue(lb.body.internal))
        .map((lb) =>
          ctx.env.attachedTo("aws_wafv2_web_acl_association", "resource_arn", lb).length > 0
            ? pass(lb)
            : fail(lb, "no aws_wafv2_web_acl_association for this ALB"),
        ),
  },
  {
    id: "WAF-02",
    title: "web ACLs log, with authorization and cookie redacted",
    checkov: ["CKV2_AWS_31"],
    trivy: [],
    securityHub: ["WAF.11"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_wafv2_web_acl", (acl) => {
        const logging = ctx.env.attachedTo("aws_wafv2_web_acl_logging_configuration", "resource_arn", acl)[0];
        if (!logging) return "no aws_wafv2_web_acl_logging_configuration";
        const redacted = blocks(logging.body.redacted_fields)
          .flatMap((f) => blocks(f.single_header))
          .map((h) => String(h.name).toLowerCase());
        const missing = ["authorization", "cookie"].filter((h) => !redacted.includes(h));
        return missing.length === 0 ? undefined : `headers not redacted in logs: ${missing.join(", ")}`;
      }),
  },
  {
    id: "LSN-01",
    title: "HTTPS listeners use a TLS 1.2+ policy",
    checkov: ["CKV_AWS_103", "CKV2_AWS_74"],
    trivy: ["AVD-AWS-0047"],
    securityHub: ["ELB.17"],
    check: (_s, ctx) =>
      eachResource(ctx, ["aws_lb_listener", "aws_alb_listener"], (l) => {
        if (l.body.protocol !== "HTTPS" && l.body.protocol !== "TLS") return undefined;
        const policy = String(l.body.ssl_policy ?? "");
        // Without ssl_policy the API picks ELBSecurityPolicy-2016-08 (TLS 1.0).
        return /^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)/.test(policy)
          ? undefined
          : `ssl_policy ${policy || "(default ELBSecurityPolicy-2016-08)"} allows TLS below 1.2`;
      }),
  },
  {
    id: "LSN-02",
    title: "with a certificate, HTTP only redirects to HTTPS",
    checkov: ["CKV_AWS_2", "CKV2_AWS_20"],
    trivy: ["AVD-AWS-0054"],
    securityHub: ["ELB.1"],
    check: (_s, ctx) =>
      eachResource(ctx, ["aws_lb_listener", "aws_alb_listener"], (l) => {
        if (l.body.protocol !== "HTTP") return undefined;
        const lb = ctx.env
          .mentions(l.stack, l.body.load_balancer_arn)
          .find((r) => r.type === "aws_lb" || r.type === "aws_alb");
        if (!lb || !hasCertificate(ctx, lb)) return undefined;
        const actions = blocks(l.body.default_action);
        if (!actions.every(isRedirectToHttps))
          return "plain-HTTP listener serves traffic though the ALB has a certificate";
        const forwarding = [
          ...ctx.env.attachedTo("aws_lb_listener_rule", "listener_arn", l),
          ...ctx.env.attachedTo("aws_alb_listener_rule", "listener_arn", l),
        ].filter((rule) => !blocks(rule.body.action).every(isRedirectToHttps));
        return forwarding.length === 0
          ? undefined
          : `listener rules serve plain HTTP: ${forwarding.map((r) => r.address).join(", ")}`;
      }),
  },
  {
    id: "TG-01",
    title: "target groups have health checks",
    checkov: ["CKV_AWS_261"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, ["aws_lb_target_group", "aws_alb_target_group"], (tg) => {
        const hc = block(tg.body.health_check);
        if (!hc || isFalse(hc.enabled)) return "no enabled health_check";
        const http = ["HTTP", "HTTPS", undefined].includes(tg.body.protocol as string | undefined);
        return http && !hc.path ? "health_check has no path" : undefined;
      }),
  },
  // ── ECS ──────────────────────────────────────────────────────────────────
  {
    id: "ECS-01",
    title: "cluster Container Insights on",
    checkov: ["CKV_AWS_65"],
    trivy: ["AVD-AWS-0034"],
    securityHub: ["ECS.12"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_cluster", (c) => {
        const s = blocks(c.body.setting).find((x) => x.name === "containerInsights");
        return s && (s.value === "enabled" || s.value === "enhanced") ? undefined : "containerInsights not enabled";
      }),
  },
  {
    id: "CTR-01",
    title: "containers have a read-only root filesystem",
    checkov: ["CKV_AWS_336"],
    trivy: [],
    securityHub: ["ECS.5"],
    check: (_s, ctx) =>
      eachContainer(ctx, (c) =>
        c.raw.readonlyRootFilesystem === true ? undefined : "readonlyRootFilesystem is not true",
      ),
  },
  {
    id: "CTR-02",
    title: "containers are not privileged",
    checkov: ["CKV_AWS_334"],
    trivy: [],
    securityHub: ["ECS.4"],
    check: (_s, ctx) => eachContainer(ctx, (c) => (c.raw.privileged === true ? "privileged: true" : undefined)),
  },
  {
    id: "CTR-03",
    title: "containers run as a non-root user",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.1"],
    check: (_s, ctx) =>
      eachContainer(ctx, (c) => {
        const user = c.raw.user;
        if (user === undefined || user === "") return "no user set (the image's default may be root)";
        return /^(root|0)(:.*)?$/.test(String(user)) ? `user ${String(user)} is root` : undefined;
      }),
  },
  {
    id: "CTR-04",
    title: "no secrets in container environment (by name)",
    checkov: [],
    trivy: ["AVD-AWS-0036"],
    securityHub: ["ECS.8"],
    check: (_s, ctx) =>
      eachContainer(ctx, (c) => {
        const leaked = c.environment.filter((e) => {
          if (!SECRET_NAME.test(e.name)) return false;
          const v = e.value;
          if (v === undefined || v === "") return false;
          // An ARN or a reference to an ARN/name says where the secret is, not what it is.
          return !(typeof v === "string" && (/^arn:/.test(v) || /\.(arn|id|name)\}$/.test(v)));
        });
        return leaked.length === 0 ? undefined : `secret-looking environment: ${leaked.map((e) => e.name).join(", ")}`;
      }),
  },
  {
    id: "CTR-05",
    title: "container secrets come from Secrets Manager or SSM",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.8"],
    check: (_s, ctx) =>
      eachContainer(ctx, (c, task) => {
        const bad = c.secrets.filter((s) => {
          // A cross-stack output resolves to the other stack's expression first.
          // `<secret-arn>:<json-key>:<stage>:<version>` picks one key of a JSON secret: check the ARN part.
          const arn = /^(\$\{[^}]+\})(?::[^:]*){3}$/.exec(String(s.valueFrom))?.[1] ?? s.valueFrom;
          const v = String(ctx.env.resolve(task.stack, arn).value ?? "");
          return !(/^arn:[^:]+:(secretsmanager|ssm):/.test(v) || /^\/[\w./-]+$/.test(v) || SECRET_STORE_REF.test(v));
        });
        return bad.length === 0
          ? undefined
          : `secrets not from Secrets Manager/SSM: ${bad.map((s) => s.name).join(", ")}`;
      }),
  },
  {
    id: "CTR-06",
    title: "every container has a log configuration",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.9"],
    check: (_s, ctx) =>
      eachContainer(ctx, (c) => {
        const lc = c.raw.logConfiguration;
        return isRecord(lc) && typeof lc.logDriver === "string" ? undefined : "no logConfiguration.logDriver";
      }),
  },
  {
    id: "CTR-07",
    title: "a read-only-root collector is configured to write nothing to disk",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.5"],
    // The ADOT image logs to stdout in containers (RUN_IN_CONTAINER=True in its Dockerfile); only
    // these components write files: storage and file extensions, the file exporter and receiver,
    // and ecs_observer (/etc/ecs_sd_targets.yaml, aws-otel-collector#2620).
    check: (_s, ctx) =>
      eachContainer(ctx, (c) => {
        const config = c.environment.find((e) => e.name === "AOT_CONFIG_CONTENT")?.value;
        if (config === undefined || !isTrue(c.raw.readonlyRootFilesystem)) return undefined;
        const writers = String(config).match(/^\s*(file_storage|filelog|file|ecs_observer)(\/[\w-]+)?:/gm);
        return writers ? `collector config writes to disk: ${writers.map((w) => w.trim()).join(", ")}` : undefined;
      }),
  },
  {
    id: "TASK-01",
    title: "task execution role differs from task role",
    checkov: ["CKV_AWS_249"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_task_definition", (t) =>
        t.body.execution_role_arn !== undefined && t.body.execution_role_arn === t.body.task_role_arn
          ? "execution_role_arn equals task_role_arn"
          : undefined,
      ),
  },
  {
    id: "TASK-02",
    title: "task definitions use awsvpc networking",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.1"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_task_definition", (t) =>
        t.body.network_mode === "awsvpc"
          ? undefined
          : `network_mode ${String(t.body.network_mode ?? "(bridge default)")}`,
      ),
  },
  {
    id: "TASK-03",
    title: "task definitions do not share the host's process namespace",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.3"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_task_definition", (t) =>
        t.body.pid_mode === "host" ? 'pid_mode = "host"' : undefined,
      ),
  },
  {
    id: "SVC-01",
    title: "services assign no public IP",
    checkov: ["CKV_AWS_333"],
    trivy: [],
    securityHub: ["ECS.2"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_service", (s) =>
        blocks(s.body.network_configuration).some((n) => isTrue(n.assign_public_ip))
          ? "assign_public_ip = true"
          : undefined,
      ),
  },
  {
    id: "SVC-02",
    title: "Fargate services run the latest platform version",
    checkov: ["CKV_AWS_332"],
    trivy: [],
    securityHub: ["ECS.10"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_service", (s) => {
        const v = s.body.platform_version;
        return v === undefined || v === "LATEST" ? undefined : `platform_version ${String(v)} is pinned`;
      }),
  },
  {
    id: "SVC-03",
    title: "services run in private subnets",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_service", (s) => {
        const net = block(s.body.network_configuration);
        if (!net) return "no network_configuration";
        const subnets = ctx.env
          .resolveList(s.stack, net.subnets)
          .map((e) => ctx.env.referenced(e.stack, e.value)?.resource);
        if (subnets.length === 0 || subnets.some((x) => x?.type !== "aws_subnet"))
          return "cannot resolve the service's subnets";
        const pub = subnets.filter((x) => isPublicSubnet(ctx, x!));
        return pub.length === 0 ? undefined : `public subnets: ${pub.map((x) => x!.address).join(", ")}`;
      }),
  },
  {
    id: "SVC-04",
    title: "ECS Exec off in prod",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecs_service", (s) =>
        isProduction(ctx) && isTrue(s.body.enable_execute_command) ? "enable_execute_command in prod" : undefined,
      ),
  },
  // ── ElastiCache ──────────────────────────────────────────────────────────
  {
    id: "EC-01",
    title: "ElastiCache encrypted at rest with KMS",
    checkov: ["CKV_AWS_29", "CKV_AWS_191"],
    trivy: ["AVD-AWS-0045"],
    securityHub: ["ElastiCache.4"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        !isTrue(g.body.at_rest_encryption_enabled)
          ? "at_rest_encryption_enabled is not true"
          : g.body.kms_key_id
            ? undefined
            : "no kms_key_id (AWS-owned key)",
      ),
  },
  {
    id: "EC-02",
    title: "ElastiCache encrypted in transit",
    checkov: ["CKV_AWS_30"],
    trivy: ["AVD-AWS-0051"],
    securityHub: ["ElastiCache.5"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        !isTrue(g.body.transit_encryption_enabled)
          ? "transit_encryption_enabled is not true"
          : g.body.transit_encryption_mode === "preferred"
            ? 'transit_encryption_mode "preferred" still accepts plaintext'
            : undefined,
      ),
  },
  {
    id: "EC-03",
    title: "ElastiCache requires AUTH or RBAC",
    checkov: ["CKV_AWS_31"],
    trivy: [],
    securityHub: ["ElastiCache.6"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        g.body.auth_token !== undefined || (Array.isArray(g.body.user_group_ids) && g.body.user_group_ids.length > 0)
          ? undefined
          : "neither auth_token nor user_group_ids",
      ),
  },
  {
    id: "EC-04",
    title: "ElastiCache automatic failover and Multi-AZ in prod",
    checkov: ["CKV2_AWS_50"],
    trivy: [],
    securityHub: ["ElastiCache.3"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        !isProduction(ctx) || (isTrue(g.body.automatic_failover_enabled) && isTrue(g.body.multi_az_enabled))
          ? undefined
          : "automatic_failover_enabled and multi_az_enabled must be true in prod",
      ),
  },
  {
    id: "EC-05",
    title: "ElastiCache keeps snapshots",
    checkov: ["CKV_AWS_134"],
    trivy: ["AVD-AWS-0050"],
    securityHub: ["ElastiCache.1"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        (asNumber(g.body.snapshot_retention_limit) ?? 0) > 0 ? undefined : "snapshot_retention_limit is 0",
      ),
  },
  {
    id: "EC-06",
    title: "ElastiCache auto minor version upgrades",
    checkov: ["CKV_AWS_322"],
    trivy: [],
    securityHub: ["ElastiCache.2"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        isFalse(g.body.auto_minor_version_upgrade) ? "auto_minor_version_upgrade = false" : undefined,
      ),
  },
  {
    id: "EC-07",
    title: "ElastiCache uses its own subnet group",
    checkov: ["CKV_AWS_323"],
    trivy: [],
    securityHub: ["ElastiCache.7"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) =>
        !g.body.subnet_group_name || g.body.subnet_group_name === "default" ? "default subnet group" : undefined,
      ),
  },
  {
    id: "EC-08",
    title: "ElastiCache in prod: an automatic minor upgrade cannot turn into a replacement (prevent_destroy)",
    checkov: [],
    trivy: [],
    securityHub: [],
    // The provider reads engine_version back as the running "major.minor" and forces replacement when
    // the configuration names a lower one (internal/service/elasticache/engine_version.go,
    // engineVersionForceNewOnDowngrade); "<major>.x" is accepted only for Redis 6.
    check: (_s, ctx) =>
      eachResource(ctx, "aws_elasticache_replication_group", (g) => {
        if (!isProduction(ctx) || isFalse(g.body.auto_minor_version_upgrade) || g.body.engine_version === undefined) {
          return undefined;
        }
        return isTrue(block(g.body.lifecycle)?.prevent_destroy)
          ? undefined
          : `engine_version ${String(g.body.engine_version)} is pinned with automatic minor upgrades on, and nothing refuses the replacement a later upgrade would plan`;
      }),
  },
  // ── Aurora ───────────────────────────────────────────────────────────────
  {
    id: "RDS-01",
    title: "Aurora storage encrypted with KMS",
    checkov: ["CKV_AWS_96", "CKV_AWS_327"],
    trivy: ["AVD-AWS-0079"],
    securityHub: ["RDS.27"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_rds_cluster", (c) =>
        !isTrue(c.body.storage_encrypted)
          ? "storage_encrypted is not true"
          : c.body.kms_key_id
            ? undefined
            : "no kms_key_id",
      ),
  },
  {
    id: "RDS-02",
    title: "Aurora IAM database authentication",
    checkov: ["CKV_AWS_162"],
    trivy: ["AVD-AWS-0176"],
    securityHub: ["RDS.12"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_rds_cluster", (c) =>
        isTrue(c.body.iam_database_authentication_enabled)
          ? undefined
          : "iam_database_authentication_enabled is not true",
      ),
  },
  {
    id: "RDS-03",
    title: "Aurora backups kept at least 7 days",
    checkov: ["CKV_AWS_133"],
    trivy: ["AVD-AWS-0077"],
    securityHub: ["RDS.11"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_rds_cluster", (c) => {
        const days = asNumber(c.body.backup_retention_period) ?? 1;
        return days >= 7 ? undefined : `backup_retention_period ${days} < 7`;
      }),
  },
  {
    id: "RDS-04",
    title: "Aurora deletion protection in prod",
    checkov: ["CKV_AWS_139"],
    trivy: ["AVD-AWS-0343"],
    securityHub: ["RDS.7"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_rds_cluster", (c) =>
        !isProduction(ctx) || isTrue(c.body.deletion_protection)
          ? undefined
          : "deletion_protection is not true in prod",
      ),
  },
  {
    id: "RDS-05",
    title: "database instances are not publicly accessible",
    checkov: ["CKV_AWS_17"],
    trivy: ["AVD-AWS-0180"],
    securityHub: ["RDS.2"],
    check: (_s, ctx) =>
      eachResource(ctx, ["aws_rds_cluster_instance", "aws_db_instance"], (i) =>
        isTrue(i.body.publicly_accessible) ? "publicly_accessible = true" : undefined,
      ),
  },
  {
    id: "RDS-06",
    title: "Aurora exports its logs",
    checkov: ["CKV_AWS_324"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_rds_cluster", (c) => {
        const exported = Array.isArray(c.body.enabled_cloudwatch_logs_exports)
          ? c.body.enabled_cloudwatch_logs_exports.map(String)
          : [];
        const wanted = String(c.body.engine ?? "").includes("mysql") ? ["audit", "error", "slowquery"] : [];
        const missing = wanted.filter((w) => !exported.includes(w));
        if (exported.length === 0) return "enabled_cloudwatch_logs_exports is empty";
        return missing.length === 0 ? undefined : `log exports missing: ${missing.join(", ")}`;
      }),
  },
  {
    id: "RDS-07",
    title: "Aurora in prod: a reader pinned to an AZ other than the writer's",
    checkov: [],
    trivy: [],
    securityHub: ["RDS.15"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_rds_cluster", (c) => {
        if (!isProduction(ctx)) return undefined;
        const instances = ctx.env
          .attachedTo("aws_rds_cluster_instance", "cluster_identifier", c)
          .sort((a, b) => (asNumber(a.body.promotion_tier) ?? 0) - (asNumber(b.body.promotion_tier) ?? 0));
        const [writer, ...readers] = instances;
        if (!writer || readers.length === 0) return "no reader instance (nothing to fail over to)";
        const writerAz = `${writer.address}.availability_zone`;
        const spread = (r: Resource): boolean => {
          const az = r.body.availability_zone;
          if (typeof az !== "string") return false;
          if (!isToken(az))
            return typeof writer.body.availability_zone === "string" && az !== writer.body.availability_zone;
          return az.includes("setsubtract(") && az.includes(writerAz);
        };
        const loose = readers.filter((r) => !spread(r)).map((r) => r.address);
        return loose.length === 0 ? undefined : `readers may share the writer's AZ: ${loose.join(", ")}`;
      }),
  },
  // ── Firehose ─────────────────────────────────────────────────────────────
  {
    id: "FH-01",
    title: "Firehose server-side encryption with a customer-managed key",
    checkov: ["CKV_AWS_240", "CKV_AWS_241"],
    trivy: [],
    securityHub: ["DataFirehose.1"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_kinesis_firehose_delivery_stream", (f) => {
        const sse = block(f.body.server_side_encryption);
        if (!sse || !isTrue(sse.enabled)) return "server_side_encryption not enabled";
        return sse.key_type === "CUSTOMER_MANAGED_CMK" && sse.key_arn
          ? undefined
          : "not encrypted with a customer-managed key";
      }),
  },
  {
    id: "FH-02",
    title: "Firehose writes to S3 with KMS and logs delivery errors",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_kinesis_firehose_delivery_stream", (f) => {
        const s3 = block(f.body.extended_s3_configuration);
        if (!s3) return undefined;
        if (!s3.kms_key_arn) return "extended_s3_configuration has no kms_key_arn";
        const cw = block(s3.cloudwatch_logging_options);
        return cw && isTrue(cw.enabled) ? undefined : "delivery errors are not logged (cloudwatch_logging_options)";
      }),
  },
  // ── S3 ───────────────────────────────────────────────────────────────────
  {
    id: "S3-01",
    title: "S3 public access blocked",
    checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"],
    trivy: ["AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0094"],
    securityHub: ["S3.1", "S3.8"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) => {
        const pab = companions(ctx, b, "aws_s3_bucket_public_access_block")[0];
        if (!pab) return "no aws_s3_bucket_public_access_block";
        const off = [
          "block_public_acls",
          "block_public_policy",
          "ignore_public_acls",
          "restrict_public_buckets",
        ].filter((k) => !isTrue(pab.body[k]));
        return off.length === 0 ? undefined : `public access block off: ${off.join(", ")}`;
      }),
  },
  {
    id: "S3-02",
    title: "S3 versioning on",
    checkov: ["CKV_AWS_21"],
    trivy: ["AVD-AWS-0090"],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) => {
        const v = companions(ctx, b, "aws_s3_bucket_versioning")[0];
        const status = block(v?.body.versioning_configuration)?.status;
        const inline = block(b.body.versioning);
        return status === "Enabled" || isTrue(inline?.enabled) ? undefined : "versioning not enabled";
      }),
  },
  {
    id: "S3-03",
    title: "S3 default encryption with KMS",
    checkov: ["CKV_AWS_145"],
    trivy: ["AVD-AWS-0088", "AVD-AWS-0132"],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) => {
        const enc = companions(ctx, b, "aws_s3_bucket_server_side_encryption_configuration")[0];
        const byDefault = blocks(enc?.body.rule).flatMap((r) => blocks(r.apply_server_side_encryption_by_default))[0];
        if (!byDefault) return "no default encryption configuration";
        return String(byDefault.sse_algorithm).startsWith("aws:kms") && byDefault.kms_master_key_id
          ? undefined
          : `sse_algorithm ${String(byDefault.sse_algorithm)} without a customer-managed KMS key`;
      }),
  },
  {
    id: "S3-04",
    title: "S3 bucket policy denies non-TLS requests",
    checkov: [],
    trivy: [],
    securityHub: ["S3.5"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) => {
        const policies = companions(ctx, b, "aws_s3_bucket_policy");
        if (policies.length === 0) return "no bucket policy";
        const ok = policies.some((p) => {
          const parsed = parsePolicy(ctx.env, p.stack, p.body.policy);
          return (
            parsed.ok &&
            parsed.statements.some(
              (s) =>
                s.effect === "Deny" &&
                hasWildcardPrincipal(s) &&
                s.actions.some((a) => a === "s3:*" || a === "*") &&
                s.conditions.some((c) => c.variable === "aws:SecureTransport" && c.values.includes("false")),
            )
          );
        });
        return ok ? undefined : "no Deny on aws:SecureTransport = false";
      }),
  },
  {
    id: "S3-05",
    title: "S3 ACLs disabled (bucket owner enforced)",
    checkov: ["CKV2_AWS_65"],
    trivy: [],
    securityHub: ["S3.12"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) => {
        const oc = companions(ctx, b, "aws_s3_bucket_ownership_controls")[0];
        return block(oc?.body.rule)?.object_ownership === "BucketOwnerEnforced" ? undefined : "ACLs not disabled";
      }),
  },
  {
    id: "S3-06",
    title: "S3 lifecycle configuration",
    checkov: ["CKV2_AWS_61"],
    trivy: [],
    securityHub: ["S3.13"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) =>
        companions(ctx, b, "aws_s3_bucket_lifecycle_configuration").length > 0
          ? undefined
          : "no lifecycle configuration",
      ),
  },
  {
    id: "S3-07",
    title: "S3 KMS buckets take uploads under their own key only, and without an encryption header",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_s3_bucket", (b) => {
        const enc = companions(ctx, b, "aws_s3_bucket_server_side_encryption_configuration")[0];
        const byDefault = blocks(enc?.body.rule).flatMap((r) => blocks(r.apply_server_side_encryption_by_default))[0];
        if (!byDefault || !String(byDefault.sse_algorithm).startsWith("aws:kms")) return undefined;
        const key = String(byDefault.kms_master_key_id);
        const statements = companions(ctx, b, "aws_s3_bucket_policy").flatMap((p) => {
          const parsed = parsePolicy(ctx.env, p.stack, p.body.policy);
          return parsed.ok ? parsed.statements : [];
        });
        try {
          return ownKeyProblem(statements, key);
        } catch (error) {
          return `cannot simulate the bucket policy: ${(error as Error).message}`;
        }
      }),
  },
  // ── Logs ─────────────────────────────────────────────────────────────────
  {
    id: "LOG-01",
    title: "log groups have retention set",
    checkov: ["CKV_AWS_66", "CKV_AWS_338"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_cloudwatch_log_group", (g) =>
        (asNumber(g.body.retention_in_days) ?? 0) > 0 || isToken(g.body.retention_in_days)
          ? undefined
          : "retention_in_days not set (logs kept forever)",
      ),
  },
  {
    id: "LOG-02",
    title: "log groups encrypted with KMS",
    checkov: ["CKV_AWS_158"],
    trivy: ["AVD-AWS-0017"],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_cloudwatch_log_group", (g) => (g.body.kms_key_id ? undefined : "no kms_key_id")),
  },
  {
    id: "LOG-03",
    title: "containers log to Terraform-managed log groups",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachContainer(ctx, (c, task) => {
        const lc = isRecord(c.raw.logConfiguration) ? c.raw.logConfiguration : {};
        if (lc.logDriver !== "awslogs") return undefined;
        const options = isRecord(lc.options) ? lc.options : {};
        // An auto-created group has no retention and no KMS key: LOG-01/02 could never see it.
        if (options["awslogs-create-group"] === "true") return "awslogs-create-group makes an unmanaged log group";
        const group = ctx.env
          .mentions(task.stack, options["awslogs-group"])
          .find((r) => r.type === "aws_cloudwatch_log_group");
        return group
          ? undefined
          : `awslogs-group ${String(options["awslogs-group"])} is not a log group of this environment`;
      }),
  },
  // ── IAM and KMS ──────────────────────────────────────────────────────────
  {
    id: "IAM-01",
    title: 'no "*" action on "*" (full admin)',
    checkov: ["CKV_AWS_62"],
    trivy: [],
    securityHub: ["IAM.1"],
    check: (_s, ctx) =>
      eachStatement(identity(ctx), (s) =>
        s.effect === "Allow" && s.actions.includes("*") && s.resources.includes("*") ? '"*" on "*"' : undefined,
      ),
  },
  {
    id: "IAM-02",
    title: "no wildcard actions (* or service:*) in Allow statements",
    checkov: ["CKV_AWS_63"],
    trivy: ["AVD-AWS-0057"],
    securityHub: ["IAM.21"],
    check: (_s, ctx) =>
      eachStatement(
        [...identity(ctx), ...policiesIn(ctx, RESOURCE_POLICIES), ...policiesIn(ctx, KEY_POLICIES)],
        (s) => {
          if (s.effect !== "Allow") return undefined;
          if (s.notActions.length > 0) return "Allow with NotAction";
          const wild = s.actions.filter(isWildcardAction);
          return wild.length === 0 ? undefined : `wildcard actions ${wild.join(", ")}`;
        },
      ),
  },
  {
    id: "IAM-03",
    title: 'identity policies scope resources (no "*" where the API allows ARNs)',
    checkov: ["CKV_AWS_355"],
    trivy: ["AVD-AWS-0057"],
    securityHub: [],
    check: (_s, ctx) =>
      eachStatement(identity(ctx), (s) => {
        if (s.effect !== "Allow") return undefined;
        if (s.notResources.length > 0) return "Allow with NotResource";
        if (!s.resources.includes("*")) return undefined;
        const scopable = s.actions.filter((a) => !ACTIONS_WITHOUT_RESOURCES.some((re) => re.test(a)));
        return scopable.length === 0 ? undefined : `"*" resource for ${scopable.join(", ")}`;
      }),
  },
  {
    id: "IAM-04",
    title: "trust policies: named principals, service principals pinned to the account",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      ctx.env.resources("aws_iam_role", ctx.stackName).flatMap((role) =>
        eachStatement(
          [{ resource: role, policy: parsePolicy(ctx.env, role.stack, role.body.assume_role_policy) }],
          (s) => {
            if (s.effect !== "Allow") return undefined;
            if (hasWildcardPrincipal(s)) return "anyone may assume the role";
            const service = s.principals.some((p) => p.type === "Service");
            return service && !isScopedByCondition(s)
              ? "service principal without aws:SourceAccount/SourceArn"
              : undefined;
          },
        ),
      ),
  },
  {
    id: "IAM-05",
    title: "resource policies grant no anonymous access",
    checkov: [],
    trivy: [],
    securityHub: ["S3.2", "SNS.4"],
    check: (_s, ctx) =>
      eachStatement(policiesIn(ctx, RESOURCE_POLICIES), (s) =>
        s.effect === "Allow" && hasWildcardPrincipal(s) && !isScopedByCondition(s)
          ? 'Allow to principal "*"'
          : undefined,
      ),
  },
  {
    id: "IAM-06",
    title: "no AWS managed admin policies attached",
    checkov: ["CKV_AWS_274"],
    trivy: [],
    securityHub: ["IAM.1"],
    check: (_s, ctx) => {
      const admin = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;
      return [
        ...eachResource(
          ctx,
          ["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment"],
          (a) => (admin.test(String(a.body.policy_arn)) ? `attaches ${String(a.body.policy_arn)}` : undefined),
        ),
        ...eachResource(ctx, "aws_iam_role", (r) => {
          const arns = Array.isArray(r.body.managed_policy_arns) ? r.body.managed_policy_arns.map(String) : [];
          const bad = arns.filter((a) => admin.test(a));
          return bad.length === 0 ? undefined : `attaches ${bad.join(", ")}`;
        }),
      ];
    },
  },
  {
    id: "IAM-07",
    title: "OIDC (GitHub Actions) trust: audience pinned, exact subjects of one repository",
    checkov: ["CKV_AWS_358"],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      ctx.env
        .resources("aws_iam_role", ctx.stackName)
        .filter((role) => {
          const trust = parsePolicy(ctx.env, role.stack, role.body.assume_role_policy);
          return !trust.ok || trust.statements.some((s) => s.principals.some((p) => p.type === "Federated"));
        })
        .flatMap((role) =>
          eachStatement(
            [{ resource: role, policy: parsePolicy(ctx.env, role.stack, role.body.assume_role_policy) }],
            webIdentityTrustProblem,
          ),
        ),
  },
  {
    id: "KMS-01",
    title: "KMS key rotation on",
    checkov: ["CKV_AWS_7"],
    trivy: ["AVD-AWS-0065"],
    securityHub: ["KMS.4"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_kms_key", (k) =>
        isTrue(k.body.enable_key_rotation) ||
        (k.body.customer_master_key_spec ?? "SYMMETRIC_DEFAULT") !== "SYMMETRIC_DEFAULT"
          ? undefined
          : "enable_key_rotation is not true",
      ),
  },
  {
    id: "KMS-02",
    title: "key policies have no wildcard principal",
    checkov: ["CKV_AWS_33"],
    trivy: [],
    securityHub: ["KMS.5"],
    check: (_s, ctx) =>
      eachStatement(policiesIn(ctx, KEY_POLICIES), (s) =>
        s.effect === "Allow" && hasWildcardPrincipal(s) ? 'Allow to principal "*"' : undefined,
      ),
  },
  // ── Other stores ─────────────────────────────────────────────────────────
  {
    id: "SNS-01",
    title: "SNS topics encrypted with KMS",
    checkov: ["CKV_AWS_26"],
    trivy: ["AVD-AWS-0095"],
    securityHub: ["SNS.1"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_sns_topic", (t) => (t.body.kms_master_key_id ? undefined : "no kms_master_key_id")),
  },
  {
    id: "ECR-01",
    title: "ECR scans on push",
    checkov: ["CKV_AWS_163"],
    trivy: ["AVD-AWS-0030"],
    securityHub: ["ECR.1"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecr_repository", (r) =>
        isTrue(block(r.body.image_scanning_configuration)?.scan_on_push) ? undefined : "scan_on_push is not true",
      ),
  },
  {
    id: "ECR-02",
    title: "ECR tags are immutable",
    checkov: ["CKV_AWS_51"],
    trivy: ["AVD-AWS-0031"],
    securityHub: ["ECR.2"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecr_repository", (r) =>
        String(r.body.image_tag_mutability ?? "MUTABLE").startsWith("IMMUTABLE") ? undefined : "image tags are mutable",
      ),
  },
  {
    id: "ECR-03",
    title: "ECR encrypted with KMS",
    checkov: ["CKV_AWS_136"],
    trivy: ["AVD-AWS-0033"],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecr_repository", (r) =>
        blocks(r.body.encryption_configuration).some((e) => e.encryption_type === "KMS")
          ? undefined
          : "not encrypted with KMS",
      ),
  },
  {
    id: "ECR-04",
    title: "ECR repositories have a lifecycle policy",
    checkov: [],
    trivy: [],
    securityHub: ["ECR.3"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ecr_repository", (r) =>
        ctx.env.attachedTo("aws_ecr_lifecycle_policy", "repository", r).length > 0
          ? undefined
          : "no aws_ecr_lifecycle_policy",
      ),
  },
  {
    id: "SM-01",
    title: "Secrets Manager secrets use a customer-managed key",
    checkov: ["CKV_AWS_149"],
    trivy: ["AVD-AWS-0098"],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_secretsmanager_secret", (s) => (s.body.kms_key_id ? undefined : "no kms_key_id")),
  },
  {
    id: "SSM-01",
    title: "secret-looking SSM parameters are SecureString",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_ssm_parameter", (p) =>
        SECRET_NAME.test(String(p.body.name).split("/").pop() ?? "") && p.body.type !== "SecureString"
          ? `${String(p.body.name)} is ${String(p.body.type)}`
          : undefined,
      ),
  },
  {
    id: "DDB-01",
    title: "DynamoDB tables: KMS encryption and point-in-time recovery",
    checkov: ["CKV_AWS_119", "CKV_AWS_28"],
    trivy: ["AVD-AWS-0024", "AVD-AWS-0025"],
    securityHub: ["DynamoDB.2"],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_dynamodb_table", (t) => {
        const sse = block(t.body.server_side_encryption);
        if (!sse || !isTrue(sse.enabled) || !sse.kms_key_arn) return "not encrypted with a customer-managed key";
        return isTrue(block(t.body.point_in_time_recovery)?.enabled) ? undefined : "point_in_time_recovery off";
      }),
  },
  // ── Cross-resource (no scanner checks these) ─────────────────────────────
  {
    id: "X-01",
    title: "ALB idle timeout below the apps' keep-alive timeout",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) => {
      const apps = allContainers(ctx.env).filter(({ container }) => isAppContainer(container));
      const keepAlives = apps.map(({ container }) =>
        appSetting(container, "KEEP_ALIVE_TIMEOUT_MS", APP_DEFAULTS.keepAliveTimeoutMs),
      );
      const keepAliveMs = Math.min(APP_DEFAULTS.keepAliveTimeoutMs, ...keepAlives);
      return loadBalancers(ctx.env, ctx.stackName).map((lb) => {
        const idle = asNumber(lb.body.idle_timeout) ?? ALB_DEFAULT_IDLE_TIMEOUT_SEC;
        return idle * 1000 < keepAliveMs
          ? pass(lb)
          : fail(
              lb,
              `idle_timeout ${idle} s is not below the apps' keep-alive ${keepAliveMs / 1000} s (502s on reused connections)`,
            );
      });
    },
  },
  {
    id: "X-02",
    title: "apps' headers timeout above their keep-alive timeout",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachContainer(ctx, (c) => {
        if (!isAppContainer(c)) return undefined;
        const keepAlive = appSetting(c, "KEEP_ALIVE_TIMEOUT_MS", APP_DEFAULTS.keepAliveTimeoutMs);
        const headers = appSetting(c, "HEADERS_TIMEOUT_MS", APP_DEFAULTS.headersTimeoutMs);
        return headers > keepAlive ? undefined : `HEADERS_TIMEOUT_MS ${headers} <= KEEP_ALIVE_TIMEOUT_MS ${keepAlive}`;
      }),
  },
  {
    id: "X-03",
    title: "Spot services: target group deregistration delay below 120 s",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      ctx.env.resources("aws_ecs_service", ctx.stackName).flatMap((svc) => {
        if (!usesSpot(ctx, svc)) return [];
        const refs = blocks(svc.body.load_balancer).flatMap((lb) => [
          lb.target_group_arn,
          ...blocks(lb.advanced_configuration).map((a) => a.alternate_target_group_arn),
        ]);
        const groups = ctx.env
          .mentions(svc.stack, refs)
          .filter((r) => r.type === "aws_lb_target_group" || r.type === "aws_alb_target_group");
        return groups.map((tg) => {
          const delay = asNumber(tg.body.deregistration_delay) ?? DEFAULT_DEREGISTRATION_DELAY_SEC;
          return delay < SPOT_NOTICE_SEC
            ? pass(tg)
            : fail(
                tg,
                `deregistration_delay ${delay} s >= ${SPOT_NOTICE_SEC} s Spot notice (service ${svc.address} uses FARGATE_SPOT)`,
              );
        });
      }),
  },
  {
    id: "X-04",
    title: "stopTimeout at most 120 s and apps drain within it",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachContainer(ctx, (c) => {
        const stop = asNumber(c.raw.stopTimeout) ?? FARGATE_DEFAULT_STOP_TIMEOUT_SEC;
        if (stop > SPOT_NOTICE_SEC) return `stopTimeout ${stop} s > ${SPOT_NOTICE_SEC} s`;
        if (!isAppContainer(c)) return undefined;
        const drain = appSetting(c, "SHUTDOWN_TIMEOUT_MS", APP_DEFAULTS.shutdownTimeoutMs);
        return drain < stop * 1000
          ? undefined
          : `SHUTDOWN_TIMEOUT_MS ${drain} does not end before stopTimeout ${stop} s`;
      }),
  },
  {
    id: "X-05",
    title: `FireLens port ${FIRELENS_PORT} closed: no ingress rule, no port mapping`,
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) => [
      ...securityGroupRules(ctx.env, ctx.stackName)
        .filter((r) => r.direction === "ingress")
        .map((r) =>
          coversPort(r, FIRELENS_PORT)
            ? fail(r.declaredBy, `${ruleLabel(r)} admits ${FIRELENS_PORT}`)
            : pass(r.declaredBy),
        ),
      ...eachContainer(ctx, (c) =>
        c.portMappings.some((m) => mappingCovers(m, FIRELENS_PORT))
          ? `port mapping exposes ${FIRELENS_PORT}`
          : undefined,
      ),
    ],
  },
  {
    id: "X-06",
    title: "secret values reach tasks only through secrets (no env var set from a secret attribute)",
    checkov: [],
    trivy: [],
    securityHub: ["ECS.8"],
    check: (_s, ctx) => eachContainer(ctx, (c) => envValueProblem(c)),
  },
  {
    id: "X-07",
    title: "FIS prerequisites only where config enables FIS",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) => {
      const enabled = fisEnabled(ctx.config);
      const off = (what: string) => (enabled ? undefined : `${what} but config does not enable FIS`);
      return [
        ...eachResource(ctx, "aws_ecs_task_definition", (t) =>
          isTrue(t.body.enable_fault_injection) ? off("enable_fault_injection = true") : undefined,
        ),
        ...eachContainer(ctx, (c) => (isSsmAgentContainer(c) ? off("SSM agent sidecar") : undefined)),
        ...eachResource(ctx, "aws_fis_experiment_template", () => off("FIS experiment template")),
      ];
    },
  },
  {
    id: "X-08",
    title: "sidecar ports are not reachable from outside the task (no mapping, or no group admits it)",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) => {
      const ingress = securityGroupRules(ctx.env).filter((r) => r.direction === "ingress");
      return eachContainer(ctx, (c, task) => {
        if (isAppContainer(c) || c.portMappings.length === 0) return undefined;
        const groups = taskSecurityGroups(ctx, task);
        // A task no service runs (or whose groups cannot be resolved): every ingress rule counts.
        const admitting = ingress.filter(
          (r) => groups === undefined || groups.some((g) => r.group !== undefined && sameResource(g, r.group)),
        );
        const exposed = c.portMappings.flatMap((m) => {
          const ports = mappedPorts(m);
          return admitting.filter((r) => ports.some((p) => coversPort(r, p))).map((r) => `${ruleLabel(r)} admits it`);
        });
        return exposed.length === 0 ? undefined : `sidecar port mapping reachable: ${[...new Set(exposed)].join("; ")}`;
      });
    },
  },
  {
    id: "X-09",
    title: "WAF lets through every body the apps accept, and refuses a Content-Length above their limit",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) => {
      const limits = allContainers(ctx.env)
        .filter(({ container }) => isAppContainer(container))
        .map(({ container }) => appSetting(container, "BODY_LIMIT_BYTES", APP_DEFAULTS.bodyLimitBytes));
      const maxBody = limits.length > 0 ? Math.max(...limits) : APP_DEFAULTS.bodyLimitBytes;
      return eachResource(ctx, "aws_wafv2_web_acl", (acl) => wafBodyProblem(blocks(acl.body.rule), maxBody));
    },
  },
  {
    id: "X-10",
    title: "FIS experiment roles hold every permission the FIS actions reference lists for their action",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_fis_experiment_template", (t) => {
        const role = ctx.env.referenced(t.stack, t.body.role_arn)?.resource;
        if (role?.type !== "aws_iam_role") return "role_arn does not name a role of this configuration";
        const granted = new Set(
          ctx.env.attachedTo("aws_iam_role_policy", "role", role).flatMap((p) => {
            const parsed = parsePolicy(ctx.env, p.stack, p.body.policy);
            return parsed.ok ? parsed.statements.filter((s) => s.effect === "Allow").flatMap((s) => s.actions) : [];
          }),
        );
        const problems = blocks(t.body.action).flatMap((a) => {
          const id = String(a.action_id);
          const needed = FIS_ACTION_PERMISSIONS[id];
          if (!needed) return [`${id}: no documented permission list here (add it from the FIS actions reference)`];
          const missing = needed.filter((n) => !granted.has(n));
          return missing.length === 0 ? [] : [`${id} needs ${missing.join(", ")}`];
        });
        return problems.length === 0 ? undefined : problems.join("; ");
      }),
  },
  {
    id: "X-11",
    title: "FIS network latency delays only the private subnets' hosts: not the ALB, not the VPC's DNS resolver",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) =>
      eachResource(ctx, "aws_fis_experiment_template", (t) => {
        const latency = blocks(t.body.action).filter((a) => a.action_id === "aws:ecs:task-network-latency");
        const plan = planSubnets(ctx.config.network);
        const vpc = parseCidr(ctx.config.network.vpcCidr);
        const resolver = vpc ? { network: vpc.network + 2, prefix: 32 } : undefined;
        const publicCidrs = plan.publicSubnetCidrs.map((c) => parseCidr(c)).filter((c) => c !== undefined);
        const problems = latency.flatMap((a) => {
          const sources = blocks(a.parameter).find((p) => p.key === "sources")?.value;
          if (sources === undefined || sources === "ALL") return ["sources is ALL: every destination is delayed"];
          return String(sources)
            .split(",")
            .flatMap((text) => {
              const cidr = parseCidr(text);
              if (!cidr) return [`source ${text} is not an IPv4 CIDR this rule can check`];
              return [
                ...(resolver && cidrsOverlap(cidr, resolver) ? [`${text} covers the VPC resolver`] : []),
                ...(publicCidrs.some((p) => cidrsOverlap(cidr, p)) ? [`${text} covers a public subnet (the ALB)`] : []),
              ];
            });
        });
        return problems.length === 0 ? undefined : problems.join("; ");
      }),
  },
  {
    id: "X-12",
    title: "no percentile of Service Connect's TargetResponseTime (undocumented: the widget or alarm stays empty)",
    checkov: [],
    trivy: [],
    securityHub: [],
    check: (_s, ctx) => [
      ...eachResource(ctx, "aws_cloudwatch_metric_alarm", ({ body: a }) =>
        a.namespace === "AWS/ECS" && a.metric_name === "TargetResponseTime" && a.extended_statistic !== undefined
          ? `extended_statistic ${String(a.extended_statistic)} on AWS/ECS TargetResponseTime`
          : undefined,
      ),
      ...eachResource(ctx, "aws_cloudwatch_dashboard", (d) => {
        let body: unknown;
        try {
          body = JSON.parse(String(d.body.dashboard_body));
        } catch {
          return "dashboard_body is not JSON";
        }
        const widgets = isRecord(body) && Array.isArray(body.widgets) ? body.widgets.filter(isRecord) : [];
        const bad = widgets.flatMap((w) => {
          const props = isRecord(w.properties) ? w.properties : {};
          const lines = Array.isArray(props.metrics) ? props.metrics.filter(Array.isArray) : [];
          return lines.filter((line: unknown[]) => {
            const options = line.find(isRecord) ?? {};
            const stat = String(options.stat ?? props.stat ?? "Average");
            return line[0] === "AWS/ECS" && line[1] === "TargetResponseTime" && /^(p|tm|tc|ts|wm|pr)/i.test(stat);
          });
        });
        return bad.length === 0
          ? undefined
          : `${bad.length} widget line(s) with a percentile of AWS/ECS TargetResponseTime`;
      }),
    ],
  },
];

/**
 * Permissions each FIS action needs, from the FIS actions reference
 * (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html, "Permissions").
 */
export const FIS_ACTION_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  "aws:ecs:stop-task": ["ecs:DescribeTasks", "ecs:ListTasks", "ecs:StopTask", "tag:GetResources"],
  "aws:ecs:task-cpu-stress": ["ecs:DescribeTasks", "ssm:SendCommand", "ssm:ListCommands", "ssm:CancelCommand"],
  "aws:ecs:task-network-blackhole-port": [
    "ecs:DescribeTasks",
    "ssm:SendCommand",
    "ssm:ListCommands",
    "ssm:CancelCommand",
  ],
  "aws:ecs:task-network-latency": [
    "ecs:DescribeTasks",
    "ecs:DescribeContainerInstances",
    "ec2:DescribeInstances",
    "ec2:DescribeSubnets",
    "ssm:SendCommand",
    "ssm:ListCommands",
    "ssm:CancelCommand",
  ],
  "aws:rds:failover-db-cluster": ["rds:FailoverDBCluster", "rds:DescribeDBClusters", "tag:GetResources"],
  "aws:elasticache:replicationgroup-interrupt-az-power": [
    "elasticache:InterruptClusterAzPower",
    "elasticache:DescribeReplicationGroups",
    "tag:GetResources",
  ],
};

/** WAF receives at most this much of a body from an ALB; SizeRestrictions_BODY matches above it. */
const ALB_WAF_BODY_BYTES = 8192;

function wafBodyProblem(rules: readonly Block[], maxBody: number): string | undefined {
  const problems: string[] = [];
  const common = rules.find(
    (r) => block(block(r.statement)?.managed_rule_group_statement)?.name === "AWSManagedRulesCommonRuleSet",
  );
  if (common && maxBody > ALB_WAF_BODY_BYTES) {
    const group = block(block(common.statement)?.managed_rule_group_statement)!;
    const counted =
      block(common.override_action)?.count !== undefined ||
      blocks(group.rule_action_override).some(
        (o) => o.name === "SizeRestrictions_BODY" && block(o.action_to_use)?.count !== undefined,
      );
    if (!counted) {
      problems.push(`SizeRestrictions_BODY blocks bodies over ${ALB_WAF_BODY_BYTES} bytes; the apps accept ${maxBody}`);
    }
  }
  const lengthRules = rules.flatMap((r) => {
    const regex = block(block(r.statement)?.regex_match_statement);
    const header = block(block(regex?.field_to_match)?.single_header)?.name;
    return regex && String(header).toLowerCase() === "content-length"
      ? [
          {
            name: String(r.name),
            blocks: block(r.action)?.block !== undefined,
            re: new RegExp(String(regex.regex_string)),
          },
        ]
      : [];
  });
  for (const r of lengthRules.filter((l) => l.blocks && l.re.test(String(maxBody)))) {
    problems.push(`rule ${r.name} blocks a Content-Length of ${maxBody}, which the apps accept`);
  }
  if (!lengthRules.some((l) => l.re.test(String(maxBody + 1)) && !l.re.test(String(maxBody)))) {
    problems.push(`no rule matches a Content-Length above the apps' limit (${maxBody} bytes)`);
  }
  return problems.length === 0 ? undefined : problems.join("; ");
}

/** Ports a mapping publishes: containerPort, hostPort, or every port of a containerPortRange. */
function mappedPorts(m: { containerPort?: number; hostPort?: number; containerPortRange?: string }): number[] {
  const range = /^(\d+)-(\d+)$/.exec(m.containerPortRange ?? "");
  const fromRange = range ? [Number(range[1]), Number(range[2])] : [];
  return [...new Set([m.containerPort, m.hostPort, ...fromRange].filter((p): p is number => p !== undefined))];
}

/** The security groups of the services that run `task`, or undefined when no service names it. */
function taskSecurityGroups(ctx: RuleContext, task: Resource): Resource[] | undefined {
  const services = ctx.env
    .resources("aws_ecs_service")
    .filter((svc) => ctx.env.mentionsResource(svc.stack, svc.body.task_definition, task));
  if (services.length === 0) return undefined;
  return services.flatMap((svc) =>
    ctx.env
      .mentions(
        svc.stack,
        blocks(svc.body.network_configuration).flatMap((n) =>
          Array.isArray(n.security_groups) ? n.security_groups : [],
        ),
      )
      .filter((r) => r.type === "aws_security_group"),
  );
}

/** Rule ids are unique and stable: exceptions and reports refer to them. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
