import { DataAwsKmsAlias } from "@cdktn/provider-aws/lib/data-aws-kms-alias";
import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { AwsContext } from "../modules/aws-context";
import { GithubActionsRole } from "../modules/github-actions-role";
import type { GithubSubject } from "../modules/lib/github-subject";
import { GITHUB_OIDC_HOST, GithubOidcProvider } from "../modules/github-oidc-provider";
import { deployStatements, planStatements, type CiScope, type StateLocation } from "../modules/lib/ci-permissions";
import { FcStack } from "./fc-stack";
import { output } from "./outputs";
import { stateKeyAlias } from "./state";

type CiConfig = NonNullable<EnvConfig["ci"]>;
type StateConfig = NonNullable<EnvConfig["state"]>;

export interface CiIdentityStackProps {
  readonly config: EnvConfig & { readonly ci: CiConfig; readonly state: StateConfig };
}

/** Names of the CI roles of an environment. */
export function ciRoleNames(namePrefix: string): { readonly plan: string; readonly deploy: string } {
  return { plan: `${namePrefix}-github-plan`, deploy: `${namePrefix}-github-deploy` };
}

/**
 * Bootstrap: the identity GitHub Actions uses in this environment's account. Applied by hand after
 * the state stack (its state lives in that bucket), never by the deploy workflow: the deploy role
 * must not be able to widen its own trust or permissions. Plans and drift detection read it.
 *
 * The state key is looked up by alias rather than through a cross-stack reference: the state stack
 * keeps local state, which a CI runner planning this stack cannot read.
 */
export class CiIdentityStack extends FcStack {
  readonly planRole: GithubActionsRole;
  readonly deployRole: GithubActionsRole;

  constructor(scope: Construct, id: string, props: CiIdentityStackProps) {
    super(scope, id, { config: props.config });
    const { config } = props;
    const { ci, state } = config;
    const ctx = AwsContext.of(this);
    const names = ciRoleNames(config.namePrefix);
    const scopeOf: CiScope = {
      partition: ctx.partition,
      region: config.region,
      accountId: ctx.accountId,
      namePrefix: config.namePrefix,
    };
    const stateKey = new DataAwsKmsAlias(this, "state-key", { name: `alias/${stateKeyAlias(config.namePrefix)}` });
    const location: StateLocation = {
      bucketArn: `arn:${ctx.partition}:s3:::${state.bucket}`,
      keyPrefix: `${config.envName}/`,
      kmsKeyArn: stateKey.targetKeyArn,
      // The backend's region (config), which is also the table's.
      lockTableArn: state.dynamodbTable
        ? `arn:${ctx.partition}:dynamodb:${config.region}:${ctx.accountId}:table/${state.dynamodbTable}`
        : undefined,
    };

    const provider = new GithubOidcProvider(this, "github-oidc", { create: ci.createOidcProvider });
    const repository = ci.github.repository;
    const planSubjects: GithubSubject[] = [
      ...ci.github.planBranches.map((name): GithubSubject => ({ kind: "branch", name })),
      ...(ci.github.planPullRequests ? [{ kind: "pull-request" } as const] : []),
    ];

    this.planRole = new GithubActionsRole(this, "plan-role", {
      name: names.plan,
      description: `terraform plan of ${config.envName} from GitHub Actions (pull requests, drift detection): read-only`,
      providerArn: provider.arn,
      repository,
      subjects: planSubjects,
      managedPolicyArns: [`arn:${ctx.partition}:iam::aws:policy/ReadOnlyAccess`],
      statements: planStatements(location, scopeOf),
      maxSessionDurationSec: ci.maxSessionDurationSec,
    });

    const iamArn = (resource: string) => `arn:${ctx.partition}:iam::${ctx.accountId}:${resource}`;
    this.deployRole = new GithubActionsRole(this, "deploy-role", {
      name: names.deploy,
      description: `cdktn deploy of ${config.envName} from GitHub Actions (GitHub environment only)`,
      providerArn: provider.arn,
      repository,
      subjects: [{ kind: "environment", name: ci.github.deployEnvironment ?? config.envName }],
      statements: deployStatements(location, scopeOf, {
        ciIdentityArns: [
          iamArn(`role/${names.plan}`),
          iamArn(`role/${names.deploy}`),
          iamArn(`oidc-provider/${GITHUB_OIDC_HOST}`),
        ],
      }),
      maxSessionDurationSec: ci.maxSessionDurationSec,
    });

    output(this, "oidcProviderArn", provider.arn, "GitHub Actions OIDC identity provider of this account");
    output(
      this,
      "planRoleArn",
      this.planRole.arn,
      "Read-only role for terraform plan (GitHub variable AWS_PLAN_ROLE_ARN_<ENV>)",
    );
    output(
      this,
      "deployRoleArn",
      this.deployRole.arn,
      "Deploy role (variable AWS_DEPLOY_ROLE_ARN of the GitHub environment)",
    );
  }
}
