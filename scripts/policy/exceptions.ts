// The one list of deliberate exceptions to the policy rules. Each entry names its rule, says in
// words which findings it covers, matches them by a predicate over the finding (never by "skip this
// rule"), and gives the reason. An exception that matches nothing is reported as unused.
import { LOG_ROUTER_CONTAINER_NAME } from "../../fluent-bit/contract";
import { DEPLOY_SERVICE_WIDE_SIDS } from "../../modules/lib/ci-permissions";
import { ciRoleNames } from "../../stacks/ci-identity";
import { FIS_TASK_ROLE_ACTIONS, SSM_AGENT_CONTAINER_NAME, SSM_AGENT_IMAGE } from "../../modules/ecs-service/sidecars";
import { parseContainerDefinitions, type ContainerDefinition } from "./containers";
import { fisEnabled, isSsmAgentContainer } from "./rule-kit";
import { isTrue, type Environment, type Resource } from "./tf";

/** A rule failure as the engine reports it. */
export interface Violation {
  readonly rule: string;
  readonly envName: string;
  readonly stack: string;
  readonly resource: Resource;
  readonly problem: string;
  readonly detail?: string;
}

export interface PolicyException {
  readonly rule: string;
  /** Which findings it covers, for the report. */
  readonly covers: string;
  readonly reason: string;
  readonly matches: (v: Violation, env: Environment) => boolean;
}

/** The account-root statement KmsKey writes into every key policy. */
function isAccountRootAdminStatement(v: Violation, env: Environment): boolean {
  if (v.resource.type !== "aws_kms_key" || v.detail !== "AccountAdministers") return false;
  const policy = env.referenced(v.resource.stack, v.resource.body.policy);
  const statements = Array.isArray(policy?.resource.body.statement) ? policy.resource.body.statement : [];
  return statements.some(
    (s: { sid?: string; actions?: string[]; principals?: { type: string; identifiers: string[] }[] }) =>
      s.sid === "AccountAdministers" &&
      s.actions?.length === 1 &&
      s.actions[0] === "kms:*" &&
      s.principals?.every((p) => p.type === "AWS" && p.identifiers.every((id) => /:iam::[^:]+:root$/.test(id))),
  );
}

/** Is the bucket the target of some ALB's access_logs? */
function isAlbAccessLogBucket(v: Violation, env: Environment): boolean {
  if (v.resource.type !== "aws_s3_bucket") return false;
  return [...env.resources("aws_lb"), ...env.resources("aws_alb")].some((lb) => {
    const logs = Array.isArray(lb.body.access_logs) ? lb.body.access_logs[0] : lb.body.access_logs;
    return env.mentionsResource(lb.stack, (logs as Record<string, unknown> | undefined)?.bucket, v.resource);
  });
}

/** The container a container-rule violation names, if the task definition parses. */
function violatingContainer(v: Violation): ContainerDefinition | undefined {
  if (v.resource.type !== "aws_ecs_task_definition") return undefined;
  const parsed = parseContainerDefinitions(v.resource.body.container_definitions);
  return parsed.ok ? parsed.containers.find((c) => c.name === v.detail) : undefined;
}

/** Exactly the sidecar modules/ecs-service generates, in a fault-injection task, where config enables FIS. */
function isFisSsmAgent(v: Violation, env: Environment): boolean {
  if (!fisEnabled(env.config) || !isTrue(v.resource.body.enable_fault_injection)) return false;
  const c = violatingContainer(v);
  return (
    c !== undefined && isSsmAgentContainer(c) && c.name === SSM_AGENT_CONTAINER_NAME && c.image === SSM_AGENT_IMAGE
  );
}

/** Our fluent-bit/ image: from the log-router repository, or tagged with the services stack's variable. */
const LOG_ROUTER_IMAGE = /(\/log-router:[\w.-]+|:\$\{var\.log_router_image_tag\})$/;

/** The FireLens router (our fluent-bit/ image), which FireLens runs as root; no other container. */
function isFireLensRouter(v: Violation): boolean {
  const c = violatingContainer(v);
  const firelens = c?.raw.firelensConfiguration as { type?: unknown } | undefined;
  return c?.name === LOG_ROUTER_CONTAINER_NAME && firelens?.type === "fluentbit" && LOG_ROUTER_IMAGE.test(c.image);
}

/** The FIS statements modules/ecs-service writes, flagged for exactly these actions. */
const FIS_STAR_STATEMENTS: Readonly<Record<string, string>> = {
  FisRegisterTask: `FisRegisterTask: "*" resource for ${FIS_TASK_ROLE_ACTIONS.join(", ")}`,
  DeleteOwnActivation: 'DeleteOwnActivation: "*" resource for ssm:DeleteActivation',
};

function isFisRegistrationStatement(v: Violation, env: Environment): boolean {
  return (
    fisEnabled(env.config) &&
    v.resource.type === "aws_iam_role_policy" &&
    v.detail !== undefined &&
    FIS_STAR_STATEMENTS[v.detail] === v.problem
  );
}

/** A role only ecs.amazonaws.com assumes, with an AWS managed ECS infrastructure policy attached. */
function isEcsInfrastructureRole(v: Violation, env: Environment): boolean {
  if (v.resource.type !== "aws_iam_role") return false;
  return env
    .resources("aws_iam_role_policy_attachment", v.resource.stack)
    .some(
      (a) =>
        env.mentionsResource(a.stack, a.body.role, v.resource) &&
        /^arn:aws:iam::aws:policy\/(service-role\/)?AmazonECSInfrastructureRolePolicyFor/.test(
          String(a.body.policy_arn),
        ),
    );
}

