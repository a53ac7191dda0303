import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { DbSubnetGroup } from "@cdktn/provider-aws/lib/db-subnet-group";
import { RdsCluster } from "@cdktn/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktn/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktn/provider-aws/lib/rds-cluster-parameter-group";
import { Fn, Token } from "cdktn";
import { Construct } from "constructs";
import { LOG_RETENTION_DAYS } from "./lib/log-retention";
import { Validator } from "./lib/validate";
import { SecurityGroup } from "./security-group";

export const MYSQL_PORT = 3306;

/** Logs every cluster exports to CloudWatch (enabled_cloudwatch_logs_exports). */
export const AURORA_MYSQL_LOG_EXPORTS = ["audit", "error", "slowquery"] as const;

/** Parameter group family of Aurora MySQL 3 (MySQL 8.0 compatible). */
export const AURORA_MYSQL_FAMILY = "aurora-mysql8.0";

export interface AuroraMysqlProps {
  /** Cluster identifier (1–63 of a-z 0-9 -, starting with a letter); also names its instances, groups and log groups. */
  readonly name: string;
  /** Aurora MySQL 3 version, e.g. "8.0.mysql_aurora.3.10.0" (`aws rds describe-db-engine-versions --engine aurora-mysql`). */
  readonly engineVersion: string;
  /** Database created with the cluster. */
  readonly databaseName: string;
  /**
   * Master user; its password is generated and kept by RDS in Secrets Manager.
   * @default "admin"
   */
  readonly masterUsername?: string;
  /** Serverless v2 minimum capacity, 0.5–256 ACU in steps of 0.5. */
  readonly minCapacityAcu: number;
  /** Serverless v2 maximum capacity, 1–256 ACU in steps of 0.5, not below minCapacityAcu. */
  readonly maxCapacityAcu: number;
  /**
   * db.serverless instances: one writer, the rest readers (failover targets in other AZs), 1–16.
   * @default 1
   */
  readonly instanceCount?: number;
  readonly vpcId: string;
  /** Private subnets of the DB subnet group (at least two AZs). */
  readonly subnetIds: string[];
  /**
   * AZs of the subnets, distinct. The writer (instance 0) goes where RDS puts it; each reader goes
   * to one of these AZs other than the writer's, so a failover target never shares its AZ.
   * @default - RDS picks each instance's AZ (a reader may land beside the writer)
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Customer-managed key for storage, the master user secret, Performance Insights and the
   * exported log groups; its policy must let CloudWatch Logs use it (cloudWatchLogsPrincipal).
   */
  readonly kmsKeyArn: string;
  /** Days of automated backups, 7–35. */
  readonly backupRetentionDays: number;
  /** Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` UTC, at least 30 minutes. */
  readonly maintenanceWindow: string;
  /**
   * Daily backup window, `hh24:mi-hh24:mi` UTC, at least 30 minutes, not overlapping maintenance.
   * @default "02:00-03:00"
   */
  readonly backupWindow?: string;
  /** The cluster refuses deletion while on. */
  readonly deletionProtection: boolean;
  /**
   * Take a final snapshot (`<name>-final`) when the cluster is deleted.
   * @default true
   */
  readonly finalSnapshot?: boolean;
  /** Performance Insights on every instance (7 days, encrypted with kmsKeyArn). */
  readonly performanceInsights: boolean;
  /** Retention of the exported log groups (a CloudWatch Logs retention value). */
  readonly logRetentionDays: number;
  /**
   * Queries slower than this land in the slow query log (long_query_time).
   * @default 1
   */
  readonly slowQuerySec?: number;
  /**
   * SNS topic told when the cluster runs near maxCapacityAcu (ACUUtilization >= 90 % for 15 minutes).
   * @default - no alarm
   */
  readonly alarmTopicArn?: string;
}

const CLUSTER_ID = /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/;
const ENGINE_VERSION = /^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$/;
const MAINTENANCE_WINDOW =
  /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
