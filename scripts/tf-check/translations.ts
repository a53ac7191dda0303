/**
 * What `tf:check` changes in its copy of a stack when the local hashicorp/aws provider is older than
 * the one the bindings pin (6.66.0): one entry per attribute the older provider lacks. Each says the
 * provider version that added the attribute and why leaving it out of an offline check is safe.
 * Any other "Unsupported argument/attribute/block" fails the check.
 */
import { compareVersions } from "./versions";

type Json = Record<string, unknown>;

export interface ReferenceTranslation {
  readonly kind: "reference";
  /** The attribute as it appears in references, `*` for any name. */
  readonly attribute: string;
  readonly addedIn: string;
  readonly why: string;
  readonly from: RegExp;
  readonly to: string;
}

export interface DropTranslation {
  readonly kind: "drop";
  readonly resourceType: string;
  /** Dotted path inside the resource; a list on the way applies to each element. */
  readonly path: string;
  readonly addedIn: string;
  readonly why: string;
}

export type Translation = ReferenceTranslation | DropTranslation;

export const TRANSLATIONS: readonly Translation[] = [
  {
    kind: "reference",
    attribute: "data.aws_region.*.region",
    addedIn: "6.0.0",
    why: "6.0.0 renamed the data source's `name` to `region` (same value, `name` deprecated); the older provider has only `name`.",
    from: /\bdata\.aws_region\.([A-Za-z0-9_-]+)\.region\b/g,
    to: "data.aws_region.$1.name",
  },
  {
    kind: "drop",
    resourceType: "aws_ecs_service",
    path: "deployment_configuration",
    addedIn: "6.4.0",
    why: "ECS native blue/green strategy, bake time and lifecycle hooks (6.4.0); they steer how ECS rolls out a new revision, not what Terraform creates, and the policy tests check them in the synthesized JSON.",
  },
  {
    kind: "drop",
    resourceType: "aws_ecs_service",
    path: "load_balancer.advanced_configuration",
    addedIn: "6.4.0",
    why: "The blue/green target group, listener rules and role ECS shifts traffic with (6.4.0); the target groups, rules and role themselves are still planned.",
  },
  {
    kind: "drop",
    resourceType: "aws_ecs_service",
    path: "service_connect_configuration.service.client_alias.test_traffic_rules",
    addedIn: "6.4.0",
    why: "The header that routes test traffic to the new revision during a blue/green deployment (6.4.0); runtime routing only.",
  },
];

/** The entries that apply to a local provider of `version`. */
export function translationsFor(version: string): Translation[] {
  return TRANSLATIONS.filter((t) => compareVersions(version, t.addedIn) < 0);
}

/** Applies `translations` to a stack's JSON (a copy); returns what was changed, one note per entry used. */
export function applyTranslations(stack: Json, translations: readonly Translation[]): { stack: Json; notes: string[] } {
  let out = structuredClone(stack);
  const notes: string[] = [];
  for (const t of translations) {
    if (t.kind === "reference") {
      let count = 0;
      out = mapStrings(out, (s) =>
        s.replace(t.from, (...m) => {
          count++;
          return t.to.replace(/\$(\d)/g, (_x, i: string) => String(m[Number(i)]));
        }),
      ) as Json;
      if (count > 0) notes.push(`${t.attribute} → ${t.to.replace("$1", "*")} (${count}×, added in ${t.addedIn})`);
    } else {
      const resources = ((out.resource as Json | undefined)?.[t.resourceType] ?? {}) as Record<string, Json>;
      let count = 0;
      for (const body of Object.values(resources)) count += dropPath(body, t.path.split("."));
      if (count > 0) notes.push(`dropped ${t.resourceType}.${t.path} (${count}×, added in ${t.addedIn})`);
    }
  }
  return { stack: out, notes };
}

function dropPath(value: unknown, path: readonly string[]): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + dropPath(v, path), 0);
  if (!value || typeof value !== "object") return 0;
  const obj = value as Json;
  const [head, ...rest] = path;
  if (!(head! in obj)) return 0;
  if (rest.length === 0) {
    delete obj[head!];
    return 1;
  }
  return dropPath(obj[head!], rest);
}

export function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  }
  return value;
}

/** A `terraform validate -json` diagnostic, the parts read here. */
export interface Diagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
  readonly snippet?: { readonly context?: string | null; readonly code?: string };
}

/**
 * For configurations this check cannot rewrite (the HCL of `synth:hcl`): whether an "Unsupported …"
 * error is one the table explains, for a provider of `version`.
 */
export function explainedByTable(d: Diagnostic, version: string): Translation | undefined {
  if (!/^Unsupported (argument|attribute|block type)$/.test(d.summary)) return undefined;
  const name = /named "([^"]+)"/.exec(d.detail)?.[1] ?? /type "([^"]+)"/.exec(d.detail)?.[1];
  const context = d.snippet?.context ?? "";
  return translationsFor(version).find((t) =>
    t.kind === "reference"
      ? name === t.attribute.split(".").at(-1) && /\.region\b/.test(d.snippet?.code ?? "")
      : context.startsWith(`resource "${t.resourceType}"`) && name === t.path.split(".").at(-1),
  );
}
