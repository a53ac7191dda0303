import { EcsCluster as EcsClusterResource } from "@cdktn/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktn/provider-aws/lib/ecs-cluster-capacity-providers";
import { ServiceDiscoveryHttpNamespace } from "@cdktn/provider-aws/lib/service-discovery-http-namespace";
import { Construct } from "constructs";
import { Validator } from "./lib/validate";

export interface CapacityProviderStrategy {
  /** Tasks placed on on-demand FARGATE before the weights apply (0–100000). */
  readonly fargateBase: number;
  /** Relative share of FARGATE after the base (0–1000). */
  readonly fargateWeight: number;
  /** Relative share of FARGATE_SPOT after the base (0–1000). */
  readonly fargateSpotWeight: number;
}

export interface EcsClusterProps {
  readonly name: string;
  /** Default placement for services that set no strategy of their own. */
  readonly capacityProviderStrategy: CapacityProviderStrategy;
  /**
   * Container Insights level.
   * @default "enabled"
   */
  readonly containerInsights?: "enabled" | "enhanced";
  /**
   * Cloud Map HTTP namespace used as the cluster's Service Connect default.
   * @default - "<name>.internal"
   */
  readonly namespaceName?: string;
}

/**
 * An ECS cluster with Container Insights, FARGATE + FARGATE_SPOT capacity providers with a default
 * strategy, and a Cloud Map HTTP namespace as its Service Connect default.
 */
export class EcsCluster extends Construct {
  readonly cluster: EcsClusterResource;
  readonly namespace: ServiceDiscoveryHttpNamespace;
  readonly capacityProviders: EcsClusterCapacityProviders;
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly namespaceArn: string;
  readonly namespaceName: string;

  constructor(scope: Construct, id: string, props: EcsClusterProps) {
    super(scope, id);
    const s = props.capacityProviderStrategy;
    const v = new Validator(this);
    v.int("capacityProviderStrategy.fargateBase", s.fargateBase, { min: 0, max: 100000 });
    v.int("capacityProviderStrategy.fargateWeight", s.fargateWeight, { min: 0, max: 1000 });
    v.int("capacityProviderStrategy.fargateSpotWeight", s.fargateSpotWeight, { min: 0, max: 1000 });
    v.check(
      s.fargateWeight + s.fargateSpotWeight > 0,
      "capacityProviderStrategy",
      s,
      "a strategy with fargateWeight or fargateSpotWeight above 0",
    );
    v.oneOf("containerInsights", props.containerInsights ?? "enabled", ["enabled", "enhanced"]);
    const namespaceName = props.namespaceName ?? `${props.name}.internal`;
    v.matches("namespaceName", namespaceName, /^[A-Za-z0-9][A-Za-z0-9._-]{0,1023}$/, "1–1024 of A-Z a-z 0-9 . _ -");

    this.namespace = new ServiceDiscoveryHttpNamespace(this, "namespace", {
      name: namespaceName,
      description: `Service Connect namespace of ECS cluster ${props.name}`,
    });
    this.cluster = new EcsClusterResource(this, "cluster", {
      name: props.name,
      setting: [{ name: "containerInsights", value: props.containerInsights ?? "enabled" }],
      serviceConnectDefaults: { namespace: this.namespace.arn },
    });
    this.capacityProviders = new EcsClusterCapacityProviders(this, "capacity-providers", {
      clusterName: this.cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [
        { capacityProvider: "FARGATE", base: s.fargateBase, weight: s.fargateWeight },
        { capacityProvider: "FARGATE_SPOT", base: 0, weight: s.fargateSpotWeight },
      ],
    });
    this.clusterArn = this.cluster.arn;
    this.clusterName = this.cluster.name;
    this.namespaceArn = this.namespace.arn;
    this.namespaceName = this.namespace.name;
  }
}
