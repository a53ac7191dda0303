import type { Plan, ResourceChange } from "./plan-format";

export type Kind = "create" | "update" | "replace" | "delete";

/** Resources whose loss loses data or breaks everything that references them. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  aws_s3_bucket: "S3 bucket (state / logs)",
  aws_rds_cluster: "Aurora cluster",
  aws_rds_cluster_instance: "Aurora instance",
  aws_db_instance: "RDS instance",
  aws_elasticache_replication_group: "ElastiCache replication group",
  aws_elasticache_cluster: "ElastiCache cluster",
  aws_ecr_repository: "ECR repository",
  aws_kms_key: "KMS key",
  aws_service_discovery_http_namespace: "Cloud Map namespace",
  aws_service_discovery_private_dns_namespace: "Cloud Map namespace",
  aws_dynamodb_table: "DynamoDB table",
};

const IAM_POLICY_ATTRS: Readonly<Record<string, readonly string[]>> = {
  aws_iam_policy: ["policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_role: ["assume_role_policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_sns_topic_policy: ["policy"],
};

export interface ChangeRow {
  readonly kind: Kind;
  readonly address: string;
  /** Top-level attributes that change; values are never shown. */
  readonly attributes: string[];
  readonly reason?: string;
}

export interface StackSummary {
  readonly stack: string;
  readonly counts: Record<Kind, number>;
  readonly rows: ChangeRow[];
  readonly redFlags: string[];
  readonly outputsChanged: string[];
}

function kindOf(rc: ResourceChange): Kind | undefined {
  const a = rc.change.actions;
  if (a.includes("delete") && a.includes("create")) return "replace";
  if (a.length === 1 && (a[0] === "create" || a[0] === "update" || a[0] === "delete")) return a[0];
  if (a.length === 1 && a[0] === "forget") return "delete";
  return undefined; // no-op, read
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** True when `mirror` (a *_sensitive structure) marks anything at or under `key` sensitive. */
function sensitiveAt(mirror: unknown, key: string): boolean {
  if (mirror === true) return true;
  const v = obj(mirror)[key];
  return v !== undefined && v !== false && JSON.stringify(v) !== "{}" && JSON.stringify(v) !== "[]";
}

function changedAttributes(rc: ResourceChange): string[] {
  const before = obj(rc.change.before);
  const after = obj(rc.change.after);
  const unknown = obj(rc.change.after_unknown);
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    if (key === "id" || key === "tags_all") continue;
    const isUnknown = unknown[key] === true;
    const differs = JSON.stringify(before[key]) !== JSON.stringify(after[key]);
    if (!isUnknown && !differs) continue;
    const sensitive = sensitiveAt(rc.change.before_sensitive, key) || sensitiveAt(rc.change.after_sensitive, key);
    out.push(`${key}${sensitive ? " (sensitive)" : isUnknown ? " (known after apply)" : ""}`);
  }
  return out;
}

interface Grant {
  readonly action: string;
  readonly resource: string;
}

/** Allow statements as (action, resource) pairs; undefined when the policy is not known yet. */
function grants(policy: unknown): Grant[] | undefined {
  if (typeof policy !== "string" || policy === "") return undefined;
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return undefined;
  }
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.flatMap((s) => {
    const st = obj(s);
    if (st.Effect !== "Allow") return [];
    const actions = list(st.Action ?? st.NotAction);
    const resources = st.Principal !== undefined ? list(JSON.stringify(st.Principal)) : list(st.Resource ?? "*");
    return actions.flatMap((action) => resources.map((resource) => ({ action, resource })));
  });
}

function iamFlags(rc: ResourceChange, kind: Kind): string[] {
  const attrs = IAM_POLICY_ATTRS[rc.type];
  if (!attrs || kind === "delete") return [];
  const flags: string[] = [];
  for (const attr of attrs) {
    const after = grants(obj(rc.change.after)[attr]);
    if (after === undefined) {
      if (obj(rc.change.after_unknown)[attr] === true)
        flags.push(`IAM policy \`${rc.address}\` (${attr}) is known only after apply: review its source`);
      continue;
    }
    const before = kind === "create" || kind === "replace" ? [] : (grants(obj(rc.change.before)[attr]) ?? []);
    const had = new Set(before.map((g) => `${g.action} ${g.resource}`));
    const added = after.filter((g) => !had.has(`${g.action} ${g.resource}`));
    const wild = added.filter((g) => g.action === "*" || g.action.endsWith(":*") || g.resource === "*");
    if (kind === "update" && added.length > 0) {
      flags.push(
        `widened IAM policy \`${rc.address}\` (${attr}): adds ${added.map((g) => `${g.action} on ${g.resource}`).join(", ")}`,
      );
    } else if (wild.length > 0) {
      flags.push(
        `wildcard IAM grant in \`${rc.address}\` (${attr}): ${wild.map((g) => `${g.action} on ${g.resource}`).join(", ")}`,
      );
    }
  }
  return flags;
}

const OPEN = new Set(["0.0.0.0/0", "::/0"]);

