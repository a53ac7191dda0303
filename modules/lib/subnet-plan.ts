import { Fn } from "cdktn";
import { cidrContains, cidrSubnet, cidrsOverlap, formatCidr, parseCidr } from "./cidr";
import { isUnresolved } from "./validate";

/** The one place subnet CIDRs are planned and checked (config validation and the Vpc construct both use it). */
export interface SubnetPlanInput {
  readonly vpcCidr: string;
  /** Availability zones, 2 or 3; one public and one private subnet each. */
  readonly azCount: number;
  /** @default - /4-bit blocks 8.. of vpcCidr */
  readonly publicSubnetCidrs?: readonly string[];
  /** @default - /4-bit blocks 0.. of vpcCidr */
  readonly privateSubnetCidrs?: readonly string[];
}

export interface SubnetPlan {
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
}

/** A problem with the subnet input: where (key and index), the value, and what is wrong. */
export interface SubnetProblem {
  readonly path: readonly (string | number)[];
  readonly value: unknown;
  readonly message: string;
}

const NEW_BITS = 4;
const PUBLIC_FIRST_BLOCK = 8;

/** Every problem with the input (empty when it is valid); values known only at apply time are not checked. */
export function subnetProblems(input: SubnetPlanInput): SubnetProblem[] {
  const problems: SubnetProblem[] = [];
  if (isUnresolved(input.vpcCidr)) return problems;
  const vpc = parseCidr(input.vpcCidr);
  if (!vpc) {
    return [{ path: ["vpcCidr"], value: input.vpcCidr, message: "expected an IPv4 CIDR block with no host bits set" }];
  }
  if (!input.publicSubnetCidrs && !input.privateSubnetCidrs && vpc.prefix + NEW_BITS > 28) {
    problems.push({
      path: ["vpcCidr"],
      value: input.vpcCidr,
      message: `default subnets are /${vpc.prefix + NEW_BITS}; AWS subnets are /16 to /28: list subnet CIDRs`,
    });
  }
  const seen: { path: (string | number)[]; text: string }[] = [];
  for (const key of ["publicSubnetCidrs", "privateSubnetCidrs"] as const) {
    const list = input[key];
    if (!list || isUnresolved(list)) continue;
    if (list.length !== input.azCount) {
      problems.push({ path: [key], value: list, message: `expected exactly azCount (${input.azCount}) subnet CIDRs` });
    }
    list.forEach((text, i) => {
      const sub = parseCidr(text);
      if (!sub) {
        problems.push({ path: [key, i], value: text, message: "expected an IPv4 CIDR block with no host bits set" });
        return;
      }
      if (!cidrContains(vpc, sub)) {
        problems.push({ path: [key, i], value: text, message: `expected a block inside vpcCidr ${input.vpcCidr}` });
      }
      if (sub.prefix > 28) problems.push({ path: [key, i], value: text, message: "AWS subnets are /16 to /28" });
      const clash = seen.find((s) => cidrsOverlap(parseCidr(s.text)!, sub));
      if (clash) {
        problems.push({
          path: [key, i],
          value: text,
          message: `overlaps ${clash.path.join(".")} (${clash.text}); subnet CIDRs must be disjoint`,
        });
      }
      seen.push({ path: [key, i], text });
    });
  }
  return problems;
}

/**
 * The subnets to create: the listed ones, or /4-bit blocks of the VPC (private 0.., public 8..).
 * With a VPC CIDR known only at apply time, the defaults become Terraform cidrsubnet() expressions.
 */
export function planSubnets(input: SubnetPlanInput): SubnetPlan {
  const azs = [...Array(input.azCount).keys()];
  const block = (i: number): string => {
    if (isUnresolved(input.vpcCidr)) return Fn.cidrsubnet(input.vpcCidr, NEW_BITS, i);
    return formatCidr(cidrSubnet(parseCidr(input.vpcCidr)!, NEW_BITS, i));
  };
  return {
    privateSubnetCidrs: input.privateSubnetCidrs ?? azs.map((i) => block(i)),
    publicSubnetCidrs: input.publicSubnetCidrs ?? azs.map((i) => block(PUBLIC_FIRST_BLOCK + i)),
  };
}
