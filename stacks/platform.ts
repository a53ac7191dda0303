import type { Construct } from "constructs";
import { baseConfigShape } from "../apps/shared/src/config";
import type { EnvConfig } from "../config";
import { AlarmTopic } from "../modules/alarm-topic";
import { AwsContext } from "../modules/aws-context";
import { ContainerRepository } from "../modules/container-repository";
import { EcsCluster } from "../modules/ecs-cluster";
import { cloudWatchLogsPrincipal, KmsKey } from "../modules/kms-key";
import { LoadBalancer } from "../modules/load-balancer";
import { LogPipeline, type LogPipelineAttributes } from "../modules/log-pipeline";
import { PublicDomain } from "../modules/public-domain";
import { WebAcl } from "../modules/web-acl";
import { FcStack } from "./fc-stack";
import type { NetworkAttributes } from "./network";
import { output } from "./outputs";

/** The apps' JSON body limit (BODY_LIMIT_BYTES default), read from their schema so the WAF cannot drift from it. */
export const APP_BODY_LIMIT_BYTES: number = baseConfigShape.BODY_LIMIT_BYTES.parse(undefined);

export interface PlatformStackProps {
  readonly config: EnvConfig;
  readonly network: NetworkAttributes;
}

/** What later stacks read from the platform stack. */
export interface PlatformAttributes {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly namespaceArn: string;
  readonly namespaceName: string;
  /** The platform key; later stacks grant their roles on it (identity policies, never this key's policy). */
  readonly kmsKey: KmsKey;
  readonly alarmTopicArn: string;
  /** FireLens → Firehose → S3; services point their log routers at the stream and get grantPutRecords. */
  readonly logPipeline: LogPipelineAttributes;
  /** The public ALB; absent when config has no platform.loadBalancer (every service is internal). */
  readonly loadBalancer?: LoadBalancerAttributes;
  /** ECR repository of each service this project builds (config `app`), by service name. */
  readonly repositories: Readonly<Record<string, RepositoryAttributes>>;
  /** The FireLens router image (fluent-bit/): pushed here like the apps', pulled by every task. */
  readonly logRouterRepository: RepositoryAttributes;
}

export interface RepositoryAttributes {
  readonly url: string;
  readonly arn: string;
}

/** What services read of the ALB. */
export interface LoadBalancerAttributes {
  /** The ALB's own group; a public service's group admits its port from this one. */
  readonly securityGroupId: string;
  /** HTTPS :443 with a certificate, else HTTP :80 (dev); default 404, services add rules. */
  readonly productionListenerArn: string;
  /** Blue/green test listener (own port, same protocol rule); default 404. */
  readonly testListenerArn: string;
  /** For CloudWatch metrics and the ALBRequestCountPerTarget resource label. */
  readonly arnSuffix: string;
  readonly dnsName: string;
  readonly zoneId: string;
  /** https://<domain> with a domain, https://<alb dns> with only a certificate, else http://<alb dns>. */
  readonly publicUrl: string;
}

/** The image the platform builds for its FireLens router (fluent-bit/); its ECR repository's name. */
export const LOG_ROUTER_IMAGE = "log-router";

/** Output key of a service's ECR repository URL, e.g. "ordersApiRepositoryUrl" (services:catalog reads it). */
export function repositoryUrlOutput(service: string): string {
  return `${camelCase(service)}RepositoryUrl`;
}
/** Output key of the log router's ECR repository URL. */
export const LOG_ROUTER_REPOSITORY_OUTPUT = "logRouterRepositoryUrl";
/** Output key of the cluster name. */
export const CLUSTER_NAME_OUTPUT = "clusterName";

/** "orders-api" → "ordersApi" (output names). */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Shared runtime: ECS cluster with FARGATE/FARGATE_SPOT and the Service Connect namespace, the
 * platform KMS key, the alarm topic, the log pipeline (Firehose → S3) and the edge (ALB, WAF, ECR,
 * optional domain). The only security group here is the ALB's: each service has its own (services
 * stack), admits the ALB's group, and joins the data stores' client groups (data stack), so no later
 * stack ever writes rules into this one.
 */