function ingressFlags(rc: ResourceChange, kind: Kind): string[] {
  if (kind === "delete") return [];
  const after = obj(rc.change.after);
  const before = obj(rc.change.before);
  const describe = (r: Obj) => {
    const cidrs = [
      r.cidr_ipv4,
      r.cidr_ipv6,
      ...(Array.isArray(r.cidr_blocks) ? r.cidr_blocks : []),
      ...(Array.isArray(r.ipv6_cidr_blocks) ? r.ipv6_cidr_blocks : []),
    ].filter(Boolean);
    const ports =
      r.from_port === undefined
        ? "all ports"
        : r.from_port === r.to_port
          ? `port ${r.from_port}`
          : `ports ${r.from_port}-${r.to_port}`;
    return { cidrs: cidrs.map(String), ports, open: cidrs.some((c) => OPEN.has(String(c))) };
  };
  const span = (r: Obj) =>
    r.from_port === undefined || r.ip_protocol === "-1" || r.protocol === "-1"
      ? 65536
      : Number(r.to_port) - Number(r.from_port) + 1;
  const isIngress =
    rc.type === "aws_vpc_security_group_ingress_rule" ||
    (rc.type === "aws_security_group_rule" && after.type === "ingress");
  if (isIngress) {
    const d = describe(after);
    const grew = kind === "update" && (span(after) > span(before) || (d.open && !describe(before).open));
    if (d.open) return [`internet ingress: \`${rc.address}\` allows ${d.cidrs.join(", ")} on ${d.ports}`];
    if (grew)
      return [
        `widened security-group rule \`${rc.address}\`: now ${d.cidrs.join(", ") || "a security group"} on ${d.ports}`,
      ];
    return [];
  }
  if (rc.type === "aws_security_group" && Array.isArray(after.ingress)) {
    const had = new Set((Array.isArray(before.ingress) ? before.ingress : []).map((r) => JSON.stringify(r)));
    return (after.ingress as Obj[])
      .filter((r) => !had.has(JSON.stringify(r)))
      .filter((r) => kind === "update" || describe(r).open)
      .map((r) => {
        const d = describe(r);
        return `${d.open ? "internet ingress" : "widened security group"}: \`${rc.address}\` adds ${d.cidrs.join(", ") || "a peer group"} on ${d.ports}`;
      });
  }
  return [];
}

/** Summarizes one stack's plan: counts, changed resources, red flags. */
export function summarize(stack: string, plan: Plan): StackSummary {
  const counts: Record<Kind, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  const rows: ChangeRow[] = [];
  const redFlags: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === "data") continue;
    const kind = kindOf(rc);
    if (!kind) continue;
    counts[kind]++;
    const attributes = kind === "update" || kind === "replace" ? changedAttributes(rc) : [];
    rows.push({ kind, address: rc.address, attributes, reason: rc.action_reason });
    const stateful = STATEFUL_TYPES[rc.type];
    if (stateful && (kind === "delete" || kind === "replace")) {
      const forget = rc.change.actions[0] === "forget";
      const why =
        kind === "replace" && rc.change.replace_paths?.length
          ? ` (forced by ${rc.change.replace_paths.map((p) => p.join(".")).join(", ")})`
          : forget
            ? " (removed from state only: it stays in AWS, unmanaged)"
            : "";
      redFlags.push(`**${forget ? "forget" : kind}** of stateful ${stateful} \`${rc.address}\`${why}`);
    }
    redFlags.push(...iamFlags(rc, kind), ...ingressFlags(rc, kind));
  }
  const outputsChanged = Object.entries(plan.output_changes ?? {})
    .filter(([, c]) => !(c.actions.length === 1 && c.actions[0] === "no-op"))
    .map(([name]) => name)
    .sort();
  return { stack, counts, rows, redFlags, outputsChanged };
}

const ICON: Record<Kind, string> = { create: "+", update: "~", replace: "-/+", delete: "-" };

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** Markdown for a PR comment; one section per stack. */
export function toMarkdown(summaries: readonly StackSummary[]): string {
  const out: string[] = [];
  for (const s of summaries) {
    const c = s.counts;
    out.push(`## ${s.stack}`, "");
    out.push(`**${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete**`, "");
    if (s.rows.length === 0) out.push("No resource changes.", "");
    else {
      out.push("| | action | resource | changed attributes |", "|---|---|---|---|");
      for (const r of s.rows) {
        const attrs = r.attributes.length
          ? r.attributes.join(", ")
          : r.kind === "replace" || r.kind === "update"
            ? ""
            : "—";
        out.push(`| \`${ICON[r.kind]}\` | ${r.kind} | \`${cell(r.address)}\` | ${cell(attrs)} |`);
      }
      out.push("");
    }
    if (s.outputsChanged.length)
      out.push(`Outputs changing: ${s.outputsChanged.map((o) => `\`${o}\``).join(", ")}`, "");
    out.push("### Red flags", "");
    out.push(...(s.redFlags.length ? s.redFlags.map((f) => `- :warning: ${f}`) : ["None."]), "");
  }
  return out.join("\n");
}

/** Plain text of every red flag, one line each, for a CI log (the Markdown emphasis removed). */
export function toRedFlagText(summaries: readonly StackSummary[]): string {
  const flags = summaries.flatMap((s) => s.redFlags.map((f) => `${s.stack}: ${f.replace(/\*\*|`/g, "")}`));
  if (flags.length === 0) return "No red flags.\n";
  return [`${flags.length} red flag${flags.length === 1 ? "" : "s"}:`, ...flags.map((f) => `  - ${f}`), ""].join("\n");
}
