import { SecurityGroup as SecurityGroupResource } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Token } from "cdktf";
import { Construct } from "constructs";

/** Where a rule's traffic comes from (ingress) or goes to (egress): exactly one of the two. */
export type Peer = { readonly cidrIpv4: string } | { readonly securityGroupId: string };

export interface SecurityGroupRule {
  /** Required: every rule says why it exists. */
  readonly description: string;
  readonly peer: Peer;
  /** TCP port; omit for all traffic (protocol -1). */
  readonly port?: number;
}

export interface SecurityGroupProps {
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  /**
   * Ingress rules, one aws_vpc_security_group_ingress_rule each.
   * @default - no ingress
   */
  readonly ingress?: readonly SecurityGroupRule[];
  /**
   * Egress rules; AWS's implicit allow-all egress is removed by Terraform.
   * @default - no egress
   */
  readonly egress?: readonly SecurityGroupRule[];
}

/** Rule addresses come from their descriptions, so adding a rule never renumbers the others. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 48);
}

/** A security group whose rules are separate resources, each with a description. */
export class SecurityGroup extends Construct {
  readonly securityGroup: SecurityGroupResource;
  readonly id: string;

  constructor(scope: Construct, id: string, props: SecurityGroupProps) {
    super(scope, id);
    if (props.description.trim() === "") {
      throw new Error(`SecurityGroup ${id}: description must not be empty`);
    }
    this.securityGroup = new SecurityGroupResource(this, "sg", {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.name },
      // Replacement must create the new group first: rules in other groups point at it.
      lifecycle: { createBeforeDestroy: true },
    });
    this.id = this.securityGroup.id;
    props.ingress?.forEach((rule) => this.addIngress(rule));
    props.egress?.forEach((rule) => this.addEgress(rule));
  }

  addIngress(rule: SecurityGroupRule): VpcSecurityGroupIngressRule {
    this.validateRule("ingress", rule);
    return new VpcSecurityGroupIngressRule(this, `ingress-${slug(rule.description)}`, this.ruleConfig(rule));
  }

  addEgress(rule: SecurityGroupRule): VpcSecurityGroupEgressRule {
    this.validateRule("egress", rule);
    return new VpcSecurityGroupEgressRule(this, `egress-${slug(rule.description)}`, this.ruleConfig(rule));
  }

  private validateRule(direction: string, rule: SecurityGroupRule): void {
    const where = `SecurityGroup ${this.node.id} ${direction} rule`;
    if (rule.description.trim() === "") throw new Error(`${where}: description must not be empty`);
    if (
      rule.port !== undefined &&
      !Token.isUnresolved(rule.port) &&
      (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535)
    ) {
      throw new Error(`${where} "${rule.description}": port must be an integer from 1 to 65535, got ${rule.port}`);
    }
  }

  private ruleConfig(rule: SecurityGroupRule) {
    const ports =
      rule.port === undefined ? { ipProtocol: "-1" } : { ipProtocol: "tcp", fromPort: rule.port, toPort: rule.port };
    const peer =
      "cidrIpv4" in rule.peer
        ? { cidrIpv4: rule.peer.cidrIpv4 }
        : { referencedSecurityGroupId: rule.peer.securityGroupId };
    return { securityGroupId: this.securityGroup.id, description: rule.description, ...ports, ...peer };
  }
}