/** ecs:ListTasks on "*" narrowed to one cluster by an ArnEquals ecs:cluster condition (FIS roles). */
function isClusterScopedListTasks(v: Violation, env: Environment): boolean {
  if (v.resource.type !== "aws_iam_role_policy" || v.detail === undefined) return false;
  const policy = env.referenced(v.resource.stack, v.resource.body.policy);
  const statements = Array.isArray(policy?.resource.body.statement) ? policy.resource.body.statement : [];
  return statements.some(
    (s: { sid?: string; actions?: string[]; condition?: { test: string; variable: string; values: string[] }[] }) =>
      s.sid === v.detail &&
      s.actions?.length === 1 &&
      s.actions[0] === "ecs:ListTasks" &&
      s.condition?.some((c) => c.test === "ArnEquals" && c.variable === "ecs:cluster" && c.values.length === 1),
  );
}

/** A service-wide statement of the CI deploy role's inline policy (modules/lib/ci-permissions.ts). */
function isCiDeployServiceWideStatement(v: Violation, env: Environment): boolean {
  if (v.resource.type !== "aws_iam_role_policy" || v.stack !== "ci-identity") return false;
  if (!(DEPLOY_SERVICE_WIDE_SIDS as readonly (string | undefined)[]).includes(v.detail)) return false;
  const deployRole = ciRoleNames(env.config.namePrefix).deploy;
  return env
    .resources("aws_iam_role", v.resource.stack)
    .some(
      (role) => role.body.name === deployRole && env.mentionsResource(v.resource.stack, v.resource.body.role, role),
    );
}

export const EXCEPTIONS: readonly PolicyException[] = [
  {
    rule: "IAM-02",
    covers: 'the "AccountAdministers" statement (kms:* for the account root) of key policies',
    reason:
      "Without it a key becomes unmanageable (AWS default key policy); it delegates to IAM, where IAM-01..03 check the real grants.",
    matches: isAccountRootAdminStatement,
  },
  {
    rule: "ALB-06",
    covers: "the internet-facing application load balancer of the platform stack",
    reason: "The ALB is the public entry to the public services by design; WAF-01, SG-01 and LSN-* guard it instead.",
    matches: (v) => v.stack === "platform" && (v.resource.type === "aws_lb" || v.resource.type === "aws_alb"),
  },
  {
    rule: "S3-03",
    covers: "buckets an ALB writes its access logs to",
    reason:
      "ALB access-log delivery supports only SSE-S3, not a customer-managed KMS key (ELB user guide, access logs).",
    matches: isAlbAccessLogBucket,
  },
  {
    rule: "IAM-03",
    covers: 'ecs:ListTasks on "*" with an ArnEquals ecs:cluster condition (FIS experiment roles)',
    reason:
      'ListTasks authorizes on container instances, which Fargate has none of; AWS\'s ECS IAM examples grant it on "*" narrowed by ecs:cluster, as here.',
    matches: isClusterScopedListTasks,
  },
  {
    rule: "CTR-01",
    covers: "the SSM agent sidecar, only where config enables FIS",
    reason: "FIS task actions need the SSM agent, which writes to its root filesystem (issue 10 §3).",
    matches: isFisSsmAgent,
  },
  {
    rule: "CTR-03",
    covers: "the SSM agent sidecar, only where config enables FIS",
    reason: "The SSM agent runs as root to inject faults into the task (FIS ECS task actions).",
    matches: isFisSsmAgent,
  },
  {
    rule: "IAM-04",
    covers: "ECS infrastructure roles (ecs.amazonaws.com with an AmazonECSInfrastructureRolePolicyFor* policy)",
    reason:
      "AWS documents their trust without conditions; a context key ECS does not send would stop blue/green and Service Connect TLS. Roles cannot be passed across accounts.",
    matches: isEcsInfrastructureRole,
  },
  {
    rule: "CTR-03",
    covers: "the FireLens log-router container (fluent-bit/ image, firelensConfiguration fluentbit)",
    reason:
      "FireLens runs Fluent Bit as root: it creates its unix socket in a root-owned directory (aws/containers-roadmap#2122). It has a read-only root, no port mapping, and nothing reaches 24224 (X-05).",
    matches: isFireLensRouter,
  },
  {
    rule: "IAM-03",
    covers:
      'the FIS statements "FisRegisterTask" (ssm:CreateActivation, ssm:AddTagsToResource) and "DeleteOwnActivation" (ssm:DeleteActivation), only where config enables FIS',
    reason:
      'CreateActivation and DeleteActivation have no resource type in the SSM authorization reference, and the activation\'s tags are written before it has an ARN; the FIS user guide grants them on "*". iam:PassRole and DeregisterManagedInstance are scoped.',
    matches: isFisRegistrationStatement,
  },
  {
    rule: "IAM-02",
    covers: `the CI deploy role's service-wide statements (${DEPLOY_SERVICE_WIDE_SIDS.join(", ")}; ci-identity stack)`,
    reason:
      "cdktn deploy creates, replaces and deletes resources of every service the stacks use, and most Create APIs take no ARN; the role is limited to the stack's region, buckets and roles named <namePrefix>-*, denied the CI identity and the state bucket, and trusted only from the GitHub environment.",
    matches: isCiDeployServiceWideStatement,
  },
  {
    rule: "IAM-03",
    covers: `the CI deploy role's service-wide statements (${DEPLOY_SERVICE_WIDE_SIDS.join(", ")}; ci-identity stack)`,
    reason:
      'Create APIs name no resource before it exists, so Terraform needs "*" for them; the grant is limited by aws:RequestedRegion, and IAM and S3 are granted by ARN (<namePrefix>-*) instead.',
    matches: isCiDeployServiceWideStatement,
  },
];
