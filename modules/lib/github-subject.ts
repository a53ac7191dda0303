// GitHub Actions' OIDC subject claim, shared by the CI roles (modules/github-actions-role.ts) and the
// config that names the repository (config/ci-schema.ts). Plain data: no provider classes.

/**
 * Which workflow runs of the repository may assume the role, in GitHub's default subject format:
 * a job that names a GitHub environment gets `environment:<name>`, otherwise a pull request gets
 * `pull_request` and any other event `ref:refs/heads/<branch>`.
 */
export type GithubSubject =
  | { readonly kind: "branch"; readonly name: string }
  | { readonly kind: "environment"; readonly name: string }
  | { readonly kind: "pull-request" };

/** The `sub` claim GitHub puts in a token for this repository and subject. */
export function githubSubjectClaim(repository: string, subject: GithubSubject): string {
  switch (subject.kind) {
    case "branch":
      return `repo:${repository}:ref:refs/heads/${subject.name}`;
    case "environment":
      return `repo:${repository}:environment:${subject.name}`;
    case "pull-request":
      return `repo:${repository}:pull_request`;
  }
}

/** "owner/name": GitHub owners are 1–39 letters, digits and single hyphens; names 1–100 of letters, digits, ".", "_", "-". */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;
/**
 * A branch or environment name as it appears in the subject claim: the claim joins its parts with
 * ":", and "*" or "?" would read as wildcards to anyone copying a subject into StringLike.
 */
export const GITHUB_CLAIM_PART = /^[^\s:*?]{1,255}$/;
