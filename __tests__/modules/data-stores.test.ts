import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AuroraMysql, type AuroraMysqlProps } from "../../modules/aurora-mysql";
import { RedisCache, type RedisCacheProps } from "../../modules/redis-cache";
import { resourcesOf, synthModule, type TfJson, constructError } from "../helpers/terraform";

type Block = Record<string, unknown>;

const network = { vpcId: "vpc-0123", subnetIds: ["subnet-a", "subnet-b", "subnet-c"] };

const cacheProps: RedisCacheProps = {
  ...network,
  name: "fc-test-cache",
  engine: "valkey",
  nodeType: "cache.r7g.large",
  nodeCount: 3,
  multiAz: true,
  kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/data",
  snapshotRetentionDays: 14,
  maintenanceWindow: "sun:05:00-sun:06:00",
  finalSnapshotName: "fc-test-cache-final",
};

const dbProps: AuroraMysqlProps = {
  ...network,
  name: "fc-test-mysql",
  engineVersion: "8.0.mysql_aurora.3.10.0",
  databaseName: "fargateconnect",
  minCapacityAcu: 2,
  maxCapacityAcu: 32,
  instanceCount: 2,
  kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/data",
  backupRetentionDays: 30,
  maintenanceWindow: "sun:04:00-sun:05:00",
  deletionProtection: true,
  performanceInsights: true,
  logRetentionDays: 90,
  alarmTopicArn: "arn:aws:sns:eu-west-1:111122223333:alarms",
};

function byName(json: TfJson, type: string, name: string): Block {
  const found = resourcesOf(json, type)[name];
  if (!found) throw new Error(`no ${type}.${name}; have ${Object.keys(resourcesOf(json, type)).join(", ")}`);
  return found;
}

