import type { Construct } from "constructs";
import type { EnvConfig } from "../config";
import { AlarmTopic } from "../modules/alarm-topic";
import { EcsCluster } from "../modules/ecs-cluster";
import { KmsKey } from "../modules/kms-key";
import { SecurityGroup } from "../modules/security-group";
import { FcStack } from "./fc-stack";
import type { NetworkStack } from "./network";
import { output } from "./outputs";

export interface PlatformStackProps {
  readonly config: EnvConfig;
  readonly network: NetworkStack;
}

/**
 * Shared runtime: ECS cluster with FARGATE/FARGATE_SPOT and the Service Connect namespace, the
 * platform KMS key, the alarm topic and the security group every service task joins.
 * The ALB and the log pipeline land here too (later issues).
 */
export class PlatformStack extends FcStack {
  readonly kmsKey: KmsKey;
  readonly ecs: EcsCluster;
  readonly alarms: AlarmTopic;
  readonly servicesSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, { config: props.config });
    const { config, network } = props;

    this.kmsKey = new KmsKey(this, "platform-key", {
      alias: `${config.namePrefix}-platform`,
      description: `Logs, alarms and data of ${config.namePrefix}`,
      allowCloudWatchLogs: true,
      // CloudWatch alarms publish to the encrypted alarm topic.
      servicePrincipals: ["cloudwatch.amazonaws.com"],
    });
    this.ecs = new EcsCluster(this, "ecs", {
      name: config.namePrefix,
      containerInsights: config.platform.containerInsights,
      capacityProviderStrategy: config.platform.capacityProviderStrategy,
      namespaceName: `${config.namePrefix}.internal`,
    });
    this.alarms = new AlarmTopic(this, "alarms", {
      name: `${config.namePrefix}-alarms`,
      kmsKeyArn: this.kmsKey.arn,
      email: config.platform.alarmEmail,
    });
    // Data stores admit this group only; the ALB and Service Connect add their ingress rules to it.
    this.servicesSecurityGroup = new SecurityGroup(this, "services-sg", {
      name: `${config.namePrefix}-services`,
      description: "ECS service tasks",
      vpcId: network.vpc.vpc.id,
      egress: [
        { description: "HTTPS to AWS APIs and ECR", peer: { cidrIpv4: "0.0.0.0/0" }, port: 443 },
        { description: "Anything inside the VPC", peer: { cidrIpv4: config.network.vpcCidr } },
      ],
    });

    output(this, "clusterName", this.ecs.cluster.name, "ECS cluster name");
    output(this, "clusterArn", this.ecs.cluster.arn, "ECS cluster ARN");
    output(
      this,
      "capacityProviders",
      this.ecs.capacityProviders.capacityProviders,
      "Capacity providers of the cluster",
    );
    output(
      this,
      "serviceConnectNamespaceArn",
      this.ecs.namespace.arn,
      "Cloud Map HTTP namespace (Service Connect default)",
    );
    output(this, "serviceConnectNamespaceName", this.ecs.namespace.name, "Name of the Service Connect namespace");
    output(this, "platformKmsKeyArn", this.kmsKey.arn, "KMS key for logs, alarms and data");
    output(this, "alarmTopicArn", this.alarms.topic.arn, "SNS topic every alarm notifies");
    output(this, "servicesSecurityGroupId", this.servicesSecurityGroup.id, "Security group of the service tasks");
  }
}
