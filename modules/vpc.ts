import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc as VpcResource } from "@cdktf/provider-aws/lib/vpc";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { cidrContains, parseCidr } from "../config/cidr";
import { AwsContext } from "./aws-context";

export type NatMode = "single" | "per-az" | "none";

export interface VpcProps {
  /** Name prefix for tags and the flow-log group. */
  readonly name: string;
  readonly cidr: string;
  /** One public subnet per AZ, in AZ order; the count sets the number of AZs (2–3). */
  readonly publicSubnetCidrs: readonly string[];
  /** One private subnet per AZ, in AZ order; same count as publicSubnetCidrs. */
  readonly privateSubnetCidrs: readonly string[];
  /**
   * NAT gateways for private egress.
   * @default "single" - one NAT gateway shared by all AZs
   */
  readonly natMode?: NatMode;
  /** KMS key ARN for the flow-log group. */
  readonly flowLogKmsKeyArn: string;
  /**
   * Flow-log retention in days.
   * @default 90
   */
  readonly flowLogRetentionDays?: number;
}

/**
 * A VPC across 2–3 AZs: public subnets behind an internet gateway, private subnets with one
 * route table per AZ (so changing the NAT mode re-points routes instead of replacing tables),
 * flow logs to an encrypted CloudWatch log group, and a default security group with no rules.
 */
export class Vpc extends Construct {
  readonly vpc: VpcResource;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  readonly privateRouteTables: RouteTable[];
  readonly natGateways: NatGateway[];
  readonly flowLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: VpcProps) {
    super(scope, id);
    const natMode = props.natMode ?? "single";
    validateVpcProps(id, props);
    const azCount = props.publicSubnetCidrs.length;

    const azs = new DataAwsAvailabilityZones(this, "azs", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    const az = (i: number) => Fn.element(azs.names, i);

    this.vpc = new VpcResource(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });
    const vpcId = this.vpc.id;

    // Adopting the default SG with no rule blocks removes every rule AWS put there.
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId,
      ingress: [],
      egress: [],
      tags: { Name: `${props.name}-default-deny-all` },
    });

    const igw = new InternetGateway(this, "igw", { vpcId, tags: { Name: props.name } });
    const publicRouteTable = new RouteTable(this, "public-rt", { vpcId, tags: { Name: `${props.name}-public` } });
    new Route(this, "public-default-route", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });

    this.publicSubnets = props.publicSubnetCidrs.map((cidrBlock, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId,
        cidrBlock,
        availabilityZone: az(i),
        // Only the ALB and NAT gateways live here; both get addresses explicitly.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-public-${i}`, "fc:tier": "public" },
      });
      new RouteTableAssociation(this, `public-${i}-rta`, { subnetId: subnet.id, routeTableId: publicRouteTable.id });
      return subnet;
    });

    const natCount = natMode === "none" ? 0 : natMode === "single" ? 1 : azCount;
    this.natGateways = [...Array(natCount).keys()].map((i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: "vpc", tags: { Name: `${props.name}-nat-${i}` } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i]!.id,
        tags: { Name: `${props.name}-nat-${i}` },
        dependsOn: [igw],
      });
    });

    this.privateRouteTables = [];
    this.privateSubnets = props.privateSubnetCidrs.map((cidrBlock, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId,
        cidrBlock,
        availabilityZone: az(i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-private-${i}`, "fc:tier": "private" },
      });
      const routeTable = new RouteTable(this, `private-${i}-rt`, {
        vpcId,
        tags: { Name: `${props.name}-private-${i}` },
      });
      new RouteTableAssociation(this, `private-${i}-rta`, { subnetId: subnet.id, routeTableId: routeTable.id });
      const nat = this.natGateways[Math.min(i, natCount - 1)];
      if (nat) {
        new Route(this, `private-${i}-default-route`, {
          routeTableId: routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nat.id,
        });
      }
      this.privateRouteTables.push(routeTable);
      return subnet;
    });

    this.flowLogGroup = this.createFlowLogs(props, vpcId);
  }

  private createFlowLogs(props: VpcProps, vpcId: string): CloudwatchLogGroup {
    const ctx = AwsContext.of(this);
    const logGroup = new CloudwatchLogGroup(this, "flow-logs", {
      name: `/vpc/${props.name}/flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 90,
      kmsKeyId: props.flowLogKmsKeyArn,
    });
    const assume = new DataAwsIamPolicyDocument(this, "flow-logs-assume", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [ctx.accountId] }],
        },
      ],
    });
    const role = new IamRole(this, "flow-logs-role", {
      name: `${props.name}-vpc-flow-logs`,
      assumeRolePolicy: assume.json,
    });
    const write = new DataAwsIamPolicyDocument(this, "flow-logs-write", {
      statement: [
        {
          sid: "WriteFlowLogs",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [`${logGroup.arn}:*`],
        },
        { sid: "FindLogGroup", actions: ["logs:DescribeLogGroups"], resources: [ctx.arn("logs", "log-group:*")] },
      ],
    });
    new IamRolePolicy(this, "flow-logs-policy", { name: "write-flow-logs", role: role.id, policy: write.json });
    new FlowLog(this, "flow-log", {
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: { Name: props.name },
    });
    return logGroup;
  }
}

function validateVpcProps(id: string, props: VpcProps): void {
  const vpc = parseCidr(props.cidr);
  if (!vpc) throw new Error(`Vpc ${id}: cidr must be an IPv4 CIDR block, got "${props.cidr}"`);
  const azCount = props.publicSubnetCidrs.length;
  if (azCount < 2 || azCount > 3) {
    throw new Error(`Vpc ${id}: publicSubnetCidrs must list 2 or 3 subnets (one per AZ), got ${azCount}`);
  }
  if (props.privateSubnetCidrs.length !== azCount) {
    throw new Error(
      `Vpc ${id}: privateSubnetCidrs must list as many subnets as publicSubnetCidrs (${azCount}), got ${props.privateSubnetCidrs.length}`,
    );
  }
  for (const [name, list] of [
    ["publicSubnetCidrs", props.publicSubnetCidrs],
    ["privateSubnetCidrs", props.privateSubnetCidrs],
  ] as const) {
    list.forEach((text, i) => {
      const sub = parseCidr(text);
      if (!sub || !cidrContains(vpc, sub)) {
        throw new Error(`Vpc ${id}: ${name}[${i}] must be a CIDR block inside ${props.cidr}, got "${text}"`);
      }
    });
  }
}
