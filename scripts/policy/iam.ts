// IAM policy documents as the rules see them, whichever way the stack wrote them: a
// `data.aws_iam_policy_document` (referenced by `${data.aws_iam_policy_document.x.json}`, possibly
// from another stack's output) or a literal JSON string. Anything else cannot be checked and is
// reported as such, never passed silently.
import { blocks, isRecord, type Block, type Environment } from "./tf";

export interface Condition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface Principal {
  /** "AWS", "Service", "Federated", or "*" for `"Principal": "*"`. */
  readonly type: string;
  readonly identifiers: readonly string[];
}

export interface Statement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  readonly principals: readonly Principal[];
  readonly notPrincipals: readonly Principal[];
  readonly conditions: readonly Condition[];
}

export type ParsedPolicy =
  { readonly ok: true; readonly statements: Statement[] } | { readonly ok: false; readonly why: string };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function fromDocumentBlock(body: Block, env: Environment, stack: string, depth: number): ParsedPolicy {
  const statements: Statement[] = [];
  // source/override documents merge into this one; check their statements too.
  for (const key of ["source_policy_documents", "override_policy_documents"]) {
    for (const doc of strings(body[key])) {
      const nested = parsePolicy(env, stack, doc, depth + 1);
      if (!nested.ok) return nested;
      statements.push(...nested.statements);
    }
  }
  for (const s of blocks(body.statement)) {
    const principals = (key: string): Principal[] =>
      blocks(s[key]).map((p) => ({ type: String(p.type), identifiers: strings(p.identifiers) }));
    statements.push({
      sid: s.sid === undefined ? undefined : String(s.sid),
      effect: s.effect === "Deny" ? "Deny" : "Allow",
      actions: strings(s.actions),
      notActions: strings(s.not_actions),
      resources: strings(s.resources),
      notResources: strings(s.not_resources),
      principals: principals("principals"),
      notPrincipals: principals("not_principals"),
      conditions: blocks(s.condition).map((c) => ({
        test: String(c.test),
        variable: String(c.variable),
        values: strings(c.values),
      })),
    });
  }
  return { ok: true, statements };
}

function jsonPrincipals(value: unknown): Principal[] {
  if (value === undefined) return [];
  if (value === "*") return [{ type: "*", identifiers: ["*"] }];
  if (!isRecord(value)) return [];
  return Object.entries(value).map(([type, ids]) => ({ type, identifiers: strings(ids) }));
}

function jsonConditions(value: unknown): Condition[] {
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([test, byVariable]) =>
    isRecord(byVariable)
      ? Object.entries(byVariable).map(([variable, values]) => ({ test, variable, values: strings(values) }))
      : [],
  );
}

function fromJson(text: string): ParsedPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, why: `not JSON and not an aws_iam_policy_document reference: ${text.slice(0, 60)}` };
  }
  if (!isRecord(doc)) return { ok: false, why: "policy JSON is not an object" };
  const raw = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const statements = raw.filter(isRecord).map((s): Statement => ({
    sid: s.Sid === undefined ? undefined : String(s.Sid),
    effect: s.Effect === "Deny" ? "Deny" : "Allow",
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    principals: jsonPrincipals(s.Principal),
    notPrincipals: jsonPrincipals(s.NotPrincipal),
    conditions: jsonConditions(s.Condition),
  }));
  return { ok: true, statements };
}

/** Parses the policy in `value` (a field of a resource in `stack`). */
export function parsePolicy(env: Environment, stack: string, value: unknown, depth = 0): ParsedPolicy {
  if (depth > 4) return { ok: false, why: "policy documents nest too deeply" };
  if (value === undefined || value === null) return { ok: false, why: "no policy" };
  if (isRecord(value)) return fromJson(JSON.stringify(value));
  const ref = env.referenced(stack, value);
  if (ref?.resource.type === "aws_iam_policy_document" && ref.attribute === "json") {
    return fromDocumentBlock(ref.resource.body, env, ref.resource.stack, depth);
  }
  if (ref?.resource.type === "aws_iam_policy" && ref.attribute === "policy") {
    return parsePolicy(env, ref.resource.stack, ref.resource.body.policy, depth + 1);
  }
  const resolved = env.resolve(stack, value).value;
  if (typeof resolved === "string" && resolved.trimStart().startsWith("{")) return fromJson(resolved);
  return { ok: false, why: `cannot read the policy ${JSON.stringify(value).slice(0, 80)}` };
}

/** `*`, or `service:*`-style wildcards that grant a whole service. */
export function isWildcardAction(action: string): boolean {
  return action === "*" || /^[\w-]+:\*$/.test(action);
}

