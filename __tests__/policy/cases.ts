// Hand-built stack JSON for every rule: a deliberately bad resource the rule must catch, and a
// good one it must pass (and count as checked). Shapes follow what CDKTF synthesizes.
import { loadConfig } from "../../config";
import { decimalGreaterThanRegex } from "../../modules/lib/decimal-regex";
import { hostSources } from "../../modules/lib/fis-sources";
import { planSubnets } from "../../modules/lib/subnet-plan";
import { Environment, type Block, type StackJson } from "../../scripts/policy/tf";

export interface Fixture {
  readonly stacks: Record<string, StackJson>;
  /** @default "dev" */
  readonly env?: "dev" | "prod";
  /** Extra config keys (e.g. `fis`) merged over the environment's real config. */
  readonly config?: Record<string, unknown>;
}

export function environmentOf(f: Fixture): Environment {
  const envName = f.env ?? "dev";
  return new Environment(envName, { ...loadConfig(envName), ...f.config } as ReturnType<typeof loadConfig>, f.stacks);
}

type Resources = Record<string, Record<string, Block>>;
const one = (resource: Resources, data?: Resources): Fixture => ({ stacks: { services: { resource, data } } });
const merge = (base: Block, over: Block): Block => ({ ...base, ...over });

// ── building blocks ──────────────────────────────────────────────────────
const goodContainer: Block = {
  name: "caller",
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/caller:1.0.0",
  readonlyRootFilesystem: true,
  user: "1000:1000",
  stopTimeout: 30,
  logConfiguration: { logDriver: "awsfirelens", options: {} },
  environment: [
    { name: "PORT", value: "8080" },
    { name: "REDIS_KEY_PREFIX", value: "caller:" },
    { name: "MYSQL_SECRET_ARN", value: "${aws_secretsmanager_secret.db.arn}" },
  ],
  secrets: [{ name: "MYSQL_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db" }],
  portMappings: [{ name: "http", containerPort: 8080 }],
};
const task = (containers: Block[], extra: Block = {}): Resources => ({
  aws_ecs_task_definition: {
    app: {
      family: "caller",
      network_mode: "awsvpc",
      execution_role_arn: "${aws_iam_role.exec.arn}",
      task_role_arn: "${aws_iam_role.task.arn}",
      container_definitions: JSON.stringify(containers),
      ...extra,
    },
  },
});
const container = (over: Block) => one(task([merge(goodContainer, over)]));
/** A sidecar (not one of the apps) and the service + group a task runs with. */
const collector: Block = {
  name: "aws-otel-collector",
  image: "public.ecr.aws/aws-observability/aws-otel-collector:v0.48.0",
  readonlyRootFilesystem: true,
  user: "10001:10001",
  logConfiguration: { logDriver: "awslogs" },
};
const COLLECTOR_XRAY = "receivers:\n  otlp:\nexporters:\n  awsxray:\n    region: eu-west-1\n";
const COLLECTOR_WITH_FILE = `${COLLECTOR_XRAY}  file:\n    path: /var/otel/traces.json\nextensions:\n  file_storage/queue:\n`;
const sidecarService: Resources = {
  aws_security_group: { tasks: { description: "tasks", name: "tasks" } },
  aws_ecs_service: {
    svc: {
      task_definition: "${aws_ecs_task_definition.app.arn}",
      network_configuration: { security_groups: ["${aws_security_group.tasks.id}"], assign_public_ip: false },
    },
  },
};
const vpcIngress: Block = {
  security_group_id: "${aws_security_group.tasks.id}",
  cidr_ipv4: "10.0.0.0/16",
  ip_protocol: "tcp",
  description: "from the VPC",
};

const goodLb: Block = {
  load_balancer_type: "application",
  internal: false,
  drop_invalid_header_fields: true,
  enable_deletion_protection: true,
  desync_mitigation_mode: "defensive",
  idle_timeout: 60,
  access_logs: { enabled: true, bucket: "${aws_s3_bucket.logs.id}" },
  subnets: ["${aws_subnet.a.id}", "${aws_subnet.b.id}"],
  security_groups: ["${aws_security_group.alb.id}"],
};
const subnets: Resources = {
  aws_subnet: {
    a: { cidr_block: "10.0.0.0/24", availability_zone: "${element(data.aws_availability_zones.azs.names, 0)}" },
    b: { cidr_block: "10.0.1.0/24", availability_zone: "${element(data.aws_availability_zones.azs.names, 1)}" },
  },
};
const lb = (over: Block, extra: Resources = {}, env?: "prod"): Fixture => ({
  stacks: { platform: { resource: { aws_lb: { alb: merge(goodLb, over) }, ...subnets, ...extra } } },
  env,
});