export class PlatformStack extends FcStack implements PlatformAttributes {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly namespaceArn: string;
  readonly namespaceName: string;
  readonly kmsKey: KmsKey;
  readonly alarmTopicArn: string;
  readonly logPipeline: LogPipelineAttributes;
  readonly loadBalancer?: LoadBalancerAttributes;
  readonly repositories: Readonly<Record<string, RepositoryAttributes>>;
  readonly logRouterRepository: RepositoryAttributes;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, { config: props.config });
    const { config } = props;

    this.kmsKey = new KmsKey(this, "platform-key", {
      alias: `${config.namePrefix}-platform`,
      description: `Logs, alarms and data of ${config.namePrefix}`,
    });
    this.kmsKey.grantEncryptDecrypt(cloudWatchLogsPrincipal(this));
    const ecs = new EcsCluster(this, "ecs", {
      name: config.namePrefix,
      containerInsights: config.platform.containerInsights,
      capacityProviderStrategy: config.platform.capacityProviderStrategy,
      namespaceName: `${config.namePrefix}.internal`,
    });
    const alarms = new AlarmTopic(this, "alarms", {
      name: `${config.namePrefix}-alarms`,
      kmsKey: this.kmsKey,
      email: config.platform.alarmEmail,
    });
    this.clusterArn = ecs.clusterArn;
    this.clusterName = ecs.clusterName;
    this.namespaceArn = ecs.namespaceArn;
    this.namespaceName = ecs.namespaceName;
    this.alarmTopicArn = alarms.topicArn;

    // --- log pipeline (FireLens → Firehose → S3) ---
    const logs = new LogPipeline(this, "log-pipeline", {
      name: `${config.namePrefix}-logs`,
      // Bucket names are global: the account id keeps each account's copy of an environment apart.
      bucketName: `${config.namePrefix}-logs-${config.accountId ?? AwsContext.of(this).accountId}`,
      kmsKey: this.kmsKey,
      alarmTopicArn: this.alarmTopicArn,
      bufferSizeMiB: config.logs.bufferSizeMiB,
      bufferIntervalSec: config.logs.bufferIntervalSec,
      lifecycle: {
        transitionToIaDays: config.logs.transitionToIaDays,
        transitionToGlacierDays: config.logs.transitionToGlacierDays,
        expirationDays: config.logs.expirationDays,
      },
      freshnessAlarmSec: config.logs.freshnessAlarmSec,
      logRetentionDays: config.logRetentionDays,
      preventDestroy: config.deletionProtection,
    });
    this.logPipeline = logs;
    output(this, "logDeliveryStreamName", logs.deliveryStreamName, "Firehose stream the log routers write to");
    output(this, "logDeliveryStreamArn", logs.deliveryStreamArn, "ARN of the log delivery stream");
    output(this, "logsBucketName", logs.bucket.bucketName, "S3 bucket of the delivered logs (service/date prefixes)");
    // --- end log pipeline ---

    output(this, CLUSTER_NAME_OUTPUT, this.clusterName, "ECS cluster name");
    output(this, "clusterArn", this.clusterArn, "ECS cluster ARN");
    output(this, "capacityProviders", ecs.capacityProviders.capacityProviders, "Capacity providers of the cluster");
    output(this, "serviceConnectNamespaceArn", this.namespaceArn, "Cloud Map HTTP namespace (Service Connect default)");
    output(this, "serviceConnectNamespaceName", this.namespaceName, "Name of the Service Connect namespace");
    output(this, "platformKmsKeyArn", this.kmsKey.arn, "KMS key for logs, alarms and data");
    output(this, "alarmTopicArn", this.alarmTopicArn, "SNS topic every alarm notifies");

    // --- edge: ECR, and the ALB with WAF and an optional domain ---
    // ECR lives here, not with the services: images must be pushed before the first service deploy.
    const built = Object.keys(config.services).filter((name) => config.services[name]!.app !== undefined);
    const repository = (image: string) => {
      const repo = new ContainerRepository(this, `ecr-${image}`, {
        name: `${config.namePrefix}/${image}`,
        kmsKeyArn: this.kmsKey.arn,
        keepLastImages: config.platform.ecr.keepLastImages,
      });
      return { url: repo.repositoryUrl, arn: repo.repositoryArn };
    };
    this.repositories = Object.fromEntries(built.map((name) => [name, repository(name)]));
    this.logRouterRepository = repository(LOG_ROUTER_IMAGE);
    for (const name of built) {
      output(
        this,
        repositoryUrlOutput(name),
        this.repositories[name]!.url,
        `ECR repository of ${name} (push images here)`,
      );
      output(this, `${camelCase(name)}RepositoryArn`, this.repositories[name]!.arn, `ECR repository ARN of ${name}`);
    }
    output(
      this,
      LOG_ROUTER_REPOSITORY_OUTPUT,
      this.logRouterRepository.url,
      "ECR repository of the FireLens router image",
    );
    this.loadBalancer = this.createEdge(config, props.network);
  }

  /** The ALB, its WAF and the optional domain; publicly exposed services hang their rules on it. */
  private createEdge(config: EnvConfig, network: NetworkAttributes): LoadBalancerAttributes | undefined {
    const edge = config.platform;
    if (!edge.loadBalancer || !edge.waf) return undefined;
    const publicPorts = Object.values(config.services).flatMap((s) => (s.exposure === "public" ? [s.port] : []));
    const domain = edge.domain ? new PublicDomain(this, "domain", edge.domain) : undefined;
    const alb = new LoadBalancer(this, "alb", {
      name: config.namePrefix,
      region: config.region,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.publicSubnetIds,
      ingressCidrs: edge.loadBalancer.ingressCidrs,
      testListenerPort: edge.loadBalancer.testListenerPort,
      testCidrs: edge.loadBalancer.testCidrs,
      targetPorts: [...new Set(publicPorts)].sort((a, b) => a - b),
      certificateArn: domain?.certificateArn ?? edge.loadBalancer.certificateArn,
      idleTimeoutSec: edge.loadBalancer.idleTimeoutSec,
      deletionProtection: config.deletionProtection,
    });
    domain?.aliasTo(alb);
    new WebAcl(this, "waf", {
      name: config.namePrefix,
      resourceArn: alb.arn,
      mode: edge.waf.mode,
      rateLimitRequests: edge.waf.rateLimitRequests,
      rateLimitWindowSec: edge.waf.rateLimitWindowSec,
      maxBodyBytes: APP_BODY_LIMIT_BYTES,
      logRetentionDays: config.logRetentionDays,
      logKmsKeyArn: this.kmsKey.arn,
    });
    const attrs: LoadBalancerAttributes = {
      securityGroupId: alb.securityGroup.id,
      productionListenerArn: alb.productionListener.arn,
      testListenerArn: alb.testListener.arn,
      arnSuffix: alb.arnSuffix,
      dnsName: alb.dnsName,
      zoneId: alb.zoneId,
      publicUrl: domain ? `https://${domain.name}` : `${alb.protocol === "HTTPS" ? "https" : "http"}://${alb.dnsName}`,
    };
    output(
      this,
      "albSecurityGroupId",
      attrs.securityGroupId,
      "Security group of the ALB (services admit their port from it)",
    );
    output(
      this,
      "productionListenerArn",
      attrs.productionListenerArn,
      "Production listener (HTTPS with a certificate, else HTTP)",
    );
    output(this, "testListenerArn", attrs.testListenerArn, "Blue/green test listener");
    output(this, "albArnSuffix", attrs.arnSuffix, "ALB ARN suffix (CloudWatch LoadBalancer dimension)");
    output(this, "albDnsName", attrs.dnsName, "DNS name of the ALB");
    output(this, "albZoneId", attrs.zoneId, "Canonical hosted zone of the ALB (alias records)");
    output(this, "albAccessLogBucket", alb.accessLogs.bucketName, "S3 bucket of the ALB access logs (SSE-S3)");
    output(this, "publicUrl", attrs.publicUrl, "URL clients use to reach the services");
    return attrs;
  }
}
