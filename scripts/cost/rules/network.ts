import { refsOf } from "../../synthesized/refs";
import type { Block, Resource } from "../../synthesized/synth";
import { type CostLine, makeLine, type NotPriced, type Usage } from "../model";
import { count, fmt, type Rule, usage } from "../rule";
import { list } from "../../synthesized/values";

/** Groups resources by stack, keeping stack order. */
export function byStack(resources: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of resources) out.set(r.stack, [...(out.get(r.stack) ?? []), r]);
  return out;
}

/**
 * NAT gateway hours per stack, plus the assumed GB processed (all gateways together, so a change of
 * NAT mode changes the hours only).
 */
export const natGateways: Rule = {
  types: ["aws_nat_gateway"],
  price(ctx) {
    const all = ctx.synth.resources("aws_nat_gateway");
    const lines: CostLine[] = [];
    let gbCharged = false;
    for (const [stack, nats] of byStack(all)) {
      const items: Usage[] = [usage(ctx, "nat.hour", "NAT gateway-hours", nats.length * ctx.hours)];
      if (!gbCharged) {
        items.push(usage(ctx, "nat.gb", "GB processed (assumed)", ctx.assumptions.natGbPerMonth));
        gbCharged = true;
      }
      lines.push(
        makeLine(
          stack,
          "NAT gateways",
          `${count(nats.length, "NAT gateway")} × ${fmt(ctx.hours)} h; ${fmt(ctx.assumptions.natGbPerMonth)} GB processed`,
          nats.map((n) => n.address),
          items,
        ),
      );
    }
    return { lines, notPriced: [] };
  },
};

/** Public IPv4 addresses: Elastic IPs, and one per subnet of each internet-facing load balancer. */
export const publicIpv4: Rule = {
  types: ["aws_eip"],
  price(ctx) {
    const lines: CostLine[] = [];
    for (const [stack, eips] of byStack(ctx.synth.resources("aws_eip"))) {
      lines.push(
        makeLine(
          stack,
          "Public IPv4: Elastic IPs",
          `${count(eips.length, "address", "addresses")} × ${fmt(ctx.hours)} h`,
          eips.map((e) => e.address),
          [usage(ctx, "public-ipv4.hour", "address-hours", eips.length * ctx.hours)],
        ),
      );
    }
    return { lines, notPriced: [] };
  },
};

/** Interface endpoints bill per AZ (subnet) and hour, plus GB processed; gateway endpoints are free. */
export const vpcEndpoints: Rule = {
  types: ["aws_vpc_endpoint"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    let gbCharged = false;
    for (const [stack, endpoints] of byStack(ctx.synth.resources("aws_vpc_endpoint"))) {
      const iface = endpoints.filter((e) => (e.body.vpc_endpoint_type ?? "Gateway") === "Interface");
      const other = endpoints.filter(
        (e) => !["Interface", "Gateway", undefined].includes(e.body.vpc_endpoint_type as string),
      );
      if (other.length > 0) {
        notPriced.push({
          stack,
          type: "aws_vpc_endpoint",
          resources: other.map((e) => e.address),
          reason: `endpoint type ${[...new Set(other.map((e) => String(e.body.vpc_endpoint_type)))].join(", ")}: the table prices Interface endpoints only`,
        });
      }
      if (iface.length === 0) continue;
      const azHours = iface.reduce((n, e) => n + Math.max(1, list(e.body.subnet_ids).length), 0) * ctx.hours;
      const items: Usage[] = [usage(ctx, "vpc-endpoint.interface.az-hour", "endpoint-AZ-hours", azHours)];
      if (!gbCharged) {
        items.push(
          usage(ctx, "vpc-endpoint.interface.gb", "GB processed (assumed)", ctx.assumptions.vpcEndpointGbPerMonth),
        );
        gbCharged = true;
      }
      const services = iface.map((e) =>
        String(e.body.service_name ?? e.name).replace(/^com\.amazonaws\.[a-z0-9-]+\./, ""),
      );
      lines.push(
        makeLine(
          stack,
          "VPC interface endpoints",
          `${count(iface.length, "endpoint")} (${services.join(", ")}) in ${fmt(azHours / ctx.hours / iface.length)} AZs × ${fmt(ctx.hours)} h; ${fmt(ctx.assumptions.vpcEndpointGbPerMonth)} GB processed`,
          iface.map((e) => e.address),
          items,
        ),
      );
    }
    return { lines, notPriced };
  },
};