export function hasWildcardPrincipal(s: Statement): boolean {
  return s.principals.some((p) => p.type === "*" || p.identifiers.includes("*"));
}

/** Conditions that pin a service principal to this account or a resource (confused-deputy guard). */
export function isScopedByCondition(s: Statement): boolean {
  return s.conditions.some(
    (c) =>
      /^aws:(SourceAccount|SourceArn|SourceOrgID|PrincipalAccount|PrincipalOrgID|SourceVpce?|ResourceAccount)$/i.test(
        c.variable,
      ) ||
      // Firehose documents its trust with sts:ExternalId = the account id instead of aws:SourceAccount.
      /^sts:ExternalId$/i.test(c.variable),
  );
}

/**
 * A web-identity (OIDC) trust statement's problem, or undefined when it has none: the token's
 * audience must be pinned with StringEquals, and its subject to exact values (no "*" or "?", which
 * StringLike reads as wildcards: `repo:org/repo:*` admits every branch and pull request) that all
 * name one repository when they are GitHub subjects.
 */
export function webIdentityTrustProblem(s: Statement): string | undefined {
  const federated = s.principals.some((p) => p.type === "Federated");
  const webIdentity = s.actions.some((a) => /^sts:AssumeRoleWithWebIdentity$/i.test(a));
  if (s.effect !== "Allow" || !federated || !webIdentity) return undefined;
  const on = (claim: string) => s.conditions.filter((c) => c.variable.endsWith(`:${claim}`));
  const exact = (c: Condition) =>
    c.test === "StringEquals" || (c.test === "StringLike" && c.values.every((v) => !/[*?]/.test(v)));
  const aud = on("aud");
  if (!aud.some((c) => c.test === "StringEquals" && c.values.length > 0))
    return "no StringEquals condition on the audience (aud)";
  const sub = on("sub");
  if (sub.length === 0) return "no condition on the subject (sub): any workflow of any repository could assume it";
  const loose = sub.filter((c) => !exact(c) || c.values.length === 0);
  if (loose.length > 0) return `subject condition with wildcards: ${loose.flatMap((c) => c.values).join(", ")}`;
  const repos = new Set(
    sub.flatMap((c) => c.values).flatMap((v) => (/^repo:([^:]+):/.exec(v) ? [/^repo:([^:]+):/.exec(v)![1]] : [])),
  );
  return repos.size > 1 ? `subjects of several repositories: ${[...repos].join(", ")}` : undefined;
}

/** The request context a simulated call carries: condition key → value (absent keys are omitted). */
export type RequestContext = Readonly<Record<string, string>>;

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(value);
}

/**
 * Whether one condition holds for `context`, with IAM's semantics for absent keys: a positive
 * operator is false, a negated one (`...Not...`) is true, `...IfExists` is true, `Null` tests
 * presence (IAM JSON policy elements: condition operators). Unknown operators throw, so a rule never
 * passes on a condition it cannot evaluate.
 */
export function conditionHolds(c: Condition, context: RequestContext): boolean {
  const value = context[c.variable];
  if (c.test === "Null") return c.values.some((v) => (v === "true") === (value === undefined));
  const ifExists = c.test.endsWith("IfExists");
  const op = ifExists ? c.test.slice(0, -"IfExists".length) : c.test;
  const negated = /Not/.test(op);
  if (value === undefined) return ifExists || negated;
  const base = op.replace("Not", "");
  const compare: Record<string, (pattern: string) => boolean> = {
    StringEquals: (p) => p === value,
    StringEqualsIgnoreCase: (p) => p.toLowerCase() === value.toLowerCase(),
    StringLike: (p) => globMatch(p, value),
    ArnEquals: (p) => p === value,
    ArnLike: (p) => globMatch(p, value),
    Bool: (p) => p.toLowerCase() === value.toLowerCase(),
  };
  const match = compare[base];
  if (!match || (negated && base === "Bool")) throw new Error(`condition operator ${c.test} is not simulated`);
  const any = c.values.some(match);
  return negated ? !any : any;
}

/** Whether a statement of `effect` applies to `action` by any principal in `context` (resources not compared). */
export function statementApplies(s: Statement, effect: "Allow" | "Deny", action: string, context: RequestContext) {
  if (s.effect !== effect || !hasWildcardPrincipal(s)) return false;
  const [service] = action.split(":");
  const covers = s.actions.some((a) => a === "*" || a === action || a === `${service}:*`);
  return covers && s.conditions.every((c) => conditionHolds(c, context));
}
