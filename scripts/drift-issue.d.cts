/** The part of Octokit (as actions/github-script passes it) the drift issue uses. */
export interface IssuesClient {
  paginate(
    method: unknown,
    params: Record<string, unknown>,
  ): Promise<{ number: number; title: string; pull_request?: unknown }[]>;
  rest: {
    issues: {
      listForRepo: unknown;
      update(params: Record<string, unknown>): Promise<unknown>;
      create(params: Record<string, unknown>): Promise<{ data: { number: number } }>;
      createComment(params: Record<string, unknown>): Promise<unknown>;
      getLabel(params: Record<string, unknown>): Promise<unknown>;
      createLabel(params: Record<string, unknown>): Promise<unknown>;
    };
  };
}

export interface DriftInput {
  readonly github: IssuesClient;
  readonly owner: string;
  readonly repo: string;
  readonly env: string;
  /** "drift" or "clean". */
  readonly status: string;
  /** plan:summary Markdown of the stacks that would change. */
  readonly summary: string;
  readonly runUrl: string;
  readonly checkedAt: string;
}

export declare function reconcileDriftIssue(input: DriftInput): Promise<string>;
export declare function titleOf(env: string): string;
export declare const LABEL: string;