/** Application load balancers: hours, the assumed LCUs, and the public IPv4 address of each AZ when internet-facing. */
export const loadBalancers: Rule = {
  types: ["aws_lb"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    for (const lb of ctx.synth.resources("aws_lb")) {
      const type = (lb.body.load_balancer_type as string | undefined) ?? "application";
      if (type !== "application") {
        notPriced.push({
          stack: lb.stack,
          type: lb.type,
          resources: [lb.address],
          reason: `load balancer type "${type}": the table prices ALBs only`,
        });
        continue;
      }
      const lcu = ctx.assumptions.albAverageLcu;
      lines.push(
        makeLine(
          lb.stack,
          `ALB ${String(lb.body.name ?? lb.name)}`,
          `1 ALB × ${fmt(ctx.hours)} h; ${fmt(lcu)} LCU average`,
          [lb.address],
          [
            usage(ctx, "alb.hour", "ALB-hours", ctx.hours),
            usage(ctx, "alb.lcu-hour", "LCU-hours (assumed)", lcu * ctx.hours),
          ],
        ),
      );
      if (lb.body.internal !== true) {
        const azs = Math.max(list(lb.body.subnets).length, list(lb.body.subnet_mapping).length);
        lines.push(
          makeLine(
            lb.stack,
            `Public IPv4: ALB ${String(lb.body.name ?? lb.name)}`,
            `${count(azs, "address", "addresses")} (one per AZ, assumed) × ${fmt(ctx.hours)} h`,
            [lb.address],
            [usage(ctx, "public-ipv4.hour", "address-hours", azs * ctx.hours)],
          ),
        );
      }
    }
    return { lines, notPriced };
  },
};

const PAID_RULE_GROUPS = /^AWSManagedRules(BotControl|ATP|ACFP|AntiDDoS)RuleSet$/;

/** WAF web ACLs: the ACL, one charge per rule or rule group, and the requests of the resources it protects. */
export const webAcls: Rule = {
  types: ["aws_wafv2_web_acl"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    const associations = ctx.synth.resources("aws_wafv2_web_acl_association");
    for (const acl of ctx.synth.resources("aws_wafv2_web_acl")) {
      const rules = list(acl.body.rule);
      const paid = rules
        .map((r) => ((r.statement as Block)?.managed_rule_group_statement as Block | undefined)?.name)
        .filter((n): n is string => typeof n === "string" && PAID_RULE_GROUPS.test(n));
      if (paid.length > 0) {
        notPriced.push({
          stack: acl.stack,
          type: acl.type,
          resources: [acl.address],
          reason: `paid managed rule groups ${paid.join(", ")} add subscription and request fees`,
        });
      }
      const associated = associations.some((a) =>
        refsOf(ctx.synth, a.stack, a.body.web_acl_arn).some(
          (r) => r.type === acl.type && r.name === acl.name && r.stack === acl.stack,
        ),
      );
      const requests = associated ? ctx.assumptions.requestsPerMonthMillions : 0;
      lines.push(
        makeLine(
          acl.stack,
          `WAF web ACL ${String(acl.body.name ?? acl.name)}`,
          `1 web ACL, ${count(rules.length, "rule")}; ${fmt(requests)}M requests`,
          [acl.address],
          [
            usage(ctx, "waf.web-acl.month", "web ACL-months", 1),
            usage(ctx, "waf.rule.month", "rule-months", rules.length),
            usage(ctx, "waf.requests.million", "million requests (assumed)", requests),
          ],
        ),
      );
    }
    return { lines, notPriced };
  },
};