const sg = (rule: Block, type = "aws_vpc_security_group_ingress_rule", extra: Resources = {}): Fixture =>
  one({
    aws_security_group: { app: { description: "app tasks", name: "app" } },
    [type]: { r: { security_group_id: "${aws_security_group.app.id}", description: "why", ...rule } },
    ...extra,
  });

const goodRg: Block = {
  at_rest_encryption_enabled: "true",
  kms_key_id: "${aws_kms_key.k.arn}",
  transit_encryption_enabled: true,
  auth_token: "${random_password.redis.result}",
  automatic_failover_enabled: true,
  multi_az_enabled: true,
  snapshot_retention_limit: 7,
  subnet_group_name: "${aws_elasticache_subnet_group.redis.name}",
};
const rg = (over: Block, env: "dev" | "prod" = "dev"): Fixture => ({
  stacks: { data: { resource: { aws_elasticache_replication_group: { redis: merge(goodRg, over) } } } },
  env,
});

const goodDb: Block = {
  engine: "aurora-mysql",
  storage_encrypted: true,
  kms_key_id: "${aws_kms_key.k.arn}",
  iam_database_authentication_enabled: true,
  backup_retention_period: 7,
  deletion_protection: true,
  enabled_cloudwatch_logs_exports: ["audit", "error", "slowquery"],
};
const db = (over: Block, env: "dev" | "prod" = "dev"): Fixture => ({
  stacks: { data: { resource: { aws_rds_cluster: { aurora: merge(goodDb, over) } } } },
  env,
});

/** A prod cluster with a writer (tier 0) and a reader whose AZ is `readerAz`. */
const auroraPair = (readerAz: string | undefined): Fixture => ({
  stacks: {
    data: {
      resource: {
        aws_rds_cluster: { aurora: goodDb },
        aws_rds_cluster_instance: {
          reader_0: { cluster_identifier: "${aws_rds_cluster.aurora.id}", promotion_tier: 0 },
          reader_1: {
            cluster_identifier: "${aws_rds_cluster.aurora.id}",
            promotion_tier: 1,
            ...(readerAz ? { availability_zone: readerAz } : {}),
          },
        },
      },
    },
  },
  env: "prod",
});

