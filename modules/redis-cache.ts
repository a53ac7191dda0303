import { ElasticacheParameterGroup } from "@cdktn/provider-aws/lib/elasticache-parameter-group";
import { ElasticacheReplicationGroup } from "@cdktn/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktn/provider-aws/lib/elasticache-subnet-group";
import { SecretsmanagerSecret } from "@cdktn/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktn/provider-aws/lib/secretsmanager-secret-version";
import { Password } from "@cdktn/provider-random/lib/password";
import { RandomProvider } from "@cdktn/provider-random/lib/provider";
import { TerraformStack } from "cdktn";
import { Construct } from "constructs";
import { SecurityGroup } from "./security-group";
import { Validator } from "./lib/validate";

/**
 * Engines the cache runs, each with the engine_version and parameter group family ElastiCache takes
 * for it. From 7 on, engine_version is "major.minor" (aws_elasticache_replication_group docs); the
 * families are "redis7" (Redis OSS 7.x) and "valkey8" (Valkey 8.x) per ElastiCache's
 * "Engine specific parameters" page.
 */
export const CACHE_ENGINES = {
  redis: { version: "7.1", family: "redis7" },
  valkey: { version: "8.0", family: "valkey8" },
} as const;
export type CacheEngine = keyof typeof CACHE_ENGINES;

/** Redis/Valkey's port; the client group's egress and the cache's ingress open only this. */
export const CACHE_PORT = 6379;

/**
 * The AUTH token: 64 characters, letters and digits only. ElastiCache allows 16–128 printable
 * characters with only ! & # $ ^ < > - as specials (AuthToken in CreateReplicationGroup); leaving the
 * specials out keeps the token safe inside a rediss:// URL and a shell without escaping, and 64
 * alphanumerics still carry ~380 bits.
 */
export const AUTH_TOKEN_LENGTH = 64;

export interface RedisCacheProps {
  /** Replication group id (1–40 of a-z 0-9 -, starting with a letter); also names the subnet and parameter groups, the security groups and the secret. */
  readonly name: string;
  readonly engine: CacheEngine;
  /** ElastiCache node type, e.g. "cache.t4g.micro". */
  readonly nodeType: string;
  /** Primary plus replicas, 1–6. Two or more turn on automatic failover. */
  readonly nodeCount: number;
  /** Spread primary and replicas over AZs; needs nodeCount >= 2 (automatic failover). */
  readonly multiAz: boolean;
  readonly vpcId: string;
  /** Private subnets of the cache's subnet group. */
  readonly subnetIds: string[];
  /** Customer-managed key for data at rest and for the AUTH token secret. */
  readonly kmsKeyArn: string;
  /** Days of automatic daily snapshots, 1–35. */
  readonly snapshotRetentionDays: number;
  /** Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` UTC, at least 60 minutes. */
  readonly maintenanceWindow: string;
  /**
   * Daily snapshot window, `hh24:mi-hh24:mi` UTC; must not overlap the maintenance window.
   * @default "03:00-04:00"
   */
  readonly snapshotWindow?: string;
  /**
   * TLS between clients and nodes (transit_encryption_mode required).
   * @default true
   */
  readonly transitEncryption?: boolean;
  /**
   * Require an AUTH token (generated at deploy time, kept in Secrets Manager). Needs transitEncryption.
   * @default true
   */
  readonly authToken?: boolean;
  /**
   * Name of a snapshot taken when the replication group is deleted.
   * @default - no final snapshot
   */
  readonly finalSnapshotName?: string;
  /**
   * Days Secrets Manager keeps the deleted token secret restorable: 0 (delete at once) or 7–30.
   * @default 30
   */
  readonly secretRecoveryWindowDays?: number;
  /**
   * Refuse any plan that destroys or replaces the replication group (`prevent_destroy`). After an
   * automatic minor upgrade (say Valkey 8.0 → 8.1) the provider reads engine_version back as the new
   * "major.minor" and plans the pinned older one as a downgrade, which forces replacement; this turns
   * that into a plan error (docs/runbooks/cache-engine-upgrade.md).
   * @default false
   */
  readonly preventDestroy?: boolean;
}

