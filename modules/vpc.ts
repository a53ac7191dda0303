import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktn/provider-aws/lib/data-aws-availability-zones";
import { DataAwsIamPolicyDocument } from "@cdktn/provider-aws/lib/data-aws-iam-policy-document";
import { DefaultSecurityGroup } from "@cdktn/provider-aws/lib/default-security-group";
import { Eip } from "@cdktn/provider-aws/lib/eip";
import { FlowLog } from "@cdktn/provider-aws/lib/flow-log";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktn/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktn/provider-aws/lib/nat-gateway";
import { Route } from "@cdktn/provider-aws/lib/route";
import { RouteTable } from "@cdktn/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktn/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktn/provider-aws/lib/subnet";
import { Vpc as VpcResource } from "@cdktn/provider-aws/lib/vpc";
import { Fn } from "cdktn";
import { Construct } from "constructs";
import { AwsContext } from "./aws-context";
import { LOG_RETENTION_DAYS } from "./lib/log-retention";
import { planSubnets, subnetProblems } from "./lib/subnet-plan";
import { Validator } from "./lib/validate";

export type NatMode = "single" | "per-az" | "none";

export interface VpcProps {
  /** Name prefix for tags and the flow-log group. */
  readonly name: string;
  /** IPv4 range of the VPC (a token is fine: default subnets then become cidrsubnet() expressions). */
  readonly cidr: string;
  /** Availability zones to spread the subnets over: 2 or 3. */
  readonly azCount: number;
  /**
   * One public subnet per AZ, in AZ order.
   * @default - /4-bit blocks 8.. of cidr
   */
  readonly publicSubnetCidrs?: readonly string[];
  /**
   * One private subnet per AZ, in AZ order.
   * @default - /4-bit blocks 0.. of cidr
   */
  readonly privateSubnetCidrs?: readonly string[];
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
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  /** AZ of each private subnet, in the same order as privateSubnetIds. */
  readonly privateSubnetAzs: string[];
  readonly privateRouteTableIds: string[];

  constructor(scope: Construct, id: string, props: VpcProps) {
    super(scope, id);
    const natMode = props.natMode ?? "single";
    const v = new Validator(this);
    v.int("azCount", props.azCount, { min: 2, max: 3 });
    v.oneOf("natMode", natMode, ["single", "per-az", "none"]);
    v.oneOf("flowLogRetentionDays", props.flowLogRetentionDays ?? 90, LOG_RETENTION_DAYS);
    for (const problem of subnetProblems({ ...props, vpcCidr: props.cidr })) {
      const prop = problem.path.map((p, i) => (i === 0 ? p : `[${p}]`)).join("");
      v.check(false, prop === "vpcCidr" ? "cidr" : prop, problem.value, problem.message.replace(/^expected /, ""));
    }
    const azCount = props.azCount;
    const subnets = planSubnets({ ...props, vpcCidr: props.cidr });

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

    this.publicSubnets = subnets.publicSubnetCidrs.map((cidrBlock, i) => {
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
    this.privateSubnets = subnets.privateSubnetCidrs.map((cidrBlock, i) => {
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
    this.vpcId = vpcId;
    this.vpcCidr = this.vpc.cidrBlock;
    this.publicSubnetIds = this.publicSubnets.map((s) => s.id);
    this.privateSubnetIds = this.privateSubnets.map((s) => s.id);
    this.privateSubnetAzs = this.privateSubnets.map((s) => s.availabilityZone);
    this.privateRouteTableIds = this.privateRouteTables.map((t) => t.id);
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