describe("RedisCache", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule((s) => {
      new RedisCache(s, "ha", cacheProps);
      new RedisCache(s, "single", {
        ...cacheProps,
        name: "fc-test-single",
        engine: "redis",
        nodeCount: 1,
        multiAz: false,
        snapshotRetentionDays: 1,
        finalSnapshotName: undefined,
        secretRecoveryWindowDays: 0,
      });
    });
  });

  it("when created, then the replication group is encrypted at rest with the key and requires TLS", () => {
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group")).toMatchObject({
      replication_group_id: "fc-test-cache",
      at_rest_encryption_enabled: "true",
      kms_key_id: cacheProps.kmsKeyArn,
      transit_encryption_enabled: true,
      transit_encryption_mode: "required",
      port: 6379,
    });
  });

  it("when created, then AUTH uses a deploy-time token of 64 alphanumerics, rotated beside the old one", () => {
    const group = byName(json, "aws_elasticache_replication_group", "ha_replication_group");
    expect(group.auth_token).toBe("${random_password.ha_auth_token.result}");
    expect(group.auth_token_update_strategy).toBe("ROTATE");
    const token = byName(json, "random_password", "ha_auth_token");
    // ElastiCache: 16–128 printable characters, specials only from !&#$^<>-; none are used here.
    expect(token).toMatchObject({ length: 64, special: false, min_upper: 1, min_lower: 1, min_numeric: 1 });
    expect(token.length as number).toBeGreaterThanOrEqual(16);
    expect(token.override_special).toBeUndefined();
    expect(json.provider.random).toEqual([{}]);
  });

  it("when created, then the token sits in a KMS-encrypted secret as a plain string, and nowhere in an output", () => {
    expect(byName(json, "aws_secretsmanager_secret", "ha_auth_token_secret")).toMatchObject({
      name: "fc-test-cache/auth-token",
      kms_key_id: cacheProps.kmsKeyArn,
      recovery_window_in_days: 30,
    });
    expect(byName(json, "aws_secretsmanager_secret_version", "ha_auth_token_value")).toEqual(
      expect.objectContaining({
        secret_id: "${aws_secretsmanager_secret.ha_auth_token_secret.id}",
        secret_string: "${random_password.ha_auth_token.result}",
      }),
    );
    expect(JSON.stringify(json.output ?? {})).not.toContain("random_password");
  });

  it("when nodeCount is 3 with multiAz, then failover and Multi-AZ are on", () => {
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group")).toMatchObject({
      num_cache_clusters: 3,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      final_snapshot_identifier: "fc-test-cache-final",
    });
  });

  it("when nodeCount is 1, then failover and Multi-AZ are off and no final snapshot is taken", () => {
    const single = byName(json, "aws_elasticache_replication_group", "single_replication_group");
    expect(single).toMatchObject({ num_cache_clusters: 1, automatic_failover_enabled: false, multi_az_enabled: false });
    expect(single.final_snapshot_identifier).toBeUndefined();
    expect(byName(json, "aws_secretsmanager_secret", "single_auth_token_secret").recovery_window_in_days).toBe(0);
  });

  it("when created, then snapshots, the maintenance window and automatic minor upgrades are set", () => {
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group")).toMatchObject({
      snapshot_retention_limit: 14,
      snapshot_window: "03:00-04:00",
      maintenance_window: "sun:05:00-sun:06:00",
      auto_minor_version_upgrade: "true",
    });
  });

  it("when the engine is valkey or redis, then engine_version and the parameter group family follow it", () => {
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group")).toMatchObject({
      engine: "valkey",
      engine_version: "8.0",
      parameter_group_name: "${aws_elasticache_parameter_group.ha_parameter_group.name}",
    });
    expect(byName(json, "aws_elasticache_parameter_group", "ha_parameter_group")).toMatchObject({
      name: "fc-test-cache-valkey8",
      family: "valkey8",
      lifecycle: { create_before_destroy: true },
    });
    expect(byName(json, "aws_elasticache_replication_group", "single_replication_group")).toMatchObject({
      engine: "redis",
      engine_version: "7.1",
    });
    expect(byName(json, "aws_elasticache_parameter_group", "single_parameter_group").family).toBe("redis7");
  });

  it("when created, then its own subnet group holds the private subnets", () => {
    expect(byName(json, "aws_elasticache_subnet_group", "ha_subnet_group")).toMatchObject({
      name: "fc-test-cache",
      subnet_ids: network.subnetIds,
    });
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group").subnet_group_name).toBe(
      "${aws_elasticache_subnet_group.ha_subnet_group.name}",
    );
  });

  it("when created, then the cache admits 6379 only from its client group, and the client group may reach only it", () => {
    const ingress = Object.entries(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter(([k]) =>
      k.startsWith("ha_"),
    );
    expect(ingress).toEqual([
      [
        "ha_security_group_ingress_redis_from_clients",
        expect.objectContaining({
          security_group_id: "${aws_security_group.ha_security_group_sg.id}",
          referenced_security_group_id: "${aws_security_group.ha_client_security_group_sg.id}",
          ip_protocol: "tcp",
          from_port: 6379,
          to_port: 6379,
        }),
      ],
    ]);
    const egress = Object.entries(resourcesOf(json, "aws_vpc_security_group_egress_rule")).filter(([k]) =>
      k.startsWith("ha_"),
    );
    expect(egress).toEqual([
      [
        "ha_client_security_group_egress_redis_to_cache",
        expect.objectContaining({
          security_group_id: "${aws_security_group.ha_client_security_group_sg.id}",
          referenced_security_group_id: "${aws_security_group.ha_security_group_sg.id}",
          from_port: 6379,
          to_port: 6379,
        }),
      ],
    ]);
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group").security_group_ids).toEqual([
      "${aws_security_group.ha_security_group_sg.id}",
    ]);
  });

  it("when preventDestroy is set, then a plan that replaces the group (an engine 'downgrade' after an automatic upgrade) is refused", () => {
    expect(byName(json, "aws_elasticache_replication_group", "ha_replication_group").lifecycle).toBeUndefined();
    const guarded = synthModule((s) => new RedisCache(s, "c", { ...cacheProps, preventDestroy: true }));
    expect(byName(guarded, "aws_elasticache_replication_group", "c_replication_group")).toMatchObject({
      auto_minor_version_upgrade: "true",
      engine_version: "8.0",
      lifecycle: { prevent_destroy: true },
    });
  });

  it("when Multi-AZ is asked for with one node, then it fails naming multiAz and nodeCount", () => {
    const message = constructError((s) => new RedisCache(s, "cache", { ...cacheProps, nodeCount: 1, multiAz: true }));
    expect(message).toBe(
      "RedisCache test/cache: multiAz must be false when nodeCount is 1 (Multi-AZ needs at least 2 nodes: a primary and a replica in another AZ), got true",
    );
  });

  it("when AUTH is on without TLS, then it fails naming transitEncryption", () => {
    const message = constructError((s) => new RedisCache(s, "cache", { ...cacheProps, transitEncryption: false }));
    expect(message).toBe(
      "RedisCache test/cache: transitEncryption must be true when authToken is on (ElastiCache accepts an AUTH token only with in-transit encryption), got false",
    );
  });

  it("when a prop is out of range, then the error names it, its value and what is allowed", () => {
    expect(constructError((s) => new RedisCache(s, "cache", { ...cacheProps, name: "Cache_1" }))).toMatch(
      /^RedisCache test\/cache: name must be 1–40 of a-z 0-9 -.*, got "Cache_1"$/,
    );
    expect(constructError((s) => new RedisCache(s, "cache", { ...cacheProps, nodeCount: 7 }))).toBe(
      "RedisCache test/cache: nodeCount must be an integer from 1 to 6, got 7",
    );
    expect(constructError((s) => new RedisCache(s, "cache", { ...cacheProps, snapshotRetentionDays: 0 }))).toBe(
      "RedisCache test/cache: snapshotRetentionDays must be an integer from 1 to 35, got 0",
    );
    expect(
      constructError((s) => new RedisCache(s, "cache", { ...cacheProps, maintenanceWindow: "sunday 5am" })),
    ).toMatch(
      /^RedisCache test\/cache: maintenanceWindow must be "ddd:hh24:mi-ddd:hh24:mi" in UTC.*, got "sunday 5am"$/,
    );
  });
});

