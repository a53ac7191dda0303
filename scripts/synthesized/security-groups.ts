import { type Ref, refKey, refsOf } from "./refs";
import type { Block, Synth } from "./synth";
import { list } from "./values";

/** One ingress permission from a peer security group into a security group. */
export interface SgIngress {
  readonly address: string;
  readonly stack: string;
  /** The group that accepts the traffic. */
  readonly group: Ref;
  /** The group the traffic comes from. */
  readonly peer: Ref;
  readonly fromPort: number;
  readonly toPort: number;
}

const sgOf = (synth: Synth, stack: string, value: unknown): Ref | undefined =>
  refsOf(synth, stack, value).find((r) => r.type === "aws_security_group");

/** Every group-to-group ingress of the synth, whichever way it is written (rule resources or inline blocks). */
export function groupIngress(synth: Synth): SgIngress[] {
  const out: SgIngress[] = [];
  const push = (stack: string, address: string, group: Ref | undefined, peer: Ref | undefined, rule: Block) => {
    if (group && peer) {
      out.push({
        address,
        stack,
        group,
        peer,
        fromPort: Number(rule.from_port ?? 0),
        toPort: Number(rule.to_port ?? 0),
      });
    }
  };
  for (const r of synth.resources("aws_vpc_security_group_ingress_rule")) {
    push(
      r.stack,
      r.address,
      sgOf(synth, r.stack, r.body.security_group_id),
      sgOf(synth, r.stack, r.body.referenced_security_group_id),
      r.body,
    );
  }
  for (const r of synth.resources("aws_security_group_rule").filter((x) => x.body.type === "ingress")) {
    push(
      r.stack,
      r.address,
      sgOf(synth, r.stack, r.body.security_group_id),
      sgOf(synth, r.stack, r.body.source_security_group_id),
      r.body,
    );
  }
  for (const r of synth.resources("aws_security_group")) {
    const self: Ref = { stack: r.stack, type: r.type, name: r.name };
    for (const rule of list(r.body.ingress)) {
      for (const peer of refsOf(synth, r.stack, rule.security_groups).filter((x) => x.type === "aws_security_group")) {
        push(r.stack, r.address, self, peer, rule);
      }
    }
  }
  return out.sort((a, b) =>
    `${a.stack}:${a.address}:${refKey(a.peer)}`.localeCompare(`${b.stack}:${b.address}:${refKey(b.peer)}`),
  );
}

/** "6379", or "8000-8100" for a range. */
export const portText = (r: { fromPort: number; toPort: number }): string =>
  r.fromPort === r.toPort ? String(r.fromPort) : `${r.fromPort}-${r.toPort}`;
