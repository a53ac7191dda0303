import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import devConfig from "../../config/dev";
import prodConfig from "../../config/prod";
import { ConfigError, parseEnvConfig } from "../../config/schema";
import { createStacks } from "../../stacks";
import { FcStack } from "../../stacks/fc-stack";
import { output } from "../../stacks/outputs";
import { synthesizedEnvironment } from "../helpers/synth-once";
import { dataOf, onlyResource, resourcesOf, type TfJson } from "../helpers/terraform";

type Block = Record<string, unknown>;

let dev: Record<string, TfJson>;
let prd: Record<string, TfJson>;
/** A services-like stack in the prod app that reads every DataAttributes value. */
let consumer: TfJson;
let ports: { redis: number; mysql: number };

beforeAll(async () => {
  dev = (await synthesizedEnvironment("dev")).stacks;
  const outdir = mkdtempSync(join(tmpdir(), "fc-data-"));
  const app = new App({ outdir });
  const config = loadConfig("prod");
  const { data } = createStacks(app, config);
  class ConsumerStack extends FcStack {}
  const services = new ConsumerStack(app, "consumer", { config });
  for (const [store, attrs] of Object.entries({ redis: data.redis, mysql: data.mysql })) {
    for (const [name, value] of Object.entries(attrs)) output(services, `${store}_${name}`, value, name);
  }
  ports = { redis: data.redis.port, mysql: data.mysql.port };
  app.synth();
  const read = (name: string) =>
    JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
  prd = Object.fromEntries(["network", "platform", "data"].map((n) => [n, read(n)]));
  consumer = read("consumer");
});

const remoteKeys = (json: TfJson) =>
  Object.values(dataOf(json, "terraform_remote_state")).map((r) => {
    const config = r.config as { key?: string; path?: string };
    return config.key ?? config.path;
  });

describe("data stack: cross-stack references", () => {
  it("when synthesized, then data reads network and platform through remote state", () => {
    expect(remoteKeys(prd.data!).sort()).toEqual(["prod/network.tfstate", "prod/platform.tfstate"]);
    expect(remoteKeys(dev.data!).sort()).toEqual(["dev/network.tfstate", "dev/platform.tfstate"]);
  });

  it("when synthesized, then network and platform never read data, and data changes nothing in them", () => {
    for (const name of ["network", "platform"]) {
      expect(remoteKeys(prd[name]!).filter((k) => k?.includes("data"))).toEqual([]);
      expect(
        Object.keys(prd[name]!.resource).filter((t) => /elasticache|rds|db_subnet|secretsmanager/.test(t)),
      ).toEqual([]);
    }
    // The platform key policy is not edited: the data stack brings its own key.
    expect(JSON.stringify(prd.platform!.data)).not.toContain("data_key");
  });

  it("when the subnets and VPC are used, then they are the network stack's private subnets, read from its outputs", () => {
    const subnets = onlyResource(prd.data!, "aws_elasticache_subnet_group").subnet_ids as string[];
    expect(subnets).toHaveLength(3);
    for (const ref of subnets) {
      const name = /^\$\{data\.terraform_remote_state\.cross_stack_reference_input_network\.outputs\.(\w+)\}$/.exec(
        ref,
      )![1]!;
      expect(prd.network!.output![name]!.value).toMatch(/^\$\{aws_subnet\.vpc_private_\d\.id\}$/);
    }
    expect(onlyResource(prd.data!, "aws_db_subnet_group").subnet_ids).toEqual(subnets);
    for (const sg of Object.values(resourcesOf(prd.data!, "aws_security_group"))) {
      expect(sg.vpc_id).toMatch(
        /^\$\{data\.terraform_remote_state\.cross_stack_reference_input_network\.outputs\.\w+\}$/,
      );
    }
  });

  it("when a later stack reads DataAttributes, then every value arrives through the data stack's remote state", () => {
    expect(remoteKeys(consumer)).toEqual(["prod/data.tfstate"]);
    const outs = consumer.output!;
    for (const name of [
      "redis_primaryEndpoint",
      "redis_clientSecurityGroupId",
      "redis_authTokenSecretArn",
      "redis_secretKmsKeyArn",
      "mysql_endpoint",
      "mysql_clientSecurityGroupId",
      "mysql_masterSecretArn",
      "mysql_secretKmsKeyArn",
    ]) {
      expect(outs[name]!.value, name).toMatch(/^\$\{data\.terraform_remote_state\.\w+\.outputs\.\w+\}$/);
    }
    expect(outs.mysql_database!.value).toBe("fargateconnect");
    expect(ports).toEqual({ redis: 6379, mysql: 3306 });
  });

  it("when synthesized, then the attributes the services need are outputs with descriptions", () => {
    const outs = prd.data!.output!;
    for (const name of [
      "redisPrimaryEndpoint",
      "redisPort",
      "redisClientSecurityGroupId",
      "redisAuthTokenSecretArn",
      "mysqlEndpoint",
      "mysqlPort",
      "mysqlDatabase",
      "mysqlClientSecurityGroupId",
      "mysqlMasterSecretArn",
      "dataKmsKeyArn",
    ]) {
      expect(outs[name]?.description, name).toMatch(/\w+/);
    }
    expect(outs.redisPrimaryEndpoint!.value).toBe(
      "${aws_elasticache_replication_group.cache_replication_group.primary_endpoint_address}",
    );
    expect(outs.mysqlEndpoint!.value).toBe("${aws_rds_cluster.mysql_cluster.endpoint}");
    expect(outs.mysqlMasterSecretArn!.value).toBe("${aws_rds_cluster.mysql_cluster.master_user_secret[0].secret_arn}");
    expect(outs.redisAuthTokenSecretArn!.value).toBe("${aws_secretsmanager_secret.cache_auth_token_secret.arn}");
    expect(JSON.stringify(outs)).not.toContain("random_password");
  });
});

