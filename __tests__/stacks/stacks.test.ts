import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENTS, loadConfig } from "../../config";
import prod from "../../config/prod";
import { parseEnvConfig } from "../../config/schema";
import { addresses, dataOf, onlyResource, resourcesOf, synthApp, type TfJson } from "../helpers/terraform";

/** Every shipped environment, synthesized once for the whole file. */
let synthesized: Record<string, ReturnType<typeof synthApp>>;
let dev: Record<string, TfJson>;
let prd: Record<string, TfJson>;

beforeAll(() => {
  synthesized = Object.fromEntries(Object.keys(ENVIRONMENTS).map((name) => [name, synthApp(loadConfig(name))]));
  dev = synthesized.dev!.stacks;
  prd = synthesized.prod!.stacks;
});

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
  it("when each environment is synthesized, then it writes its stacks (state only with a state bucket)", () => {
    expect(Object.keys(dev).sort()).toEqual(["network", "platform"]);
    expect(Object.keys(prd).sort()).toEqual(["network", "platform", "state"]);
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
    expect(dev.network!.provider.aws![0]!.allowed_account_ids).toBeUndefined();
    expect(prd.platform!.provider.aws![0]).toMatchObject({ allowed_account_ids: ["123456789012"] });
    expect(prd.platform!.terraform.required_providers).toMatchObject({ aws: { version: "6.25.0" } });
  });
});

describe("backends", () => {
  it("when no state bucket is configured, then every stack uses a repo-relative local backend", () => {
    expect(dev.network!.terraform.backend).toEqual({ local: { path: "../../../terraform-state/dev/network.tfstate" } });
    expect(dev.platform!.terraform.backend).toEqual({
      local: { path: "../../../terraform-state/dev/platform.tfstate" },
    });
  });

  it("when a state bucket is configured, then stacks use S3 with <env>/<stack>.tfstate, encryption and use_lockfile", () => {
    expect(prd.network!.terraform.backend).toEqual({
      s3: {
        bucket: "fargate-connect-prod-tfstate-123456789012",
        key: "prod/network.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(prd.network!.terraform.required_version).toBe(">= 1.10.0");
  });

  it("when a lock table is configured, then backends name it and the state stack creates it encrypted", () => {
    const config = parseEnvConfig("prod", { ...prod, state: { ...prod.state, dynamodbTable: "fc-prod-tflock" } });
    const { stacks } = synthApp(config);
    expect(stacks.platform!.terraform.backend.s3).toMatchObject({
      dynamodb_table: "fc-prod-tflock",
      use_lockfile: true,
    });
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
        "servicesSecurityGroupId",
      ]),
    );
  });
});

describe("cross-stack references", () => {
  it("when platform needs the VPC, then it reads network's state through terraform_remote_state (dev: local)", () => {
    const remote = dataOf(dev.platform!, "terraform_remote_state");
    expect(Object.values(remote)).toEqual([
      expect.objectContaining({ backend: "local", config: { path: "../../../terraform-state/dev/network.tfstate" } }),
    ]);
    const [remoteName] = Object.keys(remote);
    const sg = onlyResource(dev.platform!, "aws_security_group");
    expect(sg.vpc_id).toMatch(
      new RegExp(`^\\$\\{data\\.terraform_remote_state\\.${remoteName}\\.outputs\\.(\\w+)\\}$`),
    );
    const outputName = /outputs\.(\w+)\}/.exec(sg.vpc_id as string)![1]!;
    expect(dev.network!.output![outputName]).toMatchObject({ value: "${aws_vpc.vpc_vpc.id}" });
  });

  it("when prod uses S3, then the remote state reads network's key in the same bucket", () => {
    expect(Object.values(dataOf(prd.platform!, "terraform_remote_state"))).toEqual([
      expect.objectContaining({
        backend: "s3",
        config: expect.objectContaining({
          bucket: "fargate-connect-prod-tfstate-123456789012",
          key: "prod/network.tfstate",
        }),
      }),
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
      "aws_security_group.services_sg_sg",
    ],
  };

  it.each(Object.entries(pinned))(
    "when %s is synthesized (prod), then its stateful resources keep their addresses",
    (stack, expected) => {
      expect(addresses(prd[stack]!)).toEqual(expect.arrayContaining(expected));
    },
  );
});
