import type { PolicyStatement } from "./iam";

/** Where an environment keeps its Terraform state, as the CI roles need it. */
export interface StateLocation {
  /** arn:<partition>:s3:::<bucket> */
  readonly bucketArn: string;
  /** Key prefix of this environment's state objects (`<env>/`). */
  readonly keyPrefix: string;
  /** ARN of the KMS key the bucket encrypts state with. */
  readonly kmsKeyArn: string;
  /** ARN of the DynamoDB lock table (Terraform < 1.10), when one is configured. */
  readonly lockTableArn?: string;
}

/** The account and naming scope the CI roles work in. */
export interface CiScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Every resource the stacks name starts with `<namePrefix>-`. */
  readonly namePrefix: string;
}

/**
 * IAM service prefix of every Terraform resource type the deployed stacks create, by type prefix
 * (longest match wins). The deploy role may act on exactly these services; a test fails when a
 * stack gains a resource type missing here.
 */
export const DEPLOY_SERVICE_OF_RESOURCE: Readonly<Record<string, string>> = {
  aws_appautoscaling_: "application-autoscaling",
  aws_cloudwatch_log_: "logs",
  aws_cloudwatch_: "cloudwatch",
  aws_db_: "rds",
  aws_rds_: "rds",
  aws_default_security_group: "ec2",
  aws_eip: "ec2",
  aws_internet_gateway: "ec2",
  aws_nat_gateway: "ec2",
  aws_route_table: "ec2",
  aws_route: "ec2",
  aws_security_group: "ec2",
  aws_subnet: "ec2",
  aws_vpc: "ec2",
  aws_flow_log: "ec2",
  aws_ecr_: "ecr",
  aws_ecs_: "ecs",
  aws_elasticache_: "elasticache",
  aws_fis_: "fis",
  aws_iam_: "iam",
  aws_kinesis_firehose_: "firehose",
  aws_kms_: "kms",
  aws_lb: "elasticloadbalancing",
  aws_alb: "elasticloadbalancing",
  aws_s3_: "s3",
  aws_secretsmanager_: "secretsmanager",
  aws_service_discovery_: "servicediscovery",
  aws_sns_: "sns",
  aws_ssm_: "ssm",
  aws_wafv2_: "wafv2",
  aws_acm_: "acm",
  aws_route53_: "route53",
  aws_xray_: "xray",
};

