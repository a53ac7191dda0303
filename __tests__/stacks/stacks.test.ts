import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { App, Testing } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENTS, loadConfig } from "../../config";
import devConfig from "../../config/dev";
import prod from "../../config/prod";
import { ServiceRole } from "../../modules/service-role";
import { createStacks } from "../../stacks";
import { FcStack } from "../../stacks/fc-stack";
import { applyMoves } from "../../stacks/moved";
import fixture from "../fixtures/addresses-v0.json";
import { parseEnvConfig } from "../../config/schema";
import { synthesizedEnvironment, type SharedEnvironment, type SynthesizedEnvironment } from "../helpers/synth-once";
import { addresses, dataOf, onlyResource, resourcesOf, synthApp, type TfJson } from "../helpers/terraform";

/** Every shipped environment, synthesized once per run (shared by the test files). */
let synthesized: Record<string, SynthesizedEnvironment>;
let dev: Record<string, TfJson>;
let prd: Record<string, TfJson>;

beforeAll(async () => {
  const names = Object.keys(ENVIRONMENTS) as SharedEnvironment[];
  synthesized = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await synthesizedEnvironment(n)])));
  dev = synthesized.dev!.stacks;
  prd = synthesized.prod!.stacks;
});

/** dev without a state bucket, synthesized at most once for this file. */
let localStateStacks: Record<string, TfJson> | undefined;
const localState = () =>
  (localStateStacks ??= synthApp(parseEnvConfig("sandbox", { ...devConfig, state: undefined, ci: undefined })).stacks);

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return out;
}

describe("every environment", () => {
  it("when each environment is synthesized, then it writes its stacks (bootstrap ones only when configured)", () => {
    const all = ["ci-identity", "data", "network", "ops", "platform", "services", "state"];
    expect(Object.keys(dev).sort()).toEqual(all);
    expect(Object.keys(prd).sort()).toEqual(all);
    for (const { stacks } of Object.values(synthesized)) {
      for (const json of Object.values(stacks)) expect(Object.keys(json.resource).length).toBeGreaterThan(0);
    }
  });

  it("when synthesized twice, then every file is byte-identical", () => {
    const again = synthApp(loadConfig("dev")).outdir;
    expect(filesUnder(again)).toEqual(filesUnder(synthesized.dev!.outdir));
  });

  it("when any output is declared, then it has a description (CDKTF's cross-stack plumbing aside)", () => {
    for (const stacks of [dev, prd]) {
      for (const json of Object.values(stacks)) {
        for (const [name, out] of Object.entries(json.output ?? {})) {
          if (name.startsWith("cross_stack_output_")) continue;
          expect(out.description, name).toMatch(/\w+/);
        }
      }
    }
  });

  it("when synthesized, then the provider pins the region, default tags and (prod) the account", () => {
    expect(dev.network!.provider.aws![0]).toMatchObject({
      region: "eu-west-1",
      default_tags: [{ tags: { environment: "dev", "fc:environment": "dev", "fc:stack": "network" } }],
    });
    expect(dev.network!.provider.aws![0]!.allowed_account_ids).toEqual(["210987654321"]);
    expect(prd.platform!.provider.aws![0]).toMatchObject({ allowed_account_ids: ["123456789012"] });
    expect(prd.platform!.terraform.required_providers).toMatchObject({
      aws: { source: "hashicorp/aws", version: "6.66.0" },
    });
  });
});