const DAILY_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
// RDS naming constraints for MySQL: begins with a letter; letters, digits, underscores; at most 64.
const DATABASE_NAME = /^[A-Za-z]\w{0,63}$/;
const USERNAME = /^[A-Za-z]\w{0,15}$/;

/**
 * Reader i's AZ: the (i-1)-th of the other AZs than the writer's, sorted (stable across plans).
 * availability_zone forces replacement, so the writer is left where RDS put it and only readers are
 * pinned; the writer's AZ is known once it exists, before any reader is created.
 */
function readerAz(azs: readonly string[], writerAz: string, i: number): string {
  const others = Fn.sort(Fn.setsubtract([...azs], [writerAz]));
  return Fn.element(others, (i - 1) % Math.max(azs.length - 1, 1)) as string;
}

function isHalfStep(n: number): boolean {
  return Number.isFinite(n) && Number.isInteger(n * 2);
}

/**
 * Aurora MySQL 3 Serverless v2 (engine_mode provisioned, db.serverless instances) in private
 * subnets: KMS storage encryption, IAM database authentication, a master password managed by RDS in
 * Secrets Manager, TLS required (require_secure_transport), backups >= 7 days, audit/error/slowquery
 * logs exported to pre-created, encrypted log groups. The cluster's security group admits 3306 only
 * from `clientSecurityGroup`, which services join.
 */
