import { formatCidr, parseCidr, withoutReservedHead } from "./cidr";

/** FIS action parameter values are at most 1024 characters (API CreateExperimentTemplateActionInput). */
export const FIS_PARAMETER_MAX_CHARS = 1024;

/**
 * The `sources` of an aws:ecs:task-network-latency action that delays only traffic to hosts in
 * these subnets: every address an ENI can hold there, comma-separated, no spaces (FIS actions
 * reference). The subnets' reserved first four addresses, among them the VPC's DNS resolver, are
 * left out, and anything outside the subnets (the ALB in the public ones) is untouched.
 * Undefined when a CIDR does not parse or the list outgrows a FIS parameter.
 */
export function hostSources(subnetCidrs: readonly string[]): string | undefined {
  const subnets = subnetCidrs.map((c) => parseCidr(c));
  if (subnets.length === 0 || subnets.some((s) => s === undefined || s.prefix > 28)) return undefined;
  const text = subnets.flatMap((s) => withoutReservedHead(s!).map(formatCidr)).join(",");
  return text.length <= FIS_PARAMETER_MAX_CHARS ? text : undefined;
}