describe("backends", () => {
  it("when no state bucket is configured, then every stack uses a repo-relative local backend", () => {
    const stacks = localState();
    expect(Object.keys(stacks).sort()).toEqual(["data", "network", "ops", "platform", "services"]);
    expect(stacks.network!.terraform.backend).toEqual({
      local: { path: "../../../terraform-state/sandbox/network.tfstate" },
    });
    expect(stacks.platform!.terraform.backend).toEqual({
      local: { path: "../../../terraform-state/sandbox/platform.tfstate" },
    });
  });

  it("when a state bucket is configured, then stacks use S3 with <env>/<stack>.tfstate and use_lockfile, and no encryption override", () => {
    expect(prd.network!.terraform.backend).toEqual({
      s3: {
        bucket: "fargate-connect-prod-tfstate-123456789012",
        key: "prod/network.tfstate",
        region: "eu-west-1",
        use_lockfile: true,
      },
    });
    expect(prd.network!.terraform.required_version).toBe(">= 1.10.0");
  });

  it("when any environment CI plans or deploys is synthesized, then no stack but state keeps local state", () => {
    for (const [env, stacks] of [
      ["dev", dev],
      ["prod", prd],
    ] as const) {
      for (const [name, json] of Object.entries(stacks)) {
        const kind = Object.keys(json.terraform.backend)[0];
        expect(`${env}/${name}: ${kind}`).toBe(`${env}/${name}: ${name === "state" ? "local" : "s3"}`);
        // encrypt = true without kms_key_id would upload SSE-S3 and bypass the bucket's KMS key.
        expect(json.terraform.backend.s3?.encrypt, `${env}/${name}`).toBeUndefined();
      }
    }
  });

  it("when a lock table is configured, then backends name it and the state stack creates it encrypted", () => {
    const config = parseEnvConfig("prod", { ...prod, state: { ...prod.state, dynamodbTable: "fc-prod-tflock" } });
    const { stacks } = synthApp(config);
    expect(stacks.platform!.terraform.backend.s3).toMatchObject({
      dynamodb_table: "fc-prod-tflock",
      use_lockfile: true,
    });
    // It became a module: a moved block carries the old address over, so nothing is replaced.
    expect(stacks.state!.moved).toEqual([
      { from: "aws_dynamodb_table.lock_table", to: "aws_dynamodb_table.lock_table_table" },
    ]);
    expect(onlyResource(stacks.state!, "aws_dynamodb_table")).toMatchObject({
      name: "fc-prod-tflock",
      hash_key: "LockID",
      billing_mode: "PAY_PER_REQUEST",
      server_side_encryption: { enabled: true },
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("when the state stack is synthesized, then it keeps a local backend (it creates the bucket)", () => {
    expect(prd.state!.terraform.backend).toEqual({ local: { path: "../../../terraform-state/prod/state.tfstate" } });
  });
});

describe("state stack", () => {
  it("when synthesized, then the bucket has the full baseline and survives destroy", () => {
    const s = prd.state!;
    expect(onlyResource(s, "aws_s3_bucket")).toMatchObject({
      bucket: "fargate-connect-prod-tfstate-123456789012",
      lifecycle: { prevent_destroy: true },
    });
    expect(onlyResource(s, "aws_s3_bucket_versioning")).toMatchObject({
      versioning_configuration: { status: "Enabled" },
    });
    expect(onlyResource(s, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      rule: [
        {
          apply_server_side_encryption_by_default: {
            sse_algorithm: "aws:kms",
            kms_master_key_id: "${aws_kms_key.state_key_key.arn}",
          },
        },
      ],
    });
    expect(onlyResource(s, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
    expect(onlyResource(s, "aws_s3_bucket_public_access_block")).toMatchObject({ restrict_public_buckets: true });
    expect(onlyResource(s, "aws_s3_bucket_lifecycle_configuration")).toMatchObject({
      rule: [{ noncurrent_version_expiration: [{ noncurrent_days: 90 }] }],
    });
    expect(onlyResource(s, "aws_kms_key")).toMatchObject({ enable_key_rotation: true });
  });

  it("when the backend writes state with no encryption header, then the bucket's KMS default applies and uploads naming anything but the state key are refused", () => {
    // Without `encrypt` and `kms_key_id`, Terraform's S3 backend sends no SSE header for state or lock file.
    expect(prd.state!.terraform.backend).toEqual({
      local: expect.objectContaining({ path: expect.stringContaining("state.tfstate") }),
    });
    expect(prd.network!.terraform.backend.s3).not.toHaveProperty("encrypt");
    expect(prd.network!.terraform.backend.s3).not.toHaveProperty("kms_key_id");
    const policy = Object.values(dataOf(prd.state!, "aws_iam_policy_document")).find((d) =>
      JSON.stringify(d).includes("DenyOtherKmsKeys"),
    )!;
    expect(policy.statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sid: "DenyOtherKmsKeys",
          effect: "Deny",
          condition: [
            { test: "Null", variable: "s3:x-amz-server-side-encryption-aws-kms-key-id", values: ["false"] },
            {
              test: "StringNotEquals",
              variable: "s3:x-amz-server-side-encryption-aws-kms-key-id",
              values: ["${aws_kms_key.state_key_key.arn}", '${element(split("/", aws_kms_key.state_key_key.arn), 1)}'],
            },
          ],
        }),
      ]),
    );
    expect(prd.state!.output!.stateKmsKeyArn!.description).toMatch(/default encryption/);
  });
});

describe("network stack", () => {
  it("when dev (natMode single, no endpoints), then one NAT gateway and no VPC endpoints", () => {
    expect(Object.keys(resourcesOf(dev.network!, "aws_nat_gateway"))).toHaveLength(1);
    expect(resourcesOf(dev.network!, "aws_vpc_endpoint")).toEqual({});
    expect(Object.keys(resourcesOf(dev.network!, "aws_subnet"))).toHaveLength(4);
  });

  it("when prod (per-az, endpoints), then three NAT gateways, the listed subnets and six endpoints", () => {
    const n = prd.network!;
    expect(Object.keys(resourcesOf(n, "aws_nat_gateway"))).toHaveLength(3);
    expect(Object.keys(resourcesOf(n, "aws_vpc_endpoint"))).toHaveLength(6);
    expect(resourcesOf(n, "aws_subnet").vpc_public_2).toMatchObject({ cidr_block: "10.30.136.0/22" });
    expect(onlyResource(n, "aws_cloudwatch_log_group")).toMatchObject({
      retention_in_days: 365,
      kms_key_id: "${aws_kms_key.network_logs_key_key.arn}",
    });
  });
});

describe("platform stack", () => {
  it("when synthesized, then the cluster takes Container Insights and the capacity strategy from config", () => {
    expect(onlyResource(prd.platform!, "aws_ecs_cluster")).toMatchObject({
      name: "fc-prod",
      setting: [{ name: "containerInsights", value: "enhanced" }],
    });
    expect(onlyResource(dev.platform!, "aws_ecs_cluster_capacity_providers")).toMatchObject({
      default_capacity_provider_strategy: [
        { capacity_provider: "FARGATE", base: 1, weight: 1 },
        { capacity_provider: "FARGATE_SPOT", base: 0, weight: 3 },
      ],
    });
  });

  it("when synthesized, then the alarm topic is KMS-encrypted and prod subscribes on-call", () => {
    expect(onlyResource(prd.platform!, "aws_sns_topic")).toMatchObject({
      kms_master_key_id: "${aws_kms_key.platform_key_key.arn}",
    });
    expect(onlyResource(prd.platform!, "aws_sns_topic_subscription")).toMatchObject({
      endpoint: "platform-oncall@example.com",
    });
    expect(resourcesOf(dev.platform!, "aws_sns_topic_subscription")).toEqual({});
  });

  it("when synthesized, then every documented output exists", () => {
    expect(Object.keys(dev.platform!.output ?? {})).toEqual(
      expect.arrayContaining([
        "clusterName",
        "clusterArn",
        "capacityProviders",
        "serviceConnectNamespaceArn",
        "serviceConnectNamespaceName",
        "platformKmsKeyArn",
        "alarmTopicArn",
      ]),
    );
  });

  it("when synthesized, then the platform's only security group is the ALB's (each service and data store has its own)", () => {
    for (const stacks of [dev, prd]) {
      expect(Object.keys(resourcesOf(stacks.platform!, "aws_security_group"))).toEqual(["alb_sg_sg"]);
    }
  });
});

describe("cross-stack references", () => {
  const ORDER = ["network", "platform", "data", "services", "ops"];

  it("when any stack reads another, then it reads only an earlier one (network ← platform ← data ← services)", () => {
    for (const stacks of [dev, prd]) {
      for (const [name, json] of Object.entries(stacks)) {
        for (const remote of Object.values(dataOf(json, "terraform_remote_state"))) {
          const config = remote.config as { key?: string; path?: string };
          const source = /(\w+)\.tfstate$/.exec(config.key ?? config.path ?? "")![1]!;
          expect(ORDER.indexOf(source), `${name} reads ${source}`).toBeLessThan(ORDER.indexOf(name));
        }
      }
    }
  });

  it("when platform places the ALB, then it reads the VPC and public subnets from network's state (S3 key prod/network.tfstate)", () => {
    const remotes = dataOf(prd.platform!, "terraform_remote_state");
    expect(Object.values(remotes)).toEqual([
      expect.objectContaining({
        backend: "s3",
        config: expect.objectContaining({
          bucket: "fargate-connect-prod-tfstate-123456789012",
          key: "prod/network.tfstate",
        }),
      }),
    ]);
    const [name] = Object.keys(remotes);
    const alb = onlyResource(prd.platform!, "aws_lb");
    expect(alb.subnets).toHaveLength(3);
    for (const subnet of alb.subnets as string[]) {
      expect(subnet).toMatch(
        new RegExp(`^\\$\\{data\\.terraform_remote_state\\.${name}\\.outputs\\.\\w+public\\w+\\}$`),
      );
    }
    expect(onlyResource(prd.platform!, "aws_security_group").vpc_id).toMatch(
      new RegExp(`^\\$\\{data\\.terraform_remote_state\\.${name}\\.outputs\\.\\w+vpc\\w+\\}$`),
    );
  });

  it("when an environment keeps local state, then platform reads network's local state file", () => {
    const stacks = localState();
    expect(Object.values(dataOf(stacks.platform!, "terraform_remote_state"))).toEqual([
      expect.objectContaining({
        backend: "local",
        config: { path: "../../../terraform-state/sandbox/network.tfstate" },
      }),
    ]);
  });

  it("when a role in a later stack is granted on the platform key, then the grant lands in that stack and the key policy is untouched", () => {
    const outdir = mkdtempSync(join(tmpdir(), "fc-grant-"));
    const app = new App({ outdir });
    const stacks = createStacks(app, loadConfig("prod"));
    class ConsumerStack extends FcStack {}
    const consumer = new ConsumerStack(app, "consumer", { config: loadConfig("prod") });
    stacks.platform.kmsKey.grantDecrypt(
      new ServiceRole(consumer, "task", { name: "fc-t", assumedBy: "ecs-tasks.amazonaws.com" }),
    );
    app.synth();
    const read = (name: string) =>
      JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
    const platform = read("platform");
    const services = read("consumer");
    expect(JSON.stringify(platform.data)).not.toContain("iam_role");
    const grant = dataOf(services, "aws_iam_policy_document").task_policy_document!.statement as {
      resources: string[];
    }[];
    expect(grant[0]!.resources[0]).toMatch(/^\$\{data\.terraform_remote_state\.\w+\.outputs\.\w+\}$/);
    expect(Object.values(dataOf(services, "terraform_remote_state"))).toEqual([
      expect.objectContaining({ backend: "s3", config: expect.objectContaining({ key: "prod/platform.tfstate" }) }),
    ]);
  });
});

describe("stable addresses", () => {
  // Stateful resources: a changed address here means Terraform would destroy and recreate them.
  // Renaming a construct? Add a `moved` block (stack.moveTo / moveFromId) and update this list on purpose.
  const pinned: Record<string, string[]> = {
    state: [
      "aws_kms_key.state_key_key",
      "aws_kms_alias.state_key_alias",
      "aws_s3_bucket.state_bucket_bucket",
      "aws_s3_bucket_versioning.state_bucket_versioning",
    ],
    network: [
      "aws_kms_key.network_logs_key_key",
      "aws_vpc.vpc_vpc",
      "aws_subnet.vpc_private_0",
      "aws_subnet.vpc_private_1",
      "aws_subnet.vpc_private_2",
      "aws_subnet.vpc_public_0",
      "aws_eip.vpc_nat_eip_0",
      "aws_nat_gateway.vpc_nat_0",
      "aws_cloudwatch_log_group.vpc_flow_logs",
    ],
    platform: [
      "aws_kms_key.platform_key_key",
      "aws_ecs_cluster.ecs_cluster",
      "aws_service_discovery_http_namespace.ecs_namespace",
      "aws_sns_topic.alarms_topic",
      "aws_s3_bucket.log_pipeline_bucket_bucket",
      "aws_s3_bucket_versioning.log_pipeline_bucket_versioning",
      "aws_kinesis_firehose_delivery_stream.log_pipeline_stream",
      "aws_cloudwatch_log_group.log_pipeline_log_group",
      "aws_ecr_repository.ecr_caller_repository",
      "aws_ecr_repository.ecr_responder_repository",
      "aws_lb.alb_alb",
      "aws_s3_bucket.alb_access_logs_bucket",
      "aws_cloudwatch_log_group.waf_logs",
      "aws_wafv2_web_acl.waf_acl",
    ],
    data: [
      "aws_kms_key.data_key_key",
      "aws_kms_alias.data_key_alias",
      "aws_elasticache_replication_group.cache_replication_group",
      "aws_elasticache_subnet_group.cache_subnet_group",
      "random_password.cache_auth_token",
      "aws_secretsmanager_secret.cache_auth_token_secret",
      "aws_secretsmanager_secret_version.cache_auth_token_value",
      "aws_security_group.cache_client_security_group_sg",
      "aws_rds_cluster.mysql_cluster",
      "aws_rds_cluster_instance.mysql_instance_0",
      "aws_rds_cluster_instance.mysql_instance_1",
      "aws_db_subnet_group.mysql_subnet_group",
      "aws_security_group.mysql_client_security_group_sg",
      "aws_cloudwatch_log_group.mysql_log_audit",
      "aws_cloudwatch_log_group.mysql_log_error",
      "aws_cloudwatch_log_group.mysql_log_slowquery",
    ],
    // --- ops (issue 10): the dashboard (prod); FIS templates are pinned on dev below ---
    ops: ["aws_cloudwatch_dashboard.dashboard_dashboard", "aws_cloudwatch_metric_alarm.alarms_alb_5xx_rate"],
  };

  it.each(Object.entries(pinned))(
    "when %s is synthesized (prod), then its stateful resources keep their addresses",
    (stack, expected) => {
      expect(addresses(prd[stack]!)).toEqual(expect.arrayContaining(expected));
    },
  );

  it("when dev (FIS on) is synthesized, then the FIS experiment templates keep their addresses", () => {
    expect(addresses(dev.ops!)).toEqual(
      expect.arrayContaining([
        "aws_fis_experiment_template.fis_stop_responder_tasks",
        "aws_fis_experiment_template.fis_caller_cpu_stress",
        "aws_fis_experiment_template.fis_caller_responder_latency",
        "aws_fis_experiment_template.fis_caller_responder_blackhole",
        "aws_fis_experiment_template.fis_aurora_failover",
      ]),
    );
  });
});

describe("Terraform expressions in strings", () => {
  // Terraform reads every "${...}" in a string as an expression: a shell's ${VAR} inside a container
  // command or script must be written $VAR (or $${VAR}), or plan fails ("Invalid reference").
  const ROOTS = /^(data|aws_|var\.|local\.|random_|terraform\.|[a-z][a-z0-9_]*\()/;
  const expressions = (value: unknown, out: string[] = []): string[] => {
    if (typeof value === "string") {
      for (const m of value.matchAll(/(?<!\$)\$\{([^}]*)/g)) out.push(m[1]!);
    } else if (Array.isArray(value)) value.forEach((v) => expressions(v, out));
    else if (value && typeof value === "object") Object.values(value).forEach((v) => expressions(v, out));
    return out;
  };

  it("when any string holds ${...}, then it is a Terraform reference or function, never a shell variable", () => {
    for (const [env, stacks] of [
      ["dev", dev],
      ["prod", prd],
    ] as const) {
      for (const [name, json] of Object.entries(stacks)) {
        const bad = expressions(json).filter((e) => !ROOTS.test(e));
        expect(bad, `${env}/${name}`).toEqual([]);
      }
    }
  });
});

/** env → stack → every resource address of the last synth before services became a config map. */
const BEFORE = fixture as Record<string, Record<string, string[]>>;

/** Resources whose replacement loses data: each must keep its address (a moved block would also do). */
const STATEFUL =
  /^aws_(rds_cluster|rds_cluster_instance|elasticache_replication_group|kms_key|s3_bucket|ecr_repository|secretsmanager_secret)\./;

/** The current synth of the fixture's environments (this file's one synth of each). */
const now = (env: string): Record<string, TfJson> => synthesized[env]!.stacks;

/** Each old address of a stack: still there, moved (the `from` of a moved block), or lost. */
function survival(env: string, stack: string) {
  const json = now(env)[stack]!;
  const present = new Set(addresses(json));
  const movedFrom = new Map((json.moved ?? []).map((m) => [m.from, m.to]));
  const old = BEFORE[env]![stack]!;
  return {
    kept: old.filter((a) => present.has(a)),
    moved: old.filter((a) => !present.has(a) && movedFrom.has(a)),
    lost: old.filter((a) => !present.has(a) && !movedFrom.has(a)),
    movedTo: [...movedFrom.values()],
    present,
  };
}

describe("state survives the redesign", () => {
  const cases = Object.entries(BEFORE).flatMap(([env, stacks]) => Object.keys(stacks).map((stack) => [env, stack]));

  it("when the fixture is read, then it holds dev and prod with every stack", () => {
    expect(Object.keys(BEFORE).sort()).toEqual(["dev", "prod"]);
    for (const env of ["dev", "prod"]) {
      expect(Object.keys(BEFORE[env]!).sort()).toEqual(["data", "network", "ops", "platform", "services", "state"]);
    }
  });

  it.each(cases)(
    "when %s/%s is synthesized, then every old address still exists or is the from of a moved block",
    (env, stack) => {
      const s = survival(env!, stack!);
      expect(s.lost).toEqual([]);
      expect(s.kept.length + s.moved.length).toBe(BEFORE[env!]![stack!]!.length);
      // A moved block points at a resource that exists.
      for (const to of s.movedTo) expect(s.present.has(to), to).toBe(true);
    },
  );

  it("when databases, caches, keys, buckets and repositories are compared, then each kept its exact address", () => {
    for (const [env, stacks] of Object.entries(BEFORE)) {
      for (const [stack, old] of Object.entries(stacks)) {
        const present = new Set(addresses(now(env)[stack]!));
        const stateful = old.filter((a) => STATEFUL.test(a));
        for (const a of stateful) expect(present.has(a), `${env}/${stack}: ${a}`).toBe(true);
      }
    }
    expect(BEFORE.prod!.data!.filter((a) => STATEFUL.test(a))).toEqual(
      expect.arrayContaining([
        "aws_rds_cluster.mysql_cluster",
        "aws_elasticache_replication_group.cache_replication_group",
      ]),
    );
  });
});

describe("moved blocks", () => {
  class Stack extends FcStack {}
  const stack = () => new Stack(Testing.app(), "services", { config: loadConfig("dev") });

  it("when a move names an existing resource of the same type, then the stack gets a moved block", () => {
    const s = stack();
    new SsmParameter(s, "orders-failure-mode", { name: "/p", type: "String", value: "none" });
    applyMoves(s, [{ from: "aws_ssm_parameter.order_failure_mode", to: "aws_ssm_parameter.orders_failure_mode" }]);
    expect((JSON.parse(Testing.synth(s)) as TfJson).moved).toEqual([
      { from: "aws_ssm_parameter.order_failure_mode", to: "aws_ssm_parameter.orders_failure_mode" },
    ]);
  });

  it.each([
    [
      { from: "aws_ssm_parameter.a", to: "aws_ssm_parameter.missing" },
      /no resource has the address aws_ssm_parameter\.missing/,
    ],
    [
      { from: "aws_rds_cluster.a", to: "aws_ssm_parameter.p" },
      /a aws_ssm_parameter cannot take the state of another resource type/,
    ],
    [{ from: "aws_ssm_parameter.p", to: "aws_ssm_parameter.p" }, /aws_ssm_parameter\.p still exists; nothing moved/],
  ])("when a move is %j, then the synth fails naming it instead of replacing anything", (move, message) => {
    const s = stack();
    new SsmParameter(s, "p", { name: "/p", type: "String", value: "none" });
    expect(() => applyMoves(s, [move])).toThrow(message);
  });
});