export class AuroraMysql extends Construct {
  readonly cluster: RdsCluster;
  readonly instances: RdsClusterInstance[];
  readonly subnetGroup: DbSubnetGroup;
  readonly parameterGroup: RdsClusterParameterGroup;
  readonly logGroups: Record<(typeof AURORA_MYSQL_LOG_EXPORTS)[number], CloudwatchLogGroup>;
  /** The cluster's own group: ingress 3306 from the client group only. */
  readonly securityGroup: SecurityGroup;
  /** Services join this group to reach the cluster. */
  readonly clientSecurityGroup: SecurityGroup;
  /** Writer endpoint address (no port). */
  readonly endpoint: string;
  /** Reader endpoint address (no port). */
  readonly readerEndpoint: string;
  readonly port = MYSQL_PORT;
  readonly databaseName: string;
  /** ARN of the RDS-managed secret: JSON with `username` and `password`. */
  readonly masterSecretArn: string;
  /** Capacity alarm; only with alarmTopicArn. */
  readonly capacityAlarm?: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: AuroraMysqlProps) {
    super(scope, id);
    const instanceCount = props.instanceCount ?? 1;
    const masterUsername = props.masterUsername ?? "admin";
    const backupWindow = props.backupWindow ?? "02:00-03:00";
    const finalSnapshot = props.finalSnapshot ?? true;
    const slowQuerySec = props.slowQuerySec ?? 1;

    const v = new Validator(this);
    v.matches("name", props.name, CLUSTER_ID, "1–63 of a-z 0-9 -, starting with a letter, no '--', not ending in '-'");
    v.matches(
      "engineVersion",
      props.engineVersion,
      ENGINE_VERSION,
      'an Aurora MySQL 3 version such as "8.0.mysql_aurora.3.10.0"',
    );
    v.matches("databaseName", props.databaseName, DATABASE_NAME, "1–64 letters, digits or '_', starting with a letter");
    v.matches("masterUsername", masterUsername, USERNAME, "1–16 letters, digits or '_', starting with a letter");
    // Serverless v2 capacity: 0.5-ACU steps, max 256 (Aurora User Guide, "Aurora Serverless v2 capacity").
    v.check(
      isHalfStep(props.minCapacityAcu) && props.minCapacityAcu >= 0.5 && props.minCapacityAcu <= 256,
      "minCapacityAcu",
      props.minCapacityAcu,
      "0.5–256 in steps of 0.5",
    );
    v.check(
      isHalfStep(props.maxCapacityAcu) && props.maxCapacityAcu >= 1 && props.maxCapacityAcu <= 256,
      "maxCapacityAcu",
      props.maxCapacityAcu,
      "1–256 in steps of 0.5",
    );
    v.check(
      props.minCapacityAcu <= props.maxCapacityAcu,
      "minCapacityAcu",
      props.minCapacityAcu,
      `at most maxCapacityAcu (${props.maxCapacityAcu})`,
    );
    v.int("instanceCount", instanceCount, { min: 1, max: 16 });
    const azs = props.availabilityZones;
    if (azs !== undefined) {
      v.check(
        instanceCount < 2 || azs.length >= 2,
        "availabilityZones",
        azs,
        `at least two AZs for ${instanceCount} instances (the reader must not share the writer's AZ)`,
      );
      const known = azs.filter((az) => !Token.isUnresolved(az));
      v.check(new Set(known).size === known.length, "availabilityZones", azs, "distinct AZs");
    }
    v.check(
      props.subnetIds.length >= 2,
      "subnetIds",
      props.subnetIds,
      "at least two subnets in different AZs (DB subnet group)",
    );
    v.int("backupRetentionDays", props.backupRetentionDays, { min: 7, max: 35 });
    v.matches(
      "maintenanceWindow",
      props.maintenanceWindow,
      MAINTENANCE_WINDOW,
      '"ddd:hh24:mi-ddd:hh24:mi" in UTC, e.g. "sun:04:00-sun:05:00"',
    );
    v.matches("backupWindow", backupWindow, DAILY_WINDOW, '"hh24:mi-hh24:mi" in UTC, e.g. "02:00-03:00"');
    v.oneOf("logRetentionDays", props.logRetentionDays, LOG_RETENTION_DAYS as readonly number[]);
    v.check(
      Number.isFinite(slowQuerySec) && slowQuerySec > 0 && slowQuerySec <= 3600,
      "slowQuerySec",
      slowQuerySec,
      "a number of seconds above 0 and at most 3600",
    );

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.name}-mysql`,
      description: `Aurora MySQL ${props.name}: admits ${MYSQL_PORT} from its client group only`,
      vpcId: props.vpcId,
    });
    this.clientSecurityGroup = new SecurityGroup(this, "client-security-group", {
      name: `${props.name}-mysql-client`,
      description: `Clients of Aurora MySQL ${props.name}: services join this group to reach it`,
      vpcId: props.vpcId,
    });
    this.securityGroup.addIngress({
      id: "mysql-from-clients",
      description: `MySQL (TLS) from members of the ${props.name} client group`,
      peer: { securityGroupId: this.clientSecurityGroup.id },
      port: MYSQL_PORT,
    });
    this.clientSecurityGroup.addEgress({
      id: "mysql-to-cluster",
      description: `MySQL (TLS) to Aurora ${props.name}`,
      peer: { securityGroupId: this.securityGroup.id },
      port: MYSQL_PORT,
    });

    this.subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: props.name,
      description: `Private subnets of Aurora MySQL ${props.name}`,
      subnetIds: props.subnetIds,
    });
    this.parameterGroup = new RdsClusterParameterGroup(this, "parameter-group", {
      namePrefix: `${props.name}-`,
      family: AURORA_MYSQL_FAMILY,
      description: `Aurora MySQL 3 cluster parameters of ${props.name}`,
      parameter: [
        // Refuse unencrypted connections (Aurora MySQL 3: cluster-level parameter).
        { name: "require_secure_transport", value: "ON" },
        // Advanced Auditing feeds the "audit" export; without it that log stays empty
        // (Aurora User Guide, "Using Advanced Auditing with an Amazon Aurora MySQL DB cluster").
        { name: "server_audit_logging", value: "1" },
        { name: "server_audit_events", value: "CONNECT,QUERY_DCL,QUERY_DDL" },
        // The slow query log is off by default; the "slowquery" export needs it written to FILE.
        { name: "slow_query_log", value: "1" },
        { name: "long_query_time", value: String(slowQuerySec) },
        { name: "log_output", value: "FILE" },
      ],
      // name_prefix: a changed family or description replaces the group before the old one goes.
      lifecycle: { createBeforeDestroy: true },
    });

    // RDS creates /aws/rds/cluster/<id>/<log> on first export, unencrypted and kept forever. Created
    // here first (the cluster depends on them), they get retention and the key.
    const logGroups = {} as Record<(typeof AURORA_MYSQL_LOG_EXPORTS)[number], CloudwatchLogGroup>;
    for (const log of AURORA_MYSQL_LOG_EXPORTS) {
      logGroups[log] = new CloudwatchLogGroup(this, `log-${log}`, {
        name: `/aws/rds/cluster/${props.name}/${log}`,
        retentionInDays: props.logRetentionDays,
        kmsKeyId: props.kmsKeyArn,
      });
    }
    this.logGroups = logGroups;

    this.cluster = new RdsCluster(this, "cluster", {
      clusterIdentifier: props.name,
      engine: "aurora-mysql",
      engineMode: "provisioned",
      engineVersion: props.engineVersion,
      serverlessv2ScalingConfiguration: { minCapacity: props.minCapacityAcu, maxCapacity: props.maxCapacityAcu },
      databaseName: props.databaseName,
      masterUsername,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      port: MYSQL_PORT,
      dbSubnetGroupName: this.subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      dbClusterParameterGroupName: this.parameterGroup.name,
      enabledCloudwatchLogsExports: [...AURORA_MYSQL_LOG_EXPORTS],
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: backupWindow,
      preferredMaintenanceWindow: props.maintenanceWindow,
      copyTagsToSnapshot: true,
      deletionProtection: props.deletionProtection,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: finalSnapshot ? `${props.name}-final` : undefined,
      dependsOn: Object.values(logGroups),
    });

    this.instances = [];
    for (let i = 0; i < instanceCount; i++) {
      this.instances.push(
        new RdsClusterInstance(this, `instance-${i}`, {
          identifier: `${props.name}-${i}`,
          clusterIdentifier: this.cluster.id,
          instanceClass: "db.serverless",
          engine: this.cluster.engine,
          engineVersion: this.cluster.engineVersion,
          dbSubnetGroupName: this.subnetGroup.name,
          publiclyAccessible: false,
          // Version is pinned in config (an LTS release): AWS advises against automatic minor
          // upgrades on LTS, and provider 6.25 would plan a downgrade after one (docs/DESIGN.md).
          autoMinorVersionUpgrade: false,
          promotionTier: i,
          availabilityZone: i > 0 && azs ? readerAz(azs, this.instances[0]!.availabilityZone, i) : undefined,
          performanceInsightsEnabled: props.performanceInsights,
          performanceInsightsKmsKeyId: props.performanceInsights ? props.kmsKeyArn : undefined,
          performanceInsightsRetentionPeriod: props.performanceInsights ? 7 : undefined,
        }),
      );
    }

    if (props.alarmTopicArn !== undefined) {
      // ACUUtilization: capacity used against maxCapacityAcu, per cluster (Aurora User Guide,
      // "Important Amazon CloudWatch metrics for Aurora Serverless v2"). Near 100 % means max is too low.
      this.capacityAlarm = new CloudwatchMetricAlarm(this, "capacity-alarm", {
        alarmName: `${props.name}-acu-utilization`,
        alarmDescription: `Aurora ${props.name} near its maximum of ${props.maxCapacityAcu} ACU: raise maxCapacityAcu or tune queries`,
        namespace: "AWS/RDS",
        metricName: "ACUUtilization",
        dimensions: { DBClusterIdentifier: this.cluster.clusterIdentifier },
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold: 90,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [props.alarmTopicArn],
        okActions: [props.alarmTopicArn],
      });
    }

    this.endpoint = this.cluster.endpoint;
    this.readerEndpoint = this.cluster.readerEndpoint;
    this.databaseName = props.databaseName;
    this.masterSecretArn = this.cluster.masterUserSecret.get(0).secretArn;
  }
}
