import { SecurityGroup as SecurityGroupResource } from "@cdktn/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktn/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktn/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { Validator } from "./lib/validate";

/** Where a rule's traffic comes from (ingress) or goes to (egress): exactly one of the two. */
export type Peer = { readonly cidrIpv4: string } | { readonly securityGroupId: string };

export interface SecurityGroupRule {
  /**
   * Stable key of the rule (lowercase, digits, '-'): its Terraform address. Rewording the
   * description never replaces the rule; changing the id does.
   */
  readonly id: string;
  /** Required: every rule says why it exists. */
  readonly description: string;
  readonly peer: Peer;
  /** TCP port; omit for all traffic (protocol -1). */
  readonly port?: number;
}

export interface SecurityGroupProps {
  /** Name prefix; AWS appends a unique suffix, so a replacement can exist beside the old group. */
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

const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A security group whose rules are separate resources, each with a description and a stable id. */
export class SecurityGroup extends Construct {
  readonly securityGroup: SecurityGroupResource;
  readonly id: string;

  constructor(scope: Construct, id: string, props: SecurityGroupProps) {
    super(scope, id);
    const v = new Validator(this);
    v.nonEmpty("description", props.description);
    // EC2 limits: name 255 characters, of which name_prefix may use 100 (a 26-character suffix follows).
    v.matches(
      "name",
      props.name,
      /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,99}$/,
      "1–99 characters EC2 allows in a group name",
    );
    v.check(!props.name.toLowerCase().startsWith("sg-"), "name", props.name, 'a name that does not start with "sg-"');

    this.securityGroup = new SecurityGroupResource(this, "sg", {
      // A fixed name would make create_before_destroy fail: EC2 refuses two groups of one name in a VPC.
      namePrefix: `${props.name}-`,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.name },
      // Replacement must create the new group first: rules and ENIs elsewhere point at it.
      lifecycle: { createBeforeDestroy: true },
    });
    this.id = this.securityGroup.id;
    props.ingress?.forEach((rule) => this.addIngress(rule));
    props.egress?.forEach((rule) => this.addEgress(rule));
  }

  addIngress(rule: SecurityGroupRule): VpcSecurityGroupIngressRule {
    this.validateRule("ingress", rule);
    return new VpcSecurityGroupIngressRule(this, `ingress-${rule.id}`, this.ruleConfig(rule));
  }

  addEgress(rule: SecurityGroupRule): VpcSecurityGroupEgressRule {
    this.validateRule("egress", rule);
    return new VpcSecurityGroupEgressRule(this, `egress-${rule.id}`, this.ruleConfig(rule));
  }

  private validateRule(direction: string, rule: SecurityGroupRule): void {
    const v = new Validator(this);
    v.matches(`${direction}.id`, rule.id, RULE_ID, "1–63 of a-z 0-9 - (a stable key, not prose)");
    v.check(
      this.node.tryFindChild(`${direction}-${rule.id}`) === undefined,
      `${direction}.id`,
      rule.id,
      "unique within the group's " + direction + " rules",
    );
    v.nonEmpty(`${direction}[${rule.id}].description`, rule.description);
    if (rule.port !== undefined) v.int(`${direction}[${rule.id}].port`, rule.port, { min: 1, max: 65535 });
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
