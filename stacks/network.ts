import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { KmsKey } from "../modules/kms-key";
import { Vpc } from "../modules/vpc";
import { VpcEndpoints } from "../modules/vpc-endpoints";
import { FcStack } from "./fc-stack";
import { output } from "./outputs";

/** VPC, subnets, NAT, flow logs and the optional VPC endpoints. */
export class NetworkStack extends FcStack {
  readonly vpc: Vpc;
  readonly logsKey: KmsKey;
  readonly endpoints?: VpcEndpoints;

  constructor(scope: Construct, id: string, config: EnvConfig) {
    super(scope, id, { config });
    const net = config.network;

    this.logsKey = new KmsKey(this, "network-logs-key", {
      alias: `${config.namePrefix}-network-logs`,
      description: `VPC flow logs of ${config.namePrefix}`,
      allowCloudWatchLogs: true,
    });
    this.vpc = new Vpc(this, "vpc", {
      name: config.namePrefix,
      cidr: net.vpcCidr,
      publicSubnetCidrs: config.subnets.publicSubnetCidrs,
      privateSubnetCidrs: config.subnets.privateSubnetCidrs,
      natMode: net.natMode,
      flowLogKmsKeyArn: this.logsKey.arn,
      flowLogRetentionDays: net.flowLogRetentionDays,
    });
    if (net.vpcEndpoints) {
      this.endpoints = new VpcEndpoints(this, "endpoints", {
        name: config.namePrefix,
        region: config.region,
        vpcId: this.vpc.vpc.id,
        vpcCidr: net.vpcCidr,
        subnetIds: this.vpc.privateSubnets.map((s) => s.id),
        routeTableIds: this.vpc.privateRouteTables.map((t) => t.id),
      });
      output(
        this,
        "vpcEndpointsSecurityGroupId",
        this.endpoints.securityGroup.id,
        "Security group of the interface endpoints",
      );
    }

    output(this, "vpcId", this.vpc.vpc.id, "ID of the VPC");
    output(this, "vpcCidr", this.vpc.vpc.cidrBlock, "IPv4 CIDR of the VPC");
    output(
      this,
      "publicSubnetIds",
      this.vpc.publicSubnets.map((s) => s.id),
      "Public subnets, one per AZ (ALB, NAT)",
    );
    output(
      this,
      "privateSubnetIds",
      this.vpc.privateSubnets.map((s) => s.id),
      "Private subnets, one per AZ (tasks, data)",
    );
    output(
      this,
      "natGatewayIds",
      this.vpc.natGateways.map((n) => n.id),
      "NAT gateways (none, one, or one per AZ)",
    );
    output(this, "flowLogGroupName", this.vpc.flowLogGroup.name, "CloudWatch log group of the VPC flow logs");
  }
}