const GROUP_ID = /^[a-z](?!.*--)[a-z0-9-]{0,39}(?<!-)$/;
const MAINTENANCE_WINDOW =
  /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
const DAILY_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

/**
 * A Redis OSS or Valkey replication group (cluster mode off) in private subnets: KMS at rest, TLS
 * in transit, an AUTH token generated at deploy time and stored in Secrets Manager, daily snapshots,
 * automatic minor upgrades. The cache's security group admits 6379 only from `clientSecurityGroup`,
 * which services join.
 */
export class RedisCache extends Construct {
  readonly replicationGroup: ElasticacheReplicationGroup;
  readonly subnetGroup: ElasticacheSubnetGroup;
  readonly parameterGroup: ElasticacheParameterGroup;
  /** The cache's own group: ingress 6379 from the client group only. */
  readonly securityGroup: SecurityGroup;
  /** Services join this group to reach the cache. */
  readonly clientSecurityGroup: SecurityGroup;
  /** Plain-string secret holding the AUTH token; undefined when authToken is false. */
  readonly authTokenSecret?: SecretsmanagerSecret;
  /** Primary endpoint address (no port). */
  readonly primaryEndpoint: string;
  /** Reader endpoint address (no port): spreads reads over the replicas. */
  readonly readerEndpoint: string;
  readonly port = CACHE_PORT;

