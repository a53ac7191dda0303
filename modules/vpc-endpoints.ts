import { VpcEndpoint } from "@cdktn/provider-aws/lib/vpc-endpoint";
import { Construct } from "constructs";
import { Validator } from "./lib/validate";
import { SecurityGroup } from "./security-group";

/** Interface endpoints a private Fargate task needs to start and log without a NAT gateway. */
export const DEFAULT_INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"] as const;

export interface VpcEndpointsProps {
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Subnets for the interface endpoints' network interfaces (one per AZ). */
  readonly subnetIds: readonly string[];
  /** Route tables that get the S3 gateway endpoint route (ECR image layers come from S3). */
  readonly routeTableIds: readonly string[];
  /**
   * Interface endpoint services, short form ("ecr.api").
   * @default DEFAULT_INTERFACE_ENDPOINTS
   */
  readonly interfaceServices?: readonly string[];
}

/** The S3 gateway endpoint plus private-DNS interface endpoints, reachable on 443 from the VPC only. */
export class VpcEndpoints extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly s3Gateway: VpcEndpoint;
  readonly interfaceEndpoints: Record<string, VpcEndpoint>;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    const services = props.interfaceServices ?? DEFAULT_INTERFACE_ENDPOINTS;
    const v = new Validator(this);
    services.forEach((service, i) =>
      v.matches(
        `interfaceServices[${i}]`,
        service,
        /^[a-z0-9-]+(\.[a-z0-9-]+)*$/,
        'a short service name like "ecr.api"',
      ),
    );
    v.check(props.subnetIds.length > 0, "subnetIds", props.subnetIds, "at least one subnet");

    this.securityGroup = new SecurityGroup(this, "endpoints-sg", {
      name: `${props.name}-vpc-endpoints`,
      description: "VPC interface endpoints: HTTPS from inside the VPC",
      vpcId: props.vpcId,
      ingress: [
        { id: "https-from-vpc", description: "HTTPS from the VPC", peer: { cidrIpv4: props.vpcCidr }, port: 443 },
      ],
    });

    this.s3Gateway = new VpcEndpoint(this, "s3", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...props.routeTableIds],
      tags: { Name: `${props.name}-s3` },
    });

    this.interfaceEndpoints = {};
    for (const service of services) {
      this.interfaceEndpoints[service] = new VpcEndpoint(this, service.replace(/\./g, "-"), {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: [...props.subnetIds],
        securityGroupIds: [this.securityGroup.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }
  }
}
