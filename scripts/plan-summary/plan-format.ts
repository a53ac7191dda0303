/** The parts of Terraform's JSON plan format (`terraform show -json`) the summary reads. */
export type Action = "no-op" | "create" | "read" | "update" | "delete" | "forget";

export interface ResourceChange {
  readonly address: string;
  readonly mode?: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: readonly Action[];
    readonly before?: unknown;
    readonly after?: unknown;
    /** Mirrors `after`: true where the value is known only after apply. */
    readonly after_unknown?: unknown;
    /** Mirrors before/after: true where the value is sensitive. */
    readonly before_sensitive?: unknown;
    readonly after_sensitive?: unknown;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
}

export interface Plan {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, { actions: readonly Action[] }>>;
}

/** Reads a parsed JSON document as a plan; throws naming what is wrong. */
export function asPlan(doc: unknown, source: string): Plan {
  const plan = doc as Plan;
  if (typeof doc !== "object" || doc === null || typeof plan.format_version !== "string") {
    throw new Error(
      `${source}: not a Terraform JSON plan (no format_version); produce it with \`terraform show -json tfplan\``,
    );
  }
  if (!/^1\./.test(plan.format_version)) {
    throw new Error(`${source}: unsupported plan format_version ${plan.format_version}; expected 1.x`);
  }
  return plan;
}
