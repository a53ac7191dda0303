import type { Construct } from "constructs";
import { baseConfigShape } from "../apps/shared/src/config";
import type { EnvConfig } from "../config";
import { APP_PORT } from "../config/schema";
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
  // --- edge (issue 8) ---
  /** The ALB's own group; a service's group admits its port from this one. */
  readonly albSecurityGroupId: string;
  /** HTTPS :443 with a certificate, else HTTP :80 (dev); default 404, services add rules. */
  readonly productionListenerArn: string;
  /** Blue/green test listener (own port, same protocol rule); default 404. */
  readonly testListenerArn: string;
  /** For CloudWatch metrics and the ALBRequestCountPerTarget resource label. */
  readonly albArnSuffix: string;
  readonly albDnsName: string;
  readonly albZoneId: string;
  readonly repositoryUrls: Readonly<Record<AppName, string>>;
  readonly repositoryArns: Readonly<Record<AppName, string>>;
  /** The FireLens router image (fluent-bit/): pushed here like the apps', pulled by every task. */
  readonly logRouterRepositoryUrl: string;
  readonly logRouterRepositoryArn: string;
  /** https://<domain> with a domain, https://<alb dns> with only a certificate, else http://<alb dns>. */
  readonly publicUrl: string;
}

/** The apps that get an ECR repository (one each). */
export const APP_NAMES = ["caller", "responder"] as const;
export type AppName = (typeof APP_NAMES)[number];
/** Images of sidecars we build ourselves (fluent-bit/), one repository each, like the apps'. */
export const SIDECAR_IMAGE_NAMES = ["log-router"] as const;
export type SidecarImageName = (typeof SIDECAR_IMAGE_NAMES)[number];

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
  readonly albSecurityGroupId: string;
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  readonly albArnSuffix: string;
  readonly albDnsName: string;
  readonly albZoneId: string;
  readonly repositoryUrls: Readonly<Record<AppName, string>>;
  readonly repositoryArns: Readonly<Record<AppName, string>>;
  readonly logRouterRepositoryUrl: string;
  readonly logRouterRepositoryArn: string;
  readonly publicUrl: string;

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

    output(this, "clusterName", this.clusterName, "ECS cluster name");
    output(this, "clusterArn", this.clusterArn, "ECS cluster ARN");
    output(this, "capacityProviders", ecs.capacityProviders.capacityProviders, "Capacity providers of the cluster");
    output(this, "serviceConnectNamespaceArn", this.namespaceArn, "Cloud Map HTTP namespace (Service Connect default)");
    output(this, "serviceConnectNamespaceName", this.namespaceName, "Name of the Service Connect namespace");
    output(this, "platformKmsKeyArn", this.kmsKey.arn, "KMS key for logs, alarms and data");
    output(this, "alarmTopicArn", this.alarmTopicArn, "SNS topic every alarm notifies");

    // --- edge: ALB, WAF, ECR, optional domain (issue 8) ---
    const edge = config.platform;
    // ECR lives here, not with the services: images must be pushed before the first service deploy.
    const repositories = Object.fromEntries(
      [...APP_NAMES, ...SIDECAR_IMAGE_NAMES].map((app) => [
        app,
        new ContainerRepository(this, `ecr-${app}`, {
          name: `${config.namePrefix}/${app}`,
          kmsKeyArn: this.kmsKey.arn,
          keepLastImages: edge.ecr.keepLastImages,
        }),
      ]),
    ) as Record<AppName | SidecarImageName, ContainerRepository>;
    const domain = edge.domain ? new PublicDomain(this, "domain", edge.domain) : undefined;
    const alb = new LoadBalancer(this, "alb", {
      name: config.namePrefix,
      region: config.region,
      vpcId: props.network.vpcId,
      vpcCidr: props.network.vpcCidr,
      subnetIds: props.network.publicSubnetIds,
      ingressCidrs: edge.loadBalancer.ingressCidrs,
      testListenerPort: edge.loadBalancer.testListenerPort,
      testCidrs: edge.loadBalancer.testCidrs,
      targetPorts: [APP_PORT],
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

    this.albSecurityGroupId = alb.securityGroup.id;
    this.productionListenerArn = alb.productionListener.arn;
    this.testListenerArn = alb.testListener.arn;
    this.albArnSuffix = alb.arnSuffix;
    this.albDnsName = alb.dnsName;
    this.albZoneId = alb.zoneId;
    this.repositoryUrls = {
      caller: repositories.caller.repositoryUrl,
      responder: repositories.responder.repositoryUrl,
    };
    this.repositoryArns = {
      caller: repositories.caller.repositoryArn,
      responder: repositories.responder.repositoryArn,
    };
    this.logRouterRepositoryUrl = repositories["log-router"].repositoryUrl;
    this.logRouterRepositoryArn = repositories["log-router"].repositoryArn;
    this.publicUrl = domain
      ? `https://${domain.name}`
      : `${alb.protocol === "HTTPS" ? "https" : "http"}://${alb.dnsName}`;

    output(
      this,
      "albSecurityGroupId",
      this.albSecurityGroupId,
      "Security group of the ALB (services admit their port from it)",
    );
    output(
      this,
      "productionListenerArn",
      this.productionListenerArn,
      "Production listener (HTTPS with a certificate, else HTTP)",
    );
    output(this, "testListenerArn", this.testListenerArn, "Blue/green test listener");
    output(this, "albArnSuffix", this.albArnSuffix, "ALB ARN suffix (CloudWatch LoadBalancer dimension)");
    output(this, "albDnsName", this.albDnsName, "DNS name of the ALB");
    output(this, "albZoneId", this.albZoneId, "Canonical hosted zone of the ALB (alias records)");
    output(this, "albAccessLogBucket", alb.accessLogs.bucketName, "S3 bucket of the ALB access logs (SSE-S3)");
    for (const app of APP_NAMES) {
      output(this, `${app}RepositoryUrl`, this.repositoryUrls[app], `ECR repository of ${app} (push images here)`);
      output(this, `${app}RepositoryArn`, this.repositoryArns[app], `ECR repository ARN of ${app}`);
    }
    output(this, "logRouterRepositoryUrl", this.logRouterRepositoryUrl, "ECR repository of the FireLens router image");
    output(this, "publicUrl", this.publicUrl, "URL clients use to reach the services");
  }
}
