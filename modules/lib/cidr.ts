/** IPv4 CIDR arithmetic for config validation and subnet planning (no Terraform round trip). */
export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "10.0.0.0/16"; returns undefined for anything that is not a canonical IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const m = CIDR_RE.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const network = address - (address % 2 ** (32 - prefix));
  // Host bits set ("10.0.0.1/16") are almost always a typo, and AWS rejects them for subnets.
  if (network !== address) return undefined;
  return { network, prefix };
}

export function formatCidr(cidr: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.network / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefix}`;
}

function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.network >= outer.network &&
    inner.network + size(inner) <= outer.network + size(outer)
  );
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + size(b) && b.network < a.network + size(a);
}

/** Terraform's cidrsubnet(): the netNum-th block of `newBits` more prefix bits inside `base`. */
export function cidrSubnet(base: Cidr, newBits: number, netNum: number): Cidr {
  const prefix = base.prefix + newBits;
  if (prefix > 32 || netNum < 0 || netNum >= 2 ** newBits) {
    throw new Error(`cidrSubnet: ${formatCidr(base)} has no block ${netNum} of /${prefix}`);
  }
  return { network: base.network + netNum * 2 ** (32 - prefix), prefix };
}

/**
 * The subnet without its first four addresses, as the fewest CIDR blocks. AWS reserves those four in
 * every subnet (network, router, DNS, future use), so no ENI ever holds them; the VPC's DNS resolver
 * (VPC base + 2) is one of them in the subnet that starts at the VPC's base
 * (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
 */
export function withoutReservedHead(subnet: Cidr): Cidr[] {
  const blocks: Cidr[] = [];
  for (let prefix = 30; prefix > subnet.prefix; prefix--) {
    blocks.push({ network: subnet.network + 2 ** (32 - prefix), prefix });
  }
  return blocks;
}
