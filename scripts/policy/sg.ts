// Security group rules in every form Terraform accepts, normalized: standalone
// aws_vpc_security_group_{ingress,egress}_rule, legacy aws_security_group_rule, and inline blocks
// of aws_security_group / aws_default_security_group.
import { asNumber, blocks, type Environment, type Resource } from "./tf";

export interface SgRule {
  /** The resource that declares the rule (the group itself for inline rules). */
  readonly declaredBy: Resource;
  readonly direction: "ingress" | "egress";
  /** The group the rule belongs to, when it can be resolved. */
  readonly group?: Resource;
  readonly cidrs: readonly string[];
  /** Another group, a prefix list or `self` as the peer. */
  readonly hasNonCidrPeer: boolean;
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  /** Ports given as unresolved expressions. */
  readonly portsUnknown: boolean;
  readonly description?: string;
}

export const WORLD = ["0.0.0.0/0", "::/0"];

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];

function ports(body: Record<string, unknown>, protocolKey: string) {
  const protocol = String(body[protocolKey] ?? "-1").toLowerCase();
  const from = asNumber(body.from_port);
  const to = asNumber(body.to_port);
  const unknown =
    protocol !== "-1" &&
    protocol !== "all" &&
    ((body.from_port !== undefined && from === undefined) || (body.to_port !== undefined && to === undefined));
  return { protocol, fromPort: from, toPort: to, portsUnknown: unknown };
}

/** Every security group rule in `stack` (or the whole environment). */
export function securityGroupRules(env: Environment, stack?: string): SgRule[] {
  const out: SgRule[] = [];
  for (const [type, direction] of [
    ["aws_vpc_security_group_ingress_rule", "ingress"],
    ["aws_vpc_security_group_egress_rule", "egress"],
  ] as const) {
    for (const r of env.resources(type, stack)) {
      out.push({
        declaredBy: r,
        direction,
        group: env.referenced(r.stack, r.body.security_group_id)?.resource,
        cidrs: [...list(r.body.cidr_ipv4), ...list(r.body.cidr_ipv6)],
        hasNonCidrPeer: r.body.referenced_security_group_id !== undefined || r.body.prefix_list_id !== undefined,
        ...ports(r.body, "ip_protocol"),
        description: r.body.description as string | undefined,
      });
    }
  }
  for (const r of env.resources("aws_security_group_rule", stack)) {
    out.push({
      declaredBy: r,
      direction: r.body.type === "egress" ? "egress" : "ingress",
      group: env.referenced(r.stack, r.body.security_group_id)?.resource,
      cidrs: [...list(r.body.cidr_blocks), ...list(r.body.ipv6_cidr_blocks)],
      hasNonCidrPeer:
        r.body.source_security_group_id !== undefined || r.body.self === true || r.body.prefix_list_ids !== undefined,
      ...ports(r.body, "protocol"),
      description: r.body.description as string | undefined,
    });
  }
  for (const type of ["aws_security_group", "aws_default_security_group"]) {
    for (const r of env.resources(type, stack)) {
      for (const direction of ["ingress", "egress"] as const) {
        for (const b of blocks(r.body[direction])) {
          out.push({
            declaredBy: r,
            direction,
            group: r,
            cidrs: [...list(b.cidr_blocks), ...list(b.ipv6_cidr_blocks)],
            hasNonCidrPeer: list(b.security_groups).length > 0 || b.self === true || list(b.prefix_list_ids).length > 0,
            ...ports(b, "protocol"),
            description: b.description as string | undefined,
          });
        }
      }
    }
  }
  return out;
}

export function allPorts(rule: SgRule): boolean {
  if (rule.protocol === "-1" || rule.protocol === "all") return true;
  return (rule.fromPort ?? 0) <= 0 && (rule.toPort ?? 65535) >= 65535;
}

/** Does the rule admit `port`? Unknown ports count as admitting it (cannot prove otherwise). */
export function coversPort(rule: SgRule, port: number): boolean {
  if (allPorts(rule) || rule.portsUnknown) return true;
  if (!["tcp", "6", "udp", "17"].includes(rule.protocol)) return false;
  return (rule.fromPort ?? 0) <= port && port <= (rule.toPort ?? 65535);
}

/** A rule on exactly one of `allowed` ports (e.g. 80 or 443), TCP. */
export function onlyPorts(rule: SgRule, allowed: readonly number[]): boolean {
  return (
    !rule.portsUnknown &&
    ["tcp", "6"].includes(rule.protocol) &&
    rule.fromPort !== undefined &&
    rule.fromPort === rule.toPort &&
    allowed.includes(rule.fromPort)
  );
}

export function ruleLabel(rule: SgRule): string {
  const p = allPorts(rule) ? "all ports" : `${rule.protocol} ${rule.fromPort}-${rule.toPort}`;
  return `${rule.direction} ${p} from ${rule.cidrs.join(", ") || "a group"}`;
}

/** Groups attached to public (internet-facing) application load balancers. */
export function publicAlbGroups(env: Environment): Resource[] {
  return loadBalancers(env)
    .filter((lb) => lb.body.internal !== true && lb.body.internal !== "true")
    .flatMap((lb) => env.mentions(lb.stack, lb.body.security_groups))
    .filter((r) => r.type === "aws_security_group");
}

/** Application load balancers (aws_lb without a type is an ALB; aws_alb is its alias). */
export function loadBalancers(env: Environment, stack?: string): Resource[] {
  return [...env.resources("aws_lb", stack), ...env.resources("aws_alb", stack)].filter(
    (lb) => (lb.body.load_balancer_type ?? "application") === "application",
  );
}
