import type { VpcSecurityGroupEgressRule } from "@cdktn/provider-aws/lib/vpc-security-group-egress-rule";
import type { VpcSecurityGroupIngressRule } from "@cdktn/provider-aws/lib/vpc-security-group-ingress-rule";
import type { SecurityGroup } from "../security-group";
import { Validator } from "../lib/validate";

/** Something with a security group that traffic can be allowed to or from. */
export interface IConnectable {
  readonly connections: Connections;
}

/** A peer outside this stack's constructs: just a group id and a stable name for the rule ids. */
export interface SecurityGroupPeer {
  /** Key of the rules that name this peer (lowercase, digits, '-'), e.g. "alb". */
  readonly name: string;
  readonly securityGroupId: string;
}

/** Both rules of one edge: the caller's egress and the target's ingress. */
export interface ConnectionRules {
  readonly egress: VpcSecurityGroupEgressRule;
  readonly ingress: VpcSecurityGroupIngressRule;
}

/**
 * The traffic rules of one service's security group, as aws-cdk's `Connections`: one call writes
 * both sides of an edge, so a rule can never exist on one side only. Rule ids are `app-to-<peer>`
 * (egress) and `app-from-<peer>` (ingress), stable Terraform addresses keyed by the peer's name.
 */
export class Connections {
  constructor(
    /** The service's name: the peer key in the other side's rule ids. */
    readonly name: string,
    readonly securityGroup: SecurityGroup,
  ) {}

  /** Allows TCP `port` from this service to `other` (egress here, ingress there). */
  allowTo(other: IConnectable, port: number, description: string): ConnectionRules {
    const target = other.connections;
    new Validator(this.securityGroup).check(
      target !== this,
      "allowTo",
      target.name,
      "another service (a service reaches itself on loopback)",
    );
    return {
      egress: this.securityGroup.addEgress({
        id: `app-to-${target.name}`,
        description: `Port ${port} to ${target.name} tasks (${description})`,
        peer: { securityGroupId: target.securityGroup.id },
        port,
      }),
      ingress: target.securityGroup.addIngress({
        id: `app-from-${this.name}`,
        description: `Port ${port} from ${this.name} tasks (${description})`,
        peer: { securityGroupId: this.securityGroup.id },
        port,
      }),
    };
  }

  /**
   * Allows TCP `port` into this service from a group outside this stack (the ALB's, whose own
   * egress its stack already allows into the VPC). `description` is the rule's whole description.
   */
  allowFrom(peer: SecurityGroupPeer, port: number, description: string): VpcSecurityGroupIngressRule {
    return this.securityGroup.addIngress({
      id: `app-from-${peer.name}`,
      description,
      peer: { securityGroupId: peer.securityGroupId },
      port,
    });
  }
}