  constructor(scope: Construct, id: string, props: RedisCacheProps) {
    super(scope, id);
    const transitEncryption = props.transitEncryption ?? true;
    const authToken = props.authToken ?? true;
    const snapshotWindow = props.snapshotWindow ?? "03:00-04:00";
    const recoveryWindow = props.secretRecoveryWindowDays ?? 30;

    const v = new Validator(this);
    v.matches(
      "name",
      props.name,
      GROUP_ID,
      "1–40 of a-z 0-9 -, starting with a letter, no '--', not ending in '-' (replication_group_id)",
    );
    v.oneOf("engine", props.engine, Object.keys(CACHE_ENGINES) as CacheEngine[]);
    v.matches(
      "nodeType",
      props.nodeType,
      /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
      'an ElastiCache node type such as "cache.t4g.micro"',
    );
    v.int("nodeCount", props.nodeCount, { min: 1, max: 6 });
    // multi_az_enabled needs automatic failover, which needs num_cache_clusters >= 2 (provider docs).
    v.check(
      !props.multiAz || props.nodeCount >= 2,
      "multiAz",
      props.multiAz,
      `false when nodeCount is ${props.nodeCount} (Multi-AZ needs at least 2 nodes: a primary and a replica in another AZ)`,
    );
    v.check(props.subnetIds.length > 0, "subnetIds", props.subnetIds, "at least one private subnet");
    v.int("snapshotRetentionDays", props.snapshotRetentionDays, { min: 1, max: 35 });
    v.matches(
      "maintenanceWindow",
      props.maintenanceWindow,
      MAINTENANCE_WINDOW,
      '"ddd:hh24:mi-ddd:hh24:mi" in UTC, e.g. "sun:05:00-sun:06:00"',
    );
    v.matches("snapshotWindow", snapshotWindow, DAILY_WINDOW, '"hh24:mi-hh24:mi" in UTC, e.g. "03:00-04:00"');
    // auth_token "can be specified only if transit_encryption_enabled = true" (provider docs).
    v.check(
      !authToken || transitEncryption,
      "transitEncryption",
      transitEncryption,
      "true when authToken is on (ElastiCache accepts an AUTH token only with in-transit encryption)",
    );
    v.check(
      recoveryWindow === 0 || (Number.isInteger(recoveryWindow) && recoveryWindow >= 7 && recoveryWindow <= 30),
      "secretRecoveryWindowDays",
      recoveryWindow,
      "0 or an integer from 7 to 30",
    );

    const engine = CACHE_ENGINES[props.engine];

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.name}-cache`,
      description: `ElastiCache ${props.name}: admits ${CACHE_PORT} from its client group only`,
      vpcId: props.vpcId,
    });
    this.clientSecurityGroup = new SecurityGroup(this, "client-security-group", {
      name: `${props.name}-cache-client`,
      description: `Clients of ElastiCache ${props.name}: services join this group to reach it`,
      vpcId: props.vpcId,
    });
    this.securityGroup.addIngress({
      id: "redis-from-clients",
      description: `Redis/Valkey TLS from members of the ${props.name} client group`,
      peer: { securityGroupId: this.clientSecurityGroup.id },
      port: CACHE_PORT,
    });
    this.clientSecurityGroup.addEgress({
      id: "redis-to-cache",
      description: `Redis/Valkey TLS to ElastiCache ${props.name}`,
      peer: { securityGroupId: this.securityGroup.id },
      port: CACHE_PORT,
    });

    this.subnetGroup = new ElasticacheSubnetGroup(this, "subnet-group", {
      name: props.name,
      description: `Private subnets of ElastiCache ${props.name}`,
      subnetIds: props.subnetIds,
    });
    // The family is part of the name: switching engines creates the new group before the old one
    // (still attached until the replication group moves) is destroyed.
    this.parameterGroup = new ElasticacheParameterGroup(this, "parameter-group", {
      // Replacement only comes with a new family, which is in the name, so the new group can exist
      // beside the old one (create_before_destroy). Nothing else that forces replacement (the
      // description) may vary within a family: no engine version in it.
      name: `${props.name}-${engine.family}`,
      family: engine.family,
      description: `${props.engine} (${engine.family}) parameters of ${props.name}`,
      lifecycle: { createBeforeDestroy: true },
    });

    let token: Password | undefined;
    if (authToken) {
      ensureRandomProvider(this);
      // random_password keeps its result in state and marks it sensitive, so plans show
      // "(sensitive value)"; see docs/DESIGN.md ("Data stores") for what sits in state.
      token = new Password(this, "auth-token", {
        length: AUTH_TOKEN_LENGTH,
        special: false,
        minUpper: 1,
        minLower: 1,
        minNumeric: 1,
      });
      this.authTokenSecret = new SecretsmanagerSecret(this, "auth-token-secret", {
        name: `${props.name}/auth-token`,
        description: `AUTH token of ElastiCache ${props.name} (plain string)`,
        kmsKeyId: props.kmsKeyArn,
        recoveryWindowInDays: recoveryWindow,
      });
      new SecretsmanagerSecretVersion(this, "auth-token-value", {
        secretId: this.authTokenSecret.id,
        secretString: token.result,
      });
    }

    this.replicationGroup = new ElasticacheReplicationGroup(this, "replication-group", {
      replicationGroupId: props.name,
      description: `${props.engine} ${engine.version} cache ${props.name}`,
      engine: props.engine,
      engineVersion: engine.version,
      parameterGroupName: this.parameterGroup.name,
      nodeType: props.nodeType,
      numCacheClusters: props.nodeCount,
      automaticFailoverEnabled: props.nodeCount >= 2,
      multiAzEnabled: props.multiAz,
      port: CACHE_PORT,
      subnetGroupName: this.subnetGroup.name,
      securityGroupIds: [this.securityGroup.id],
      // The provider types these two as strings ("true"/"false").
      atRestEncryptionEnabled: "true",
      kmsKeyId: props.kmsKeyArn,
      transitEncryptionEnabled: transitEncryption,
      transitEncryptionMode: transitEncryption ? "required" : undefined,
      authToken: token?.result,
      // A new token (random_password replaced) is added beside the old one, so running tasks keep
      // working until they restart with the new secret; see README "Operate".
      authTokenUpdateStrategy: token ? "ROTATE" : undefined,
      autoMinorVersionUpgrade: "true",
      maintenanceWindow: props.maintenanceWindow,
      snapshotRetentionLimit: props.snapshotRetentionDays,
      snapshotWindow,
      finalSnapshotIdentifier: props.finalSnapshotName,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;
    this.readerEndpoint = this.replicationGroup.readerEndpointAddress;
  }
}

/** The random provider, once per stack (the AUTH token needs it). */
function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  if (!(stack.node.tryFindChild("random") instanceof RandomProvider)) new RandomProvider(stack, "random");
}