/** The IAM service a resource type belongs to, or undefined when the deploy role has no grant for it. */
export function deployServiceOf(resourceType: string): string | undefined {
  const prefix = Object.keys(DEPLOY_SERVICE_OF_RESOURCE)
    .filter((p) => resourceType.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : DEPLOY_SERVICE_OF_RESOURCE[prefix];
}

/** Services whose APIs are global (IAM and Route 53 answer in us-east-1 whatever the stack's region). */
const GLOBAL_SERVICES = ["iam", "route53"];
/** Services granted by name and scope below, not service-wide. */
const SCOPED_SERVICES = ["iam", "s3"];

/** Statement ids of the deploy role's service-wide grants (the policy suite's exception names them). */
export const DEPLOY_SERVICE_WIDE_SIDS = [
  "ManageStackServices",
  "ManageGlobalDnsRecords",
  "ManageStackBuckets",
] as const;

/** The IAM actions Terraform needs for `aws_iam_role`, its inline policies and attachments, and passing it. */
export const DEPLOY_ROLE_ACTIONS = [
  "iam:AttachRolePolicy",
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:ListRolePolicies",
  "iam:ListRoleTags",
  "iam:PassRole",
  "iam:PutRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
] as const;

function stateReadStatements(state: StateLocation): PolicyStatement[] {
  return [
    { sid: "StateList", actions: ["s3:ListBucket"], resources: [state.bucketArn] },
    { sid: "StateRead", actions: ["s3:GetObject"], resources: [`${state.bucketArn}/${state.keyPrefix}*`] },
  ];
}

/**
 * Plan role, next to AWS's ReadOnlyAccess: read this environment's state (and decrypt it), and read
 * the stacks' own secrets, because refreshing `aws_secretsmanager_secret_version` calls
 * GetSecretValue, which ReadOnlyAccess leaves out. State holds those secrets anyway. Object reads
 * anywhere but the state bucket are denied: a plan never needs them.
 */
export function planStatements(state: StateLocation, scope: CiScope): PolicyStatement[] {
  const { partition, region, accountId, namePrefix } = scope;
  return [
    ...stateReadStatements(state),
    { sid: "StateDecrypt", actions: ["kms:Decrypt"], resources: [state.kmsKeyArn] },
    {
      sid: "ReadStackSecrets",
      actions: ["secretsmanager:GetSecretValue"],
      resources: [`arn:${partition}:secretsmanager:${region}:${accountId}:secret:${namePrefix}-*`],
    },
    {
      sid: "DecryptStackSecrets",
      actions: ["kms:Decrypt"],
      resources: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${region}.amazonaws.com`] },
      ],
    },
    {
      sid: "NoObjectReadsOutsideState",
      effect: "Deny",
      actions: ["s3:GetObject", "s3:GetObjectVersion"],
      notResources: [`${state.bucketArn}/${state.keyPrefix}*`],
    },
  ];
}

/** What the deploy role must never touch: the bootstrap resources it is itself defined by. */
export interface BootstrapResources {
  /** The CI roles (plan and deploy) and the OIDC provider. */
  readonly ciIdentityArns: readonly string[];
}

/**
 * Deploy role: what `cdktn deploy` of every stack but the bootstrap ones needs. Terraform creates,
 * replaces and deletes resources of every service in DEPLOY_SERVICE_OF_RESOURCE, and most Create
 * APIs take no resource ARN (the resource does not exist yet), so those services are granted
 * service-wide, limited to the stack's region. IAM is granted action by action on roles named
 * `<namePrefix>-*`; S3 on buckets named `<namePrefix>-*`. Explicit denies keep the role off the
 * state bucket's configuration and key and off the CI identity itself.
 */
export function deployStatements(
  state: StateLocation,
  scope: CiScope,
  bootstrap: BootstrapResources,
): PolicyStatement[] {
  const { partition, region, accountId, namePrefix } = scope;
  const services = [...new Set(Object.values(DEPLOY_SERVICE_OF_RESOURCE))].sort();
  const regional = services.filter((s) => !GLOBAL_SERVICES.includes(s) && !SCOPED_SERVICES.includes(s));
  const iam = (resource: string) => `arn:${partition}:iam::${accountId}:${resource}`;
  const statements: PolicyStatement[] = [
    ...stateReadStatements(state),
    { sid: "StateWrite", actions: ["s3:PutObject"], resources: [`${state.bucketArn}/${state.keyPrefix}*`] },
    // Only the lock object is ever deleted (use_lockfile); state objects are overwritten, and versioned.
    { sid: "StateUnlock", actions: ["s3:DeleteObject"], resources: [`${state.bucketArn}/${state.keyPrefix}*.tflock`] },
    { sid: "StateKey", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [state.kmsKeyArn] },
  ];
  if (state.lockTableArn) {
    statements.push({
      sid: "StateLockTable",
      actions: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      resources: [state.lockTableArn],
    });
  }
  statements.push(
    {
      sid: DEPLOY_SERVICE_WIDE_SIDS[0],
      actions: regional.map((s) => `${s}:*`),
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "aws:RequestedRegion", values: [region] }],
    },
    { sid: DEPLOY_SERVICE_WIDE_SIDS[1], actions: ["route53:*"], resources: ["*"] },
    {
      sid: DEPLOY_SERVICE_WIDE_SIDS[2],
      actions: ["s3:*"],
      resources: [`arn:${partition}:s3:::${namePrefix}-*`, `arn:${partition}:s3:::${namePrefix}-*/*`],
    },
    { sid: "ManageStackRoles", actions: [...DEPLOY_ROLE_ACTIONS], resources: [iam(`role/${namePrefix}-*`)] },
    {
      sid: "CreateServiceLinkedRoles",
      actions: ["iam:CreateServiceLinkedRole"],
      resources: [iam("role/aws-service-role/*")],
    },
    { sid: "NoChangesToCiIdentity", effect: "Deny", actions: ["iam:*"], resources: [...bootstrap.ciIdentityArns] },
    {
      sid: "NoChangesToStateBucket",
      effect: "Deny",
      actions: [
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
      ],
      resources: [state.bucketArn],
    },
    {
      sid: "NoChangesToStateKey",
      effect: "Deny",
      actions: ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant"],
      resources: [state.kmsKeyArn],
    },
  );
  return statements;
}