describe("data stack: SECURITY.md rows", () => {
  it("ElastiCache: at rest with the data key, TLS required, AUTH token (every environment)", () => {
    for (const stacks of [dev, prd]) {
      expect(onlyResource(stacks.data!, "aws_elasticache_replication_group")).toMatchObject({
        at_rest_encryption_enabled: "true",
        kms_key_id: "${aws_kms_key.data_key_key.arn}",
        transit_encryption_enabled: true,
        transit_encryption_mode: "required",
        auth_token: "${random_password.cache_auth_token.result}",
        auto_minor_version_upgrade: "true",
        subnet_group_name: "${aws_elasticache_subnet_group.cache_subnet_group.name}",
      });
    }
  });

  it("ElastiCache: prod has Multi-AZ, automatic failover, >= 2 nodes and snapshots; dev one node", () => {
    const prodCache = onlyResource(prd.data!, "aws_elasticache_replication_group");
    expect(prodCache).toMatchObject({ multi_az_enabled: true, automatic_failover_enabled: true });
    expect(prodCache.num_cache_clusters as number).toBeGreaterThanOrEqual(2);
    expect(prodCache.snapshot_retention_limit as number).toBeGreaterThanOrEqual(1);
    expect(onlyResource(dev.data!, "aws_elasticache_replication_group")).toMatchObject({
      num_cache_clusters: 1,
      multi_az_enabled: false,
      automatic_failover_enabled: false,
    });
    expect(
      onlyResource(dev.data!, "aws_elasticache_replication_group").snapshot_retention_limit as number,
    ).toBeGreaterThanOrEqual(1);
  });

  it("Aurora: KMS, IAM auth, backups >= 7 days, logs exported (every environment)", () => {
    for (const stacks of [dev, prd]) {
      const cluster = onlyResource(stacks.data!, "aws_rds_cluster");
      expect(cluster).toMatchObject({
        storage_encrypted: true,
        kms_key_id: "${aws_kms_key.data_key_key.arn}",
        iam_database_authentication_enabled: true,
        manage_master_user_password: true,
        master_user_secret_kms_key_id: "${aws_kms_key.data_key_key.arn}",
        enabled_cloudwatch_logs_exports: ["audit", "error", "slowquery"],
      });
      expect(cluster.backup_retention_period as number).toBeGreaterThanOrEqual(7);
    }
  });

  it("Aurora: not publicly accessible, in the private subnets", () => {
    for (const stacks of [dev, prd]) {
      for (const instance of Object.values(resourcesOf(stacks.data!, "aws_rds_cluster_instance"))) {
        expect(instance.publicly_accessible).toBe(false);
      }
    }
    for (const ref of onlyResource(prd.data!, "aws_db_subnet_group").subnet_ids as string[]) {
      expect(ref).toMatch(/outputs\.cross_stack_output_aws_subnet_vpc_private_\d_id\}$/);
    }
  });

  it("Aurora: prod's reader sits in one of the network's private-subnet AZs other than the writer's", () => {
    const instances = resourcesOf(prd.data!, "aws_rds_cluster_instance");
    expect(instances.mysql_instance_0!.availability_zone).toBeUndefined();
    const readerAz = String(instances.mysql_instance_1!.availability_zone);
    const azRefs = [
      ...readerAz.matchAll(/outputs\.(cross_stack_output_aws_subnet_vpc_private_(\d)_availability_zone)/g),
    ];
    expect(azRefs.map((m) => m[2])).toEqual(["0", "1", "2"]);
    expect(readerAz).toContain("[aws_rds_cluster_instance.mysql_instance_0.availability_zone]");
    expect(readerAz).toMatch(/^\$\{element\(sort\(setsubtract\(/);
    // Those outputs are the network stack's subnets' own AZs.
    const outputs = prd.network!.output!;
    expect(outputs[azRefs[0]![1]!]!.value).toBe("${aws_subnet.vpc_private_0.availability_zone}");
    expect(outputs.privateSubnetAzs!.value).toHaveLength(3);
  });

  it("ElastiCache: prod refuses a plan that replaces the cache (prevent_destroy); dev does not", () => {
    expect(onlyResource(prd.data!, "aws_elasticache_replication_group").lifecycle).toEqual({ prevent_destroy: true });
    expect(onlyResource(dev.data!, "aws_elasticache_replication_group").lifecycle).toBeUndefined();
  });

  it("Aurora: deletion protection and a final snapshot in prod (the top-level deletionProtection key); neither in dev", () => {
    expect(onlyResource(prd.data!, "aws_rds_cluster")).toMatchObject({
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "fc-prod-mysql-final",
    });
    expect(onlyResource(dev.data!, "aws_rds_cluster")).toMatchObject({
      deletion_protection: false,
      skip_final_snapshot: true,
    });
    expect(onlyResource(prd.data!, "aws_elasticache_replication_group").final_snapshot_identifier).toBe(
      "fc-prod-cache-final",
    );
  });

  it("log groups: retention set and KMS; the data key lets CloudWatch Logs use it; rotation on", () => {
    for (const stacks of [dev, prd]) {
      const groups = Object.values(resourcesOf(stacks.data!, "aws_cloudwatch_log_group"));
      expect(groups).toHaveLength(3);
      for (const group of groups) {
        expect(group.retention_in_days as number).toBeGreaterThan(0);
        expect(group.kms_key_id).toBe("${aws_kms_key.data_key_key.arn}");
      }
    }
    expect(onlyResource(prd.data!, "aws_kms_key")).toMatchObject({ enable_key_rotation: true });
    const policy = dataOf(prd.data!, "aws_iam_policy_document").data_key_policy!;
    expect(JSON.stringify(policy.statement)).toContain("kms:EncryptionContext:aws:logs:arn");
    expect(JSON.stringify(policy.statement)).not.toMatch(/"identifiers":\["\*"\]/);
  });

  it("security groups: each store admits its port only from its client group; nothing from a CIDR", () => {
    for (const stacks of [dev, prd]) {
      const ingress = Object.values(resourcesOf(stacks.data!, "aws_vpc_security_group_ingress_rule")) as Block[];
      expect(ingress.map((r) => r.from_port).sort()).toEqual([3306, 6379]);
      for (const rule of ingress) {
        expect(rule.cidr_ipv4).toBeUndefined();
        expect(rule.referenced_security_group_id).toMatch(/client_security_group_sg\.id\}$/);
        expect(rule.description).toMatch(/\w+/);
      }
    }
  });

  it("capacity: the ACU alarm notifies the platform's alarm topic", () => {
    expect(onlyResource(prd.data!, "aws_cloudwatch_metric_alarm").alarm_actions).toEqual([
      expect.stringMatching(/^\$\{data\.terraform_remote_state\.cross_stack_reference_input_platform\.outputs\.\w+\}$/),
    ]);
  });
});

describe("data config", () => {
  const withData = (base: typeof devConfig | typeof prodConfig, data: Record<string, unknown>) => ({
    ...base,
    data: { ...base.data, ...data },
  });

  it("when Multi-AZ is set with one cache node, then the config error names data.redis.multiAz", () => {
    const bad = withData(prodConfig, { redis: { ...prodConfig.data.redis, nodeCount: 1, multiAz: true } });
    expect(() => parseEnvConfig("prod", bad)).toThrow(ConfigError);
    expect(() => parseEnvConfig("prod", bad)).toThrow(
      "data.redis.multiAz: got true; multiAz needs nodeCount >= 2 (a primary and a replica in another AZ); nodeCount is 1",
    );
  });

  it("when min ACU exceeds max, then the config error names data.mysql.minCapacityAcu", () => {
    const bad = withData(devConfig, { mysql: { ...devConfig.data.mysql, minCapacityAcu: 4, maxCapacityAcu: 2 } });
    expect(() => parseEnvConfig("dev", bad)).toThrow(
      "data.mysql.minCapacityAcu: got 4; minCapacityAcu must not exceed maxCapacityAcu (2)",
    );
  });

  it("when backups are kept under 7 days or ACU is not a half step, then the error names the field", () => {
    const bad = withData(devConfig, {
      mysql: { ...devConfig.data.mysql, backupRetentionDays: 3, maxCapacityAcu: 2.25 },
    });
    expect(() => parseEnvConfig("dev", bad)).toThrow(/data\.mysql\.backupRetentionDays: got 3;/);
    expect(() => parseEnvConfig("dev", bad)).toThrow(
      /data\.mysql\.maxCapacityAcu: got 2\.25; expected a multiple of 0\.5 ACU/,
    );
  });

  it("when the engine is neither redis nor valkey, then the error lists both", () => {
    const bad = withData(devConfig, { redis: { ...devConfig.data.redis, engine: "memcached" } });
    expect(() => parseEnvConfig("dev", bad)).toThrow(/data\.redis\.engine: got "memcached";.*"redis".*"valkey"/);
  });

  it("when an unknown key sits in the data block, then it is refused, not ignored", () => {
    const bad = withData(devConfig, { redis: { ...devConfig.data.redis, clusterMode: true } });
    expect(() => parseEnvConfig("dev", bad)).toThrow(
      /data\.redis\.clusterMode: unknown key; allowed keys here: engine, nodeType/,
    );
  });
});