const bucketParts = (b: string): Resources => ({
  aws_s3_bucket_public_access_block: {
    [b]: {
      bucket: `\${aws_s3_bucket.${b}.id}`,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    },
  },
  aws_s3_bucket_versioning: {
    [b]: { bucket: `\${aws_s3_bucket.${b}.id}`, versioning_configuration: { status: "Enabled" } },
  },
  aws_s3_bucket_server_side_encryption_configuration: {
    [b]: {
      bucket: `\${aws_s3_bucket.${b}.id}`,
      rule: [
        {
          apply_server_side_encryption_by_default: {
            sse_algorithm: "aws:kms",
            kms_master_key_id: "${aws_kms_key.k.arn}",
          },
        },
      ],
    },
  },
  aws_s3_bucket_policy: {
    [b]: { bucket: `\${aws_s3_bucket.${b}.id}`, policy: `\${data.aws_iam_policy_document.${b}.json}` },
  },
  aws_s3_bucket_ownership_controls: {
    [b]: { bucket: `\${aws_s3_bucket.${b}.id}`, rule: { object_ownership: "BucketOwnerEnforced" } },
  },
  aws_s3_bucket_lifecycle_configuration: {
    [b]: { bucket: `\${aws_s3_bucket.${b}.id}`, rule: [{ id: "x", status: "Enabled" }] },
  },
});
const tlsOnly = (b: string): Resources => ({
  aws_iam_policy_document: {
    [b]: {
      statement: [
        {
          effect: "Deny",
          actions: ["s3:*"],
          resources: [`\${aws_s3_bucket.${b}.arn}`],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    },
  },
});
/** TLS-only plus the four denies SecureBucket writes so that only the bucket's key is used. */
const ownKeyOnly = (b: string): Resources => {
  const deny = (sid: string, condition: Block[]) => ({
    sid,
    effect: "Deny",
    actions: ["s3:PutObject"],
    resources: [`\${aws_s3_bucket.${b}.arn}/*`],
    principals: [{ type: "*", identifiers: ["*"] }],
    condition,
  });
  const sse = "s3:x-amz-server-side-encryption";
  const sseKey = "s3:x-amz-server-side-encryption-aws-kms-key-id";
  const statement = [
    ...(tlsOnly(b).aws_iam_policy_document![b]!.statement as Block[]),
    deny("DenyOtherEncryption", [
      { test: "Null", variable: sse, values: ["false"] },
      { test: "StringNotEquals", variable: sse, values: ["aws:kms"] },
    ]),
    deny("DenyKmsWithoutThisKey", [
      { test: "Null", variable: sse, values: ["false"] },
      { test: "Null", variable: sseKey, values: ["true"] },
    ]),
    deny("DenyOtherKmsKeys", [
      { test: "Null", variable: sseKey, values: ["false"] },
      { test: "StringNotEquals", variable: sseKey, values: ["${aws_kms_key.k.arn}"] },
    ]),
    deny("DenyCustomerProvidedKeys", [
      { test: "Null", variable: "s3:x-amz-server-side-encryption-customer-algorithm", values: ["false"] },
    ]),
  ];
  return { aws_iam_policy_document: { [b]: { statement } } };
};
/** A BLOCK-mode web ACL with AWS's common rule set, as WebAcl writes it. */
const webAcl = (commonOverride: Block[] | undefined, extraRules: Block[]): Fixture =>
  one({
    aws_wafv2_web_acl: {
      acl: {
        scope: "REGIONAL",
        rule: [
          {
            name: "AWSManagedRulesCommonRuleSet",
            priority: 1,
            override_action: { none: {} },
            statement: {
              managed_rule_group_statement: {
                name: "AWSManagedRulesCommonRuleSet",
                vendor_name: "AWS",
                ...(commonOverride ? { rule_action_override: commonOverride } : {}),
              },
            },
          },
          ...extraRules,
        ],
      },
    },
  });
const contentLengthRule = (limit: number): Block => ({
  name: "body-over-app-limit",
  priority: 2,
  action: { block: {} },
  statement: {
    regex_match_statement: {
      regex_string: decimalGreaterThanRegex(limit),
      field_to_match: { single_header: { name: "content-length" } },
      text_transformation: [{ priority: 0, type: "NONE" }],
    },
  },
});
/** A FIS template running `actionId` with `parameters`, its role granted `actions`. */
const fisTemplate = (actionId: string, actions: string[], parameters: Block[] = []): Fixture =>
  one(
    {
      aws_iam_role: { fis: { name: "fc-dev-fis-x", assume_role_policy: "{}" } },
      aws_iam_role_policy: {
        fis: { role: "${aws_iam_role.fis.name}", policy: "${data.aws_iam_policy_document.fis.json}" },
      },
      aws_fis_experiment_template: {
        x: {
          description: "x",
          role_arn: "${aws_iam_role.fis.arn}",
          action: [{ name: "x", action_id: actionId, parameter: parameters, target: { key: "Tasks", value: "Tasks" } }],
        },
      },
    },
    { aws_iam_policy_document: { fis: { statement: [{ actions, resources: ["*"] }] } } },
  );
const devPrivateSubnets = planSubnets(loadConfig("dev").network).privateSubnetCidrs;
const dashboard = (stat: string): Fixture =>
  one({
    aws_cloudwatch_dashboard: {
      d: {
        dashboard_name: "x",
        dashboard_body: JSON.stringify({
          widgets: [
            {
              type: "metric",
              properties: {
                metrics: [["AWS/ECS", "TargetResponseTime", "TargetDiscoveryName", "responder", { stat }]],
              },
            },
          ],
        }),
      },
    },
  });
/** A bucket with all its companions except `without`. */
const bucket = (without?: string, over: Resources = {}): Fixture => {
  const parts = bucketParts("b");
  if (without) delete parts[without];
  return one({ aws_s3_bucket: { b: { bucket: "fc-dev-b" } }, ...parts, ...over }, tlsOnly("b"));
};

const rolePolicy = (statement: Block[]): Fixture =>
  one(
    { aws_iam_role_policy: { p: { role: "${aws_iam_role.r.id}", policy: "${data.aws_iam_policy_document.p.json}" } } },
    { aws_iam_policy_document: { p: { statement } } },
  );
const role = (assume: Block[]): Fixture =>
  one(
    { aws_iam_role: { r: { name: "r", assume_role_policy: "${data.aws_iam_policy_document.trust.json}" } } },
    { aws_iam_policy_document: { trust: { statement: assume } } },
  );
const keyPolicy = (statement: Block[], over: Block = {}): Fixture =>
  one(
    { aws_kms_key: { k: { enable_key_rotation: true, policy: "${data.aws_iam_policy_document.k.json}", ...over } } },
    { aws_iam_policy_document: { k: { statement } } },
  );

const goodRepo: Block = {
  name: "caller",
  image_tag_mutability: "IMMUTABLE",
  image_scanning_configuration: { scan_on_push: true },
  encryption_configuration: [{ encryption_type: "KMS", kms_key: "${aws_kms_key.k.arn}" }],
};
const repo = (over: Block, lifecycle = true): Fixture =>
  one({
    aws_ecr_repository: { caller: merge(goodRepo, over) },
    ...(lifecycle
      ? { aws_ecr_lifecycle_policy: { caller: { repository: "${aws_ecr_repository.caller.name}", policy: "{}" } } }
      : {}),
  });

const goodFirehose: Block = {
  destination: "extended_s3",
  server_side_encryption: { enabled: true, key_type: "CUSTOMER_MANAGED_CMK", key_arn: "${aws_kms_key.k.arn}" },
  extended_s3_configuration: {
    bucket_arn: "${aws_s3_bucket.logs.arn}",
    kms_key_arn: "${aws_kms_key.k.arn}",
    cloudwatch_logging_options: { enabled: true, log_group_name: "x", log_stream_name: "y" },
  },
};

const service = (over: Block, extra: Resources = {}, env?: "prod"): Fixture => ({
  stacks: {
    services: {
      resource: {
        aws_ecs_service: {
          caller: {
            name: "caller",
            platform_version: "LATEST",
            network_configuration: { subnets: ["${aws_subnet.private.id}"], assign_public_ip: false },
            ...over,
          },
        },
        aws_subnet: { private: { cidr_block: "10.0.0.0/24" } },
        ...extra,
      },
    },
  },
  env,
});
const spotService = (delay: number | undefined): Fixture =>
  service(
    {
      capacity_provider_strategy: [
        { capacity_provider: "FARGATE", base: 1, weight: 1 },
        { capacity_provider: "FARGATE_SPOT", weight: 3 },
      ],
      load_balancer: [
        {
          target_group_arn: "${aws_lb_target_group.blue.arn}",
          container_name: "caller",
          container_port: 8080,
          advanced_configuration: { alternate_target_group_arn: "${aws_lb_target_group.green.arn}" },
        },
      ],
    },
    {
      aws_lb_target_group: {
        blue: { port: 8080, deregistration_delay: "30" },
        green: { port: 8080, ...(delay === undefined ? {} : { deregistration_delay: String(delay) }) },
      },
    },
  );

export interface RuleCase {
  readonly bad: Fixture;
  readonly good: Fixture;
}

export const CASES: Readonly<Record<string, RuleCase>> = {
  "NET-01": {
    bad: one({ aws_vpc: { v: { cidr_block: "10.0.0.0/16" } } }),
    good: one({ aws_vpc: { v: { cidr_block: "10.0.0.0/16" } }, aws_flow_log: { f: { vpc_id: "${aws_vpc.v.id}" } } }),
  },
  "NET-02": {
    bad: one({
      aws_vpc: { v: {} },
      aws_default_security_group: {
        d: { vpc_id: "${aws_vpc.v.id}", ingress: [{ protocol: "-1", self: true }], egress: [] },
      },
    }),
    good: one({
      aws_vpc: { v: {} },
      aws_default_security_group: { d: { vpc_id: "${aws_vpc.v.id}", ingress: [], egress: [] } },
    }),
  },
  "NET-03": {
    bad: one({ aws_subnet: { s: { map_public_ip_on_launch: true } } }),
    good: one({ aws_subnet: { s: { map_public_ip_on_launch: false } } }),
  },
  "SG-01": {
    bad: sg({ cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 22, to_port: 22 }),
    good: lb(
      {},
      {
        aws_security_group: { alb: { description: "ALB" } },
        aws_vpc_security_group_ingress_rule: {
          https: {
            security_group_id: "${aws_security_group.alb.id}",
            cidr_ipv4: "0.0.0.0/0",
            ip_protocol: "tcp",
            from_port: 443,
            to_port: 443,
          },
          http6: {
            security_group_id: "${aws_security_group.alb.id}",
            cidr_ipv6: "::/0",
            ip_protocol: "tcp",
            from_port: 80,
            to_port: 80,
          },
        },
      },
    ),
  },
  "SG-02": {
    bad: sg({ cidr_ipv4: "10.0.0.0/8", ip_protocol: "-1" }),
    good: sg({ cidr_ipv4: "10.0.0.0/8", ip_protocol: "tcp", from_port: 443, to_port: 443 }),
  },
  "SG-03": {
    bad: sg({ cidr_ipv4: "0.0.0.0/0", ip_protocol: "-1" }, "aws_vpc_security_group_egress_rule"),
    good: sg(
      { cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 443, to_port: 443 },
      "aws_vpc_security_group_egress_rule",
    ),
  },
  "SG-04": {
    bad: one({ aws_security_group: { s: { description: "Managed by Terraform" } } }),
    good: one({ aws_security_group: { s: { description: "caller tasks" } } }),
  },
  "SG-05": {
    bad: sg({ description: "", cidr_ipv4: "10.0.0.0/8", ip_protocol: "tcp", from_port: 8080, to_port: 8080 }),
    good: sg({ cidr_ipv4: "10.0.0.0/8", ip_protocol: "tcp", from_port: 8080, to_port: 8080 }),
  },
  "ALB-01": { bad: lb({ drop_invalid_header_fields: false }), good: lb({}) },
  "ALB-02": { bad: lb({ enable_deletion_protection: false }, {}, "prod"), good: lb({}, {}, "prod") },
  "ALB-03": { bad: lb({ access_logs: undefined }), good: lb({}) },
  "ALB-04": { bad: lb({ desync_mitigation_mode: "monitor" }), good: lb({ desync_mitigation_mode: "strictest" }) },
  "ALB-05": { bad: lb({ subnets: ["${aws_subnet.a.id}"] }), good: lb({}) },
  "ALB-06": { bad: lb({}), good: lb({ internal: true }) },
  "WAF-01": {
    bad: lb({}),
    good: lb(
      {},
      {
        aws_wafv2_web_acl_association: {
          a: { resource_arn: "${aws_lb.alb.arn}", web_acl_arn: "${aws_wafv2_web_acl.acl.arn}" },
        },
      },
    ),
  },
  "WAF-02": {
    bad: one({
      aws_wafv2_web_acl: { acl: { scope: "REGIONAL" } },
      aws_wafv2_web_acl_logging_configuration: {
        l: {
          resource_arn: "${aws_wafv2_web_acl.acl.arn}",
          redacted_fields: [{ single_header: { name: "authorization" } }],
        },
      },
    }),
    good: one({
      aws_wafv2_web_acl: { acl: { scope: "REGIONAL" } },
      aws_wafv2_web_acl_logging_configuration: {
        l: {
          resource_arn: "${aws_wafv2_web_acl.acl.arn}",
          redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "cookie" } }],
        },
      },
    }),
  },
  "LSN-01": {
    bad: one({ aws_lb_listener: { https: { protocol: "HTTPS", port: 443, certificate_arn: "arn:aws:acm:x" } } }),
    good: one({
      aws_lb_listener: {
        https: {
          protocol: "HTTPS",
          port: 443,
          certificate_arn: "arn:aws:acm:x",
          ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        },
      },
    }),
  },
  "LSN-02": {
    bad: lb(
      {},
      {
        aws_lb_listener: {
          https: { load_balancer_arn: "${aws_lb.alb.arn}", protocol: "HTTPS", certificate_arn: "arn:aws:acm:x" },
          http: {
            load_balancer_arn: "${aws_lb.alb.arn}",
            protocol: "HTTP",
            default_action: [{ type: "forward", target_group_arn: "x" }],
          },
        },
      },
    ),
    good: lb(
      {},
      {
        aws_lb_listener: {
          https: { load_balancer_arn: "${aws_lb.alb.arn}", protocol: "HTTPS", certificate_arn: "arn:aws:acm:x" },
          http: {
            load_balancer_arn: "${aws_lb.alb.arn}",
            protocol: "HTTP",
            default_action: [
              { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
            ],
          },
        },
      },
    ),
  },
  "TG-01": {
    bad: one({ aws_lb_target_group: { tg: { port: 8080, protocol: "HTTP" } } }),
    good: one({
      aws_lb_target_group: { tg: { port: 8080, protocol: "HTTP", health_check: { enabled: true, path: "/healthz" } } },
    }),
  },
  "ECS-01": {
    bad: one({ aws_ecs_cluster: { c: { setting: [{ name: "containerInsights", value: "disabled" }] } } }),
    good: one({ aws_ecs_cluster: { c: { setting: [{ name: "containerInsights", value: "enhanced" }] } } }),
  },
  "CTR-01": { bad: container({ readonlyRootFilesystem: false }), good: container({}) },
  "CTR-02": { bad: container({ privileged: true }), good: container({}) },
  "CTR-03": { bad: container({ user: "0:0" }), good: container({}) },
  "CTR-04": {
    bad: container({ environment: [{ name: "REDIS_AUTH_TOKEN", value: "hunter2hunter2hunter2" }] }),
    good: container({}),
  },
  "CTR-05": {
    bad: container({ secrets: [{ name: "DB_PASSWORD", valueFrom: "${random_password.db.result}" }] }),
    good: container({
      secrets: [{ name: "DB_PASSWORD", valueFrom: "${aws_secretsmanager_secret.db.arn}:password::" }],
    }),
  },
  "CTR-06": { bad: container({ logConfiguration: undefined }), good: container({}) },
  "CTR-07": {
    bad: one(task([{ ...collector, environment: [{ name: "AOT_CONFIG_CONTENT", value: COLLECTOR_WITH_FILE }] }])),
    good: one(task([{ ...collector, environment: [{ name: "AOT_CONFIG_CONTENT", value: COLLECTOR_XRAY }] }])),
  },
  "TASK-01": {
    bad: one(task([goodContainer], { task_role_arn: "${aws_iam_role.exec.arn}" })),
    good: one(task([goodContainer])),
  },
  "TASK-02": { bad: one(task([goodContainer], { network_mode: "bridge" })), good: one(task([goodContainer])) },
  "TASK-03": {
    bad: one(task([goodContainer], { pid_mode: "host" })),
    good: one(task([goodContainer], { pid_mode: "task" })),
  },
  "SVC-01": {
    bad: service({ network_configuration: { subnets: ["${aws_subnet.private.id}"], assign_public_ip: true } }),
    good: service({}),
  },
  "SVC-02": { bad: service({ platform_version: "1.3.0" }), good: service({}) },
  "SVC-03": {
    bad: service(
      { network_configuration: { subnets: ["${aws_subnet.public.id}"] } },
      {
        aws_subnet: { public: { cidr_block: "10.0.9.0/24" } },
        aws_internet_gateway: { igw: {} },
        aws_route_table: { rt: {} },
        aws_route_table_association: {
          a: { subnet_id: "${aws_subnet.public.id}", route_table_id: "${aws_route_table.rt.id}" },
        },
        aws_route: {
          r: {
            route_table_id: "${aws_route_table.rt.id}",
            destination_cidr_block: "0.0.0.0/0",
            gateway_id: "${aws_internet_gateway.igw.id}",
          },
        },
      },
    ),
    good: service({}),
  },
  "SVC-04": {
    bad: service({ enable_execute_command: true }, {}, "prod"),
    good: service({ enable_execute_command: false }, {}, "prod"),
  },
  "EC-01": { bad: rg({ kms_key_id: undefined }), good: rg({}) },
  "EC-02": { bad: rg({ transit_encryption_mode: "preferred" }), good: rg({ transit_encryption_mode: "required" }) },
  "EC-03": {
    bad: rg({ auth_token: undefined }),
    good: rg({ auth_token: undefined, user_group_ids: ["${aws_elasticache_user_group.g.id}"] }),
  },
  "EC-04": { bad: rg({ multi_az_enabled: false }, "prod"), good: rg({}, "prod") },
  "EC-05": { bad: rg({ snapshot_retention_limit: 0 }), good: rg({}) },
  "EC-06": { bad: rg({ auto_minor_version_upgrade: "false" }), good: rg({ auto_minor_version_upgrade: "true" }) },
  "EC-07": { bad: rg({ subnet_group_name: undefined }), good: rg({}) },
  "EC-08": {
    bad: rg({ engine_version: "8.0", auto_minor_version_upgrade: "true" }, "prod"),
    good: rg(
      { engine_version: "8.0", auto_minor_version_upgrade: "true", lifecycle: { prevent_destroy: true } },
      "prod",
    ),
  },
  "RDS-01": { bad: db({ storage_encrypted: false }), good: db({}) },
  "RDS-02": { bad: db({ iam_database_authentication_enabled: false }), good: db({}) },
  "RDS-03": { bad: db({ backup_retention_period: 1 }), good: db({}) },
  "RDS-04": { bad: db({ deletion_protection: false }, "prod"), good: db({}, "prod") },
  "RDS-05": {
    bad: one({ aws_rds_cluster_instance: { i: { publicly_accessible: true } } }),
    good: one({ aws_rds_cluster_instance: { i: { publicly_accessible: false } } }),
  },
  "RDS-06": { bad: db({ enabled_cloudwatch_logs_exports: ["error"] }), good: db({}) },
  "RDS-07": {
    bad: auroraPair(undefined),
    good: auroraPair(
      '${element(sort(setsubtract(["eu-west-1a", "eu-west-1b"], [aws_rds_cluster_instance.reader_0.availability_zone])), 0)}',
    ),
  },
  "FH-01": {
    bad: one({
      aws_kinesis_firehose_delivery_stream: {
        f: merge(goodFirehose, { server_side_encryption: { enabled: true, key_type: "AWS_OWNED_CMK" } }),
      },
    }),
    good: one({ aws_kinesis_firehose_delivery_stream: { f: goodFirehose } }),
  },
  "FH-02": {
    bad: one({
      aws_kinesis_firehose_delivery_stream: {
        f: merge(goodFirehose, { extended_s3_configuration: { bucket_arn: "${aws_s3_bucket.logs.arn}" } }),
      },
    }),
    good: one({ aws_kinesis_firehose_delivery_stream: { f: goodFirehose } }),
  },
  "S3-01": { bad: bucket("aws_s3_bucket_public_access_block"), good: bucket() },
  "S3-02": { bad: bucket("aws_s3_bucket_versioning"), good: bucket() },
  "S3-03": {
    bad: bucket(undefined, {
      aws_s3_bucket_server_side_encryption_configuration: {
        b: {
          bucket: "${aws_s3_bucket.b.id}",
          rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
        },
      },
    }),
    good: bucket(),
  },
  "S3-04": { bad: bucket("aws_s3_bucket_policy"), good: bucket() },
  "S3-05": { bad: bucket("aws_s3_bucket_ownership_controls"), good: bucket() },
  "S3-06": { bad: bucket("aws_s3_bucket_lifecycle_configuration"), good: bucket() },
  // TLS-only policy: SSE-S3, aws/s3 and foreign keys all pass; with the four denies only the key does.
  "S3-07": {
    bad: bucket(),
    good: one({ aws_s3_bucket: { b: { bucket: "fc-dev-b" } }, ...bucketParts("b") }, ownKeyOnly("b")),
  },
  "LOG-01": {
    bad: one({ aws_cloudwatch_log_group: { g: { name: "/x", kms_key_id: "${aws_kms_key.k.arn}" } } }),
    good: one({
      aws_cloudwatch_log_group: { g: { name: "/x", retention_in_days: 14, kms_key_id: "${aws_kms_key.k.arn}" } },
    }),
  },
  "LOG-02": {
    bad: one({ aws_cloudwatch_log_group: { g: { name: "/x", retention_in_days: 14 } } }),
    good: one({
      aws_cloudwatch_log_group: { g: { name: "/x", retention_in_days: 14, kms_key_id: "${aws_kms_key.k.arn}" } },
    }),
  },
  "LOG-03": {
    bad: container({
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/ecs/caller", "awslogs-create-group": "true" },
      },
    }),
    good: one({
      ...task([
        merge(goodContainer, {
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": "${aws_cloudwatch_log_group.caller.name}" },
          },
        }),
      ]),
      aws_cloudwatch_log_group: { caller: { name: "/ecs/caller", retention_in_days: 14, kms_key_id: "k" } },
    }),
  },
  "IAM-01": {
    bad: rolePolicy([{ actions: ["*"], resources: ["*"] }]),
    good: rolePolicy([{ actions: ["ssm:GetParameter"], resources: ["${aws_ssm_parameter.mode.arn}"] }]),
  },
  "IAM-02": {
    bad: rolePolicy([{ actions: ["s3:*"], resources: ["${aws_s3_bucket.b.arn}"] }]),
    good: rolePolicy([
      { actions: ["s3:GetObject"], resources: ["${aws_s3_bucket.b.arn}/*"] },
      { effect: "Deny", actions: ["s3:*"], resources: ["*"] },
    ]),
  },
  "IAM-03": {
    bad: rolePolicy([{ actions: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], resources: ["*"] }]),
    good: rolePolicy([{ actions: ["ecr:GetAuthorizationToken", "xray:PutTraceSegments"], resources: ["*"] }]),
  },
  "IAM-04": {
    bad: role([
      { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] },
    ]),
    good: role([
      {
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] }],
      },
    ]),
  },
  "IAM-05": {
    bad: one({
      aws_sns_topic: {
        t: {
          kms_master_key_id: "k",
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: "*" }],
          }),
        },
      },
    }),
    good: one({
      aws_sns_topic: {
        t: {
          kms_master_key_id: "k",
          policy: JSON.stringify({
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: "sns:Publish",
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
              },
            ],
          }),
        },
      },
    }),
  },
  "IAM-06": {
    bad: one({
      aws_iam_role_policy_attachment: { a: { role: "r", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" } },
    }),
    good: one({
      aws_iam_role_policy_attachment: {
        a: { role: "r", policy_arn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" },
      },
    }),
  },
  "IAM-07": {
    // The classic mistake: a subject wildcard that admits every branch, tag and pull request.
    bad: role([
      {
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: ["${aws_iam_openid_connect_provider.github.arn}"] }],
        condition: [
          { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
          { test: "StringLike", variable: "token.actions.githubusercontent.com:sub", values: ["repo:org/repo:*"] },
        ],
      },
    ]),
    good: role([
      {
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: ["${aws_iam_openid_connect_provider.github.arn}"] }],
        condition: [
          { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
          {
            test: "StringEquals",
            variable: "token.actions.githubusercontent.com:sub",
            values: ["repo:org/repo:environment:prod"],
          },
        ],
      },
    ]),
  },
  "KMS-01": {
    bad: keyPolicy([], { enable_key_rotation: false }),
    good: keyPolicy([]),
  },
  "KMS-02": {
    bad: keyPolicy([{ actions: ["kms:Decrypt"], resources: ["*"], principals: [{ type: "AWS", identifiers: ["*"] }] }]),
    good: keyPolicy([
      {
        actions: ["kms:Decrypt"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: ["logs.eu-west-1.amazonaws.com"] }],
      },
    ]),
  },
  "SNS-01": {
    bad: one({ aws_sns_topic: { t: { name: "alarms" } } }),
    good: one({ aws_sns_topic: { t: { name: "alarms", kms_master_key_id: "k" } } }),
  },
  "ECR-01": { bad: repo({ image_scanning_configuration: { scan_on_push: false } }), good: repo({}) },
  "ECR-02": { bad: repo({ image_tag_mutability: "MUTABLE" }), good: repo({}) },
  "ECR-03": { bad: repo({ encryption_configuration: [{ encryption_type: "AES256" }] }), good: repo({}) },
  "ECR-04": { bad: repo({}, false), good: repo({}) },
  "SM-01": {
    bad: one({ aws_secretsmanager_secret: { s: { name: "db" } } }),
    good: one({ aws_secretsmanager_secret: { s: { name: "db", kms_key_id: "${aws_kms_key.k.arn}" } } }),
  },
  "SSM-01": {
    bad: one({ aws_ssm_parameter: { p: { name: "/fc-dev/redis/auth-token", type: "String", value: "x" } } }),
    good: one({ aws_ssm_parameter: { p: { name: "/fc-dev/caller/failure-mode", type: "String", value: "none" } } }),
  },
  "DDB-01": {
    bad: one({ aws_dynamodb_table: { t: { server_side_encryption: { enabled: true } } } }),
    good: one({
      aws_dynamodb_table: {
        t: { server_side_encryption: { enabled: true, kms_key_arn: "k" }, point_in_time_recovery: { enabled: true } },
      },
    }),
  },
  "X-01": { bad: lb({ idle_timeout: 65 }), good: lb({ idle_timeout: 60 }) },
  "X-02": {
    bad: container({
      environment: [
        { name: "KEEP_ALIVE_TIMEOUT_MS", value: "65000" },
        { name: "HEADERS_TIMEOUT_MS", value: "60000" },
      ],
    }),
    good: container({}),
  },
  "X-03": { bad: spotService(undefined), good: spotService(60) },
  "X-04": {
    bad: container({ stopTimeout: 20, environment: [{ name: "SHUTDOWN_TIMEOUT_MS", value: "25000" }] }),
    good: container({ stopTimeout: 60 }),
  },
  "X-05": {
    bad: container({ portMappings: [{ containerPort: 24224 }] }),
    good: container({}),
  },
  "X-06": {
    bad: container({
      environment: [
        { name: "REDIS_URL", value: "rediss://:${aws_elasticache_replication_group.redis.auth_token}@cache:6379" },
      ],
    }),
    good: container({}),
  },
  "X-07": {
    // dev enables FIS (issue 10): the bad case turns it off explicitly.
    bad: { ...one(task([goodContainer], { enable_fault_injection: true })), config: { fis: { enabled: false } } },
    good: { ...one(task([goodContainer], { enable_fault_injection: true })), config: { fis: { enabled: true } } },
  },
  "X-09": {
    // The group's own 8 KB size rule blocks; no rule at the apps' 16 KiB.
    bad: webAcl(undefined, []),
    good: webAcl([{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }], [contentLengthRule(16_384)]),
  },
  "X-10": {
    // The Aurora failover role as it was: FIS also resolves the cluster through the tagging API.
    bad: fisTemplate("aws:rds:failover-db-cluster", ["rds:FailoverDBCluster", "rds:DescribeDBClusters"]),
    good: fisTemplate("aws:rds:failover-db-cluster", [
      "rds:FailoverDBCluster",
      "rds:DescribeDBClusters",
      "tag:GetResources",
    ]),
  },
  "X-11": {
    // The whole VPC CIDR: replies to the ALB (public subnets) and DNS (VPC base + 2) are delayed too.
    bad: fisTemplate("aws:ecs:task-network-latency", [], [{ key: "sources", value: "10.20.0.0/16" }]),
    good: fisTemplate("aws:ecs:task-network-latency", [], [{ key: "sources", value: hostSources(devPrivateSubnets)! }]),
  },
  "X-12": { bad: dashboard("p95"), good: dashboard("Average") },
  "X-08": {
    // A collector that publishes 4318 while the task's group admits 4318 from the VPC.
    bad: one({
      ...task([goodContainer, { ...collector, portMappings: [{ containerPort: 4318 }] }]),
      ...sidecarService,
      aws_vpc_security_group_ingress_rule: { otlp: { ...vpcIngress, from_port: 4318, to_port: 4318 } },
    }),
    // Same mapping, but the group admits only the app port: nothing outside the task reaches 4318.
    good: one({
      ...task([goodContainer, { ...collector, portMappings: [{ containerPort: 4318 }] }]),
      ...sidecarService,
      aws_vpc_security_group_ingress_rule: { app: { ...vpcIngress, from_port: 8080, to_port: 8080 } },
    }),
  },
};
