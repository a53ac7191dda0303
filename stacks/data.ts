import { Fn } from "cdktn";
import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { AuroraMysql } from "../modules/aurora-mysql";
import { cloudWatchLogsPrincipal, KmsKey } from "../modules/kms-key";
import { RedisCache } from "../modules/redis-cache";
import { FcStack } from "./fc-stack";
import type { NetworkAttributes } from "./network";
import { output } from "./outputs";
import type { PlatformAttributes } from "./platform";

export interface DataStackProps {
  readonly config: EnvConfig;
  readonly network: NetworkAttributes;
  readonly platform: PlatformAttributes;
}

/** What the services stack reads from the data stack. */
export interface DataAttributes {
  readonly redis: {
    /** Primary endpoint address (no port). */
    readonly primaryEndpoint: string;
    readonly port: number;
    /** Services join this group to reach the cache. */
    readonly clientSecurityGroupId: string;
    /** Secrets Manager secret holding the AUTH token (plain string). */
    readonly authTokenSecretArn: string;
    /** Key the token secret is encrypted with (the execution role needs kms:Decrypt). */
    readonly secretKmsKeyArn: string;
  };
  readonly mysql: {
    /** Cluster writer endpoint address (no port). */
    readonly endpoint: string;
    readonly port: number;
    readonly database: string;
    readonly clientSecurityGroupId: string;
    /** The RDS-managed master user secret (JSON with username and password). */
    readonly masterSecretArn: string;
    readonly secretKmsKeyArn: string;
  };
}

/** What the ops stack reads (issue 10): metric dimensions and FIS targets of both stores. */
export interface DataMonitoringAttributes {
  readonly cacheReplicationGroupId: string;
  readonly cacheReplicationGroupArn: string;
  /** Member cluster ids, one per node (the CacheClusterId metric dimension), sorted. */
  readonly cacheNodeIds: readonly string[];
  readonly cacheMultiAz: boolean;
  readonly mysqlClusterIdentifier: string;
  readonly mysqlClusterArn: string;
}

/**
 * ElastiCache (Redis OSS or Valkey) and Aurora MySQL Serverless v2 in the private subnets, both
 * encrypted with this stack's data key. Each store exposes a client security group that services
 * join; nothing here writes into the network or platform stacks (the capacity alarm only notifies
 * the platform's topic, whose key policy already admits CloudWatch).
 */
