import { z } from "zod";
import { GITHUB_CLAIM_PART, GITHUB_REPOSITORY } from "../modules/lib/github-subject";

const repository = z.string().regex(GITHUB_REPOSITORY, 'expected a GitHub repository as "owner/name"');

const claimPart = (what: string) =>
  z
    .string()
    .regex(
      GITHUB_CLAIM_PART,
      `expected a ${what} without spaces, ":", "*" or "?" (they would change the OIDC subject)`,
    );

/** GitHub repository whose workflows may assume the CI roles, through GitHub's OIDC subject claim. */
const github = z.strictObject({
  /** "owner/name" of this repository; every trusted subject starts with "repo:<owner/name>:". */
  repository,
  /** GitHub environment the deploy job runs in (subject "repo:<repo>:environment:<name>"); default: the environment's own name. */
  deployEnvironment: claimPart("GitHub environment name").optional(),
  /** Branches whose runs may assume the plan role (drift detection runs on the default branch). */
  planBranches: z.array(claimPart("branch name")).min(1).default(["main"]),
  /** Pull requests of this repository may assume the plan role (subject "repo:<repo>:pull_request"). */
  planPullRequests: z.boolean().default(true),
});

/**
 * CI identity (bootstrap stack `ci-identity`, applied by hand after `state`): the account's GitHub
 * OIDC provider, a read-only plan role and a deploy role. Needs a `state` block.
 */
export const ciSchema = z
  .strictObject({
    /** The GitHub repository, and which of its runs may assume each role. */
    github,
    /** Create the account's GitHub OIDC provider; false when another environment in the same account already created it (IAM allows one per URL). */
    createOidcProvider: z.boolean().default(true),
    /** Longest session either role grants, seconds (IAM: 3600–43200). */
    maxSessionDurationSec: z.int().min(3600).max(43200).default(3600),
  })
  .optional();

/** The roles read and write the state bucket, so a CI identity without remote state has nothing to guard. */
export function ciProblems(c: { ci?: unknown; state?: unknown }, ctx: z.RefinementCtx): void {
  if (c.ci !== undefined && c.state === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["ci"],
      input: c.ci,
      message: 'a CI identity needs remote state: add state: { bucket: "<bucket>" } (the roles are scoped to it)',
    });
  }
}