describe("AuroraMysql", () => {
  let json: TfJson;
  let cluster: Block;
  beforeAll(() => {
    json = synthModule((s) => {
      new AuroraMysql(s, "db", dbProps);
      new AuroraMysql(s, "dev", {
        ...dbProps,
        name: "fc-test-dev",
        instanceCount: undefined,
        minCapacityAcu: 0.5,
        maxCapacityAcu: 2,
        backupRetentionDays: 7,
        deletionProtection: false,
        finalSnapshot: false,
        performanceInsights: false,
        alarmTopicArn: undefined,
      });
    });
    cluster = byName(json, "aws_rds_cluster", "db_cluster");
  });

  it("when created, then it is Aurora MySQL 3 Serverless v2 with the configured ACU range", () => {
    expect(cluster).toMatchObject({
      cluster_identifier: "fc-test-mysql",
      engine: "aurora-mysql",
      engine_mode: "provisioned",
      engine_version: "8.0.mysql_aurora.3.10.0",
      serverlessv2_scaling_configuration: { min_capacity: 2, max_capacity: 32 },
      database_name: "fargateconnect",
      port: 3306,
    });
    const instances = Object.entries(resourcesOf(json, "aws_rds_cluster_instance")).filter(([k]) =>
      k.startsWith("db_"),
    );
    expect(instances.map(([k]) => k)).toEqual(["db_instance_0", "db_instance_1"]);
    for (const [, instance] of instances) {
      expect(instance).toMatchObject({
        cluster_identifier: "${aws_rds_cluster.db_cluster.id}",
        instance_class: "db.serverless",
        engine: "${aws_rds_cluster.db_cluster.engine}",
        publicly_accessible: false,
        db_subnet_group_name: "${aws_db_subnet_group.db_subnet_group.name}",
        auto_minor_version_upgrade: false,
      });
    }
  });

  it("when created, then storage, the managed master secret and Performance Insights use the key", () => {
    expect(cluster).toMatchObject({
      storage_encrypted: true,
      kms_key_id: dbProps.kmsKeyArn,
      manage_master_user_password: true,
      master_user_secret_kms_key_id: dbProps.kmsKeyArn,
      master_username: "admin",
      iam_database_authentication_enabled: true,
    });
    expect(cluster.master_password).toBeUndefined();
    expect(byName(json, "aws_rds_cluster_instance", "db_instance_0")).toMatchObject({
      performance_insights_enabled: true,
      performance_insights_kms_key_id: dbProps.kmsKeyArn,
      performance_insights_retention_period: 7,
    });
  });

  it("when Performance Insights is off, then instances say so and name no PI key", () => {
    const dev = byName(json, "aws_rds_cluster_instance", "dev_instance_0");
    expect(dev.performance_insights_enabled).toBe(false);
    expect(dev.performance_insights_kms_key_id).toBeUndefined();
    expect(Object.keys(resourcesOf(json, "aws_rds_cluster_instance")).filter((k) => k.startsWith("dev_"))).toEqual([
      "dev_instance_0",
    ]);
  });

  it("when deletion protection is on, then deletion is refused and a final snapshot is kept; off, neither", () => {
    expect(cluster).toMatchObject({
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "fc-test-mysql-final",
      backup_retention_period: 30,
      preferred_backup_window: "02:00-03:00",
      preferred_maintenance_window: "sun:04:00-sun:05:00",
      copy_tags_to_snapshot: true,
    });
    const dev = byName(json, "aws_rds_cluster", "dev_cluster");
    expect(dev).toMatchObject({ deletion_protection: false, skip_final_snapshot: true, backup_retention_period: 7 });
    expect(dev.final_snapshot_identifier).toBeUndefined();
  });

  it("when created, then the cluster parameter group requires TLS and turns on the audit and slow query logs", () => {
    const group = byName(json, "aws_rds_cluster_parameter_group", "db_parameter_group");
    expect(group).toMatchObject({
      name_prefix: "fc-test-mysql-",
      family: "aurora-mysql8.0",
      lifecycle: { create_before_destroy: true },
    });
    const params = Object.fromEntries(
      (group.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]),
    );
    expect(params).toEqual({
      require_secure_transport: "ON",
      server_audit_logging: "1",
      server_audit_events: "CONNECT,QUERY_DCL,QUERY_DDL",
      slow_query_log: "1",
      long_query_time: "1",
      log_output: "FILE",
    });
    expect(cluster.db_cluster_parameter_group_name).toBe("${aws_rds_cluster_parameter_group.db_parameter_group.name}");
  });

  it("when created, then audit, error and slowquery go to log groups created first with retention and the key", () => {
    expect(cluster.enabled_cloudwatch_logs_exports).toEqual(["audit", "error", "slowquery"]);
    for (const log of ["audit", "error", "slowquery"]) {
      expect(byName(json, "aws_cloudwatch_log_group", `db_log_${log}`)).toMatchObject({
        name: `/aws/rds/cluster/fc-test-mysql/${log}`,
        retention_in_days: 90,
        kms_key_id: dbProps.kmsKeyArn,
      });
    }
    expect(cluster.depends_on).toEqual([
      "aws_cloudwatch_log_group.db_log_audit",
      "aws_cloudwatch_log_group.db_log_error",
      "aws_cloudwatch_log_group.db_log_slowquery",
    ]);
  });

  it("when created, then it sits in its own private subnet group and admits 3306 only from its client group", () => {
    expect(byName(json, "aws_db_subnet_group", "db_subnet_group")).toMatchObject({
      name: "fc-test-mysql",
      subnet_ids: network.subnetIds,
    });
    expect(cluster.vpc_security_group_ids).toEqual(["${aws_security_group.db_security_group_sg.id}"]);
    expect(
      byName(json, "aws_vpc_security_group_ingress_rule", "db_security_group_ingress_mysql_from_clients"),
    ).toMatchObject({
      referenced_security_group_id: "${aws_security_group.db_client_security_group_sg.id}",
      from_port: 3306,
      to_port: 3306,
    });
    expect(
      byName(json, "aws_vpc_security_group_egress_rule", "db_client_security_group_egress_mysql_to_cluster"),
    ).toMatchObject({ referenced_security_group_id: "${aws_security_group.db_security_group_sg.id}", from_port: 3306 });
    const dbRules = [
      ...Object.keys(resourcesOf(json, "aws_vpc_security_group_ingress_rule")),
      ...Object.keys(resourcesOf(json, "aws_vpc_security_group_egress_rule")),
    ].filter((k) => k.startsWith("db_"));
    expect(dbRules).toHaveLength(2);
  });

  it("when an alarm topic is given, then ACUUtilization >= 90 % for 15 minutes notifies it; without one, no alarm", () => {
    expect(Object.keys(resourcesOf(json, "aws_cloudwatch_metric_alarm"))).toEqual(["db_capacity_alarm"]);
    expect(byName(json, "aws_cloudwatch_metric_alarm", "db_capacity_alarm")).toMatchObject({
      namespace: "AWS/RDS",
      metric_name: "ACUUtilization",
      dimensions: { DBClusterIdentifier: "${aws_rds_cluster.db_cluster.cluster_identifier}" },
      threshold: 90,
      period: 300,
      evaluation_periods: 3,
      alarm_actions: [dbProps.alarmTopicArn],
    });
  });

  it("when min ACU exceeds max, then it fails naming minCapacityAcu and the maximum", () => {
    const message = constructError(
      (s) => new AuroraMysql(s, "db", { ...dbProps, minCapacityAcu: 16, maxCapacityAcu: 8 }),
    );
    expect(message).toBe("AuroraMysql test/db: minCapacityAcu must be at most maxCapacityAcu (8), got 16");
  });

  it("when a prop is out of range, then the error names it, its value and what is allowed", () => {
    expect(constructError((s) => new AuroraMysql(s, "db", { ...dbProps, backupRetentionDays: 3 }))).toBe(
      "AuroraMysql test/db: backupRetentionDays must be an integer from 7 to 35, got 3",
    );
    expect(constructError((s) => new AuroraMysql(s, "db", { ...dbProps, minCapacityAcu: 0.25 }))).toBe(
      "AuroraMysql test/db: minCapacityAcu must be 0.5–256 in steps of 0.5, got 0.25",
    );
    expect(
      constructError((s) => new AuroraMysql(s, "db", { ...dbProps, engineVersion: "5.7.mysql_aurora.2.12.5" })),
    ).toBe(
      'AuroraMysql test/db: engineVersion must be an Aurora MySQL 3 version such as "8.0.mysql_aurora.3.10.0", got "5.7.mysql_aurora.2.12.5"',
    );
    expect(constructError((s) => new AuroraMysql(s, "db", { ...dbProps, subnetIds: ["subnet-a"] }))).toBe(
      'AuroraMysql test/db: subnetIds must be at least two subnets in different AZs (DB subnet group), got ["subnet-a"]',
    );
    expect(constructError((s) => new AuroraMysql(s, "db", { ...dbProps, logRetentionDays: 10 }))).toMatch(
      /^AuroraMysql test\/db: logRetentionDays must be one of 1, 3, 5, 7, 14, .*, got 10$/,
    );
  });

  it("when AZs are given, then the writer goes where RDS puts it and each reader to another of them", () => {
    const azs = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
    const three = synthModule(
      (s) => new AuroraMysql(s, "db", { ...dbProps, instanceCount: 3, availabilityZones: azs }),
    );
    const az = (i: number) => byName(three, "aws_rds_cluster_instance", `db_instance_${i}`).availability_zone as string;
    expect(az(0)).toBeUndefined();
    const writer = "aws_rds_cluster_instance.db_instance_0.availability_zone";
    expect(az(1)).toBe(`\${element(sort(setsubtract(${JSON.stringify(azs).replace(/,/g, ", ")}, [${writer}])), 0)}`);
    expect(az(2)).toBe(`\${element(sort(setsubtract(${JSON.stringify(azs).replace(/,/g, ", ")}, [${writer}])), 1)}`);

    // Terraform itself evaluates the readers' expressions for every AZ the writer may be in.
    const lines = azs.flatMap((w) => [1, 2].map((i) => az(i).slice(2, -1).replace(writer, JSON.stringify(w))));
    const dir = mkdtempSync(join(tmpdir(), "fc-console-"));
    try {
      // Non-interactive console prints only its last value: one jsonencode() of all six.
      const printed = execFileSync("terraform", ["console"], {
        cwd: dir,
        input: `jsonencode([${lines.join(", ")}])`,
        timeout: 60_000,
        stdio: ["pipe", "pipe", "pipe"],
      }).toString();
      const out = JSON.parse(JSON.parse(printed.trim()) as string) as string[];
      expect(out).toHaveLength(6);
      azs.forEach((w, k) => {
        const [r1, r2] = [out[2 * k]!, out[2 * k + 1]!];
        expect([r1, r2], `writer in ${w}`).not.toContain(w);
        expect(r1).not.toBe(r2);
        expect(azs).toEqual(expect.arrayContaining([r1, r2]));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("when there are no AZs, then no instance is pinned (RDS chooses)", () => {
    expect(byName(json, "aws_rds_cluster_instance", "db_instance_1").availability_zone).toBeUndefined();
  });

  it("when the AZs cannot separate the reader from the writer, then it fails naming availabilityZones", () => {
    expect(constructError((s) => new AuroraMysql(s, "db", { ...dbProps, availabilityZones: ["eu-west-1a"] }))).toBe(
      'AuroraMysql test/db: availabilityZones must be at least two AZs for 2 instances (the reader must not share the writer\'s AZ), got ["eu-west-1a"]',
    );
    expect(
      constructError((s) => new AuroraMysql(s, "db", { ...dbProps, availabilityZones: ["eu-west-1a", "eu-west-1a"] })),
    ).toBe('AuroraMysql test/db: availabilityZones must be distinct AZs, got ["eu-west-1a","eu-west-1a"]');
  });
});
