import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { cloudWatchLogsPrincipal, KmsKey } from "../modules/kms-key";
import { Vpc } from "../modules/vpc";
import { VpcEndpoints } from "../modules/vpc-endpoints";
import { FcStack } from "./fc-stack";
import { output } from "./outputs";

export interface NetworkStackProps {
  readonly config: EnvConfig;
}

/** What later stacks read from the network stack. */
export interface NetworkAttributes {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  /** AZ of each private subnet, in the order of privateSubnetIds (spreads data-store instances). */
  readonly privateSubnetAzs: string[];
}

/** VPC, subnets, NAT, flow logs and the optional VPC endpoints. */
export class NetworkStack extends FcStack implements NetworkAttributes {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  readonly privateSubnetAzs: string[];

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, { config: props.config });
    const { config } = props;
    const net = config.network;

    const logsKey = new KmsKey(this, "network-logs-key", {
      alias: `${config.namePrefix}-network-logs`,
      description: `VPC flow logs of ${config.namePrefix}`,
    });
    logsKey.grantEncryptDecrypt(cloudWatchLogsPrincipal(this));
    const vpc = new Vpc(this, "vpc", {
      name: config.namePrefix,
      cidr: net.vpcCidr,
      azCount: net.azCount,
      publicSubnetCidrs: net.publicSubnetCidrs,
      privateSubnetCidrs: net.privateSubnetCidrs,
      natMode: net.natMode,
      flowLogKmsKeyArn: logsKey.arn,
      flowLogRetentionDays: net.flowLogRetentionDays,
    });
    this.vpcId = vpc.vpcId;
    this.vpcCidr = vpc.vpcCidr;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.privateSubnetIds = vpc.privateSubnetIds;
    this.privateSubnetAzs = vpc.privateSubnetAzs;

    if (net.vpcEndpoints) {
      const endpoints = new VpcEndpoints(this, "endpoints", {
        name: config.namePrefix,
        region: config.region,
        vpcId: vpc.vpcId,
        vpcCidr: net.vpcCidr,
        subnetIds: vpc.privateSubnetIds,
        routeTableIds: vpc.privateRouteTableIds,
      });
      output(
        this,
        "vpcEndpointsSecurityGroupId",
        endpoints.securityGroup.id,
        "Security group of the interface endpoints",
      );
    }

    output(this, "vpcId", this.vpcId, "ID of the VPC");
    output(this, "vpcCidr", this.vpcCidr, "IPv4 CIDR of the VPC");
    output(this, "publicSubnetIds", this.publicSubnetIds, "Public subnets, one per AZ (ALB, NAT)");
    output(this, "privateSubnetIds", this.privateSubnetIds, "Private subnets, one per AZ (tasks, data)");
    output(this, "privateSubnetAzs", this.privateSubnetAzs, "AZ of each private subnet, in privateSubnetIds order");
    output(
      this,
      "natGatewayIds",
      vpc.natGateways.map((n) => n.id),
      "NAT gateways (none, one, or one per AZ)",
    );
    output(this, "flowLogGroupName", vpc.flowLogGroup.name, "CloudWatch log group of the VPC flow logs");
  }
}