export class DataStack extends FcStack implements DataAttributes {
  readonly redis: DataAttributes["redis"];
  readonly mysql: DataAttributes["mysql"];
  /** Encrypts both stores, their secrets and the database's log groups. */
  readonly kmsKey: KmsKey;
  readonly cache: RedisCache;
  readonly database: AuroraMysql;
  // --- ops (issue 10): what the ops stack monitors and experiments on ---
  /** Monitoring and FIS identifiers of both stores. */
  readonly monitoring: DataMonitoringAttributes;
  // --- end ops ---

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { config: props.config });
    const { config, network } = props;
    const data = config.data;

    // Its own key, not the platform's: kms_key_id forces replacement of the replication group and the
    // cluster, so the key the data depends on lives (and is pinned) in the same state as the data.
    this.kmsKey = new KmsKey(this, "data-key", {
      alias: `${config.namePrefix}-data`,
      description: `ElastiCache, Aurora, their secrets and logs of ${config.namePrefix}`,
    });
    this.kmsKey.grantEncryptDecrypt(cloudWatchLogsPrincipal(this));

    this.cache = new RedisCache(this, "cache", {
      name: `${config.namePrefix}-cache`,
      engine: data.redis.engine,
      nodeType: data.redis.nodeType,
      nodeCount: data.redis.nodeCount,
      multiAz: data.redis.multiAz,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      kmsKeyArn: this.kmsKey.arn,
      snapshotRetentionDays: data.redis.snapshotRetentionDays,
      maintenanceWindow: data.redis.maintenanceWindow,
      finalSnapshotName: config.deletionProtection ? `${config.namePrefix}-cache-final` : undefined,
      // A destroyed dev cache takes its token with it; prod keeps the secret restorable.
      secretRecoveryWindowDays: config.deletionProtection ? 30 : 0,
      // ElastiCache has no deletion protection; this also stops an engine-version "downgrade" replacement.
      preventDestroy: config.deletionProtection,
    });

    this.database = new AuroraMysql(this, "mysql", {
      name: `${config.namePrefix}-mysql`,
      engineVersion: data.mysql.engineVersion,
      databaseName: data.mysql.databaseName,
      minCapacityAcu: data.mysql.minCapacityAcu,
      maxCapacityAcu: data.mysql.maxCapacityAcu,
      instanceCount: data.mysql.instanceCount,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      availabilityZones: network.privateSubnetAzs,
      kmsKeyArn: this.kmsKey.arn,
      backupRetentionDays: data.mysql.backupRetentionDays,
      maintenanceWindow: data.mysql.maintenanceWindow,
      deletionProtection: config.deletionProtection,
      finalSnapshot: config.deletionProtection,
      performanceInsights: data.mysql.performanceInsights,
      logRetentionDays: config.logRetentionDays,
      alarmTopicArn: props.platform.alarmTopicArn,
    });

    this.redis = {
      primaryEndpoint: this.cache.primaryEndpoint,
      port: this.cache.port,
      clientSecurityGroupId: this.cache.clientSecurityGroup.id,
      authTokenSecretArn: this.cache.authTokenSecret!.arn,
      secretKmsKeyArn: this.kmsKey.arn,
    };
    this.mysql = {
      endpoint: this.database.endpoint,
      port: this.database.port,
      database: this.database.databaseName,
      clientSecurityGroupId: this.database.clientSecurityGroup.id,
      masterSecretArn: this.database.masterSecretArn,
      secretKmsKeyArn: this.kmsKey.arn,
    };

    // --- ops (issue 10) ---
    // ElastiCache metrics are per member cluster (CacheClusterId): member_clusters is a set, so it is
    // sorted and indexed, one id per configured node.
    const members = Fn.sort(Fn.tolist(this.cache.replicationGroup.memberClusters));
    this.monitoring = {
      cacheReplicationGroupId: this.cache.replicationGroup.id,
      cacheReplicationGroupArn: this.cache.replicationGroup.arn,
      cacheNodeIds: Array.from({ length: data.redis.nodeCount }, (_, i) => Fn.element(members, i) as string),
      cacheMultiAz: data.redis.multiAz,
      mysqlClusterIdentifier: this.database.cluster.clusterIdentifier,
      mysqlClusterArn: this.database.cluster.arn,
    };
    output(
      this,
      "cacheReplicationGroupId",
      this.monitoring.cacheReplicationGroupId,
      "ElastiCache replication group id",
    );
    output(
      this,
      "cacheReplicationGroupArn",
      this.monitoring.cacheReplicationGroupArn,
      "ElastiCache replication group ARN (FIS target)",
    );
    output(this, "cacheNodeIds", members, "ElastiCache member cluster ids (CacheClusterId metric dimension), sorted");
    output(
      this,
      "mysqlClusterIdentifier",
      this.monitoring.mysqlClusterIdentifier,
      "Aurora cluster identifier (DBClusterIdentifier dimension)",
    );
    output(this, "mysqlClusterArn", this.monitoring.mysqlClusterArn, "Aurora cluster ARN (FIS target)");
    // --- end ops ---

    output(this, "redisPrimaryEndpoint", this.redis.primaryEndpoint, "ElastiCache primary endpoint address (no port)");
    output(this, "redisPort", this.redis.port, "ElastiCache port (TLS required)");
    output(
      this,
      "redisClientSecurityGroupId",
      this.redis.clientSecurityGroupId,
      "Security group services join to reach the cache",
    );
    output(
      this,
      "redisAuthTokenSecretArn",
      this.redis.authTokenSecretArn,
      "Secrets Manager secret holding the cache AUTH token (plain string)",
    );
    output(this, "mysqlEndpoint", this.mysql.endpoint, "Aurora MySQL writer endpoint address (no port)");
    output(this, "mysqlReaderEndpoint", this.database.readerEndpoint, "Aurora MySQL reader endpoint address (no port)");
    output(this, "mysqlPort", this.mysql.port, "Aurora MySQL port (TLS required)");
    output(this, "mysqlDatabase", this.mysql.database, "Database created with the cluster");
    output(
      this,
      "mysqlClientSecurityGroupId",
      this.mysql.clientSecurityGroupId,
      "Security group services join to reach the cluster",
    );
    output(
      this,
      "mysqlMasterSecretArn",
      this.mysql.masterSecretArn,
      "RDS-managed master user secret (JSON: username, password)",
    );
    output(
      this,
      "dataKmsKeyArn",
      this.kmsKey.arn,
      "KMS key of both stores and their secrets (execution roles: kms:Decrypt)",
    );
  }
}
