import { AppautoscalingPolicy } from "@cdktn/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktn/provider-aws/lib/appautoscaling-target";
import type { EcsService as EcsServiceResource } from "@cdktn/provider-aws/lib/ecs-service";
import { Construct } from "constructs";
import { omitFromAddress } from "../lib/address";
import { Validator } from "../lib/validate";

/** Requests per task behind the ALB, counted over both blue/green target groups. */
export interface RequestScaling {
  readonly requestsPerTaskPerMinute: number;
  /** ALB ARN suffix (LoadBalancer dimension). */
  readonly albArnSuffix: string;
  /** ARN suffixes of the blue and green target groups (TargetGroup dimension). */
  readonly targetGroupArnSuffixes: readonly [string, string];
}

export interface ServiceAutoscalingProps {
  /** Name of the scaling policies: `<name>-cpu`, `<name>-requests`. */
  readonly name: string;
  readonly clusterName: string;
  /** The ECS service; its name is the scalable target's resource id (so the target waits for it). */
  readonly service: Pick<EcsServiceResource, "name">;
  /** The service's name as config has it (the Container Insights ServiceName dimension). */
  readonly serviceName: string;
  readonly minCount: number;
  readonly maxCount: number;
  /**
   * Average CPU the service is scaled to hold (10–90).
   * @default 60
   */
  readonly cpuTargetPercent?: number;
  /**
   * Seconds after a scale-out before the next one.
   * @default 60
   */
  readonly scaleOutCooldownSec?: number;
  /**
   * Seconds after a scale-in before the next one.
   * @default 300
   */
  readonly scaleInCooldownSec?: number;
  /**
   * Also hold requests per task (load-balanced services).
   * @default - CPU target tracking only
   */
  readonly requests?: RequestScaling;
}

/**
 * Target tracking on the service's desired count (aws-cdk's ScalableTaskCount): average CPU, and
 * optionally requests per task. Autoscaling owns the count after the first deploy.
 */
export class ServiceAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;
  readonly policies: AppautoscalingPolicy[] = [];

  constructor(scope: Construct, id: string, props: ServiceAutoscalingProps) {
    super(scope, id);
    omitFromAddress(this);
    const cpuTargetPercent = props.cpuTargetPercent ?? 60;
    const v = new Validator(this);
    v.int("minCount", props.minCount, { min: 0, max: 1000 });
    v.int("maxCount", props.maxCount, { min: Math.max(1, props.minCount), max: 1000 });
    v.int("cpuTargetPercent", cpuTargetPercent, { min: 10, max: 90 });
    if (props.requests) {
      v.int("requests.requestsPerTaskPerMinute", props.requests.requestsPerTaskPerMinute, { min: 1, max: 100_000 });
    }

    this.target = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.clusterName}/${props.service.name}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    const common = {
      serviceNamespace: this.target.serviceNamespace,
      scalableDimension: this.target.scalableDimension,
      resourceId: this.target.resourceId,
      policyType: "TargetTrackingScaling",
    };
    const cooldowns = {
      scaleInCooldown: props.scaleInCooldownSec ?? 300,
      scaleOutCooldown: props.scaleOutCooldownSec ?? 60,
    };
    this.policies.push(
      new AppautoscalingPolicy(this, "scale-on-cpu", {
        ...common,
        name: `${props.name}-cpu`,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: cpuTargetPercent,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          ...cooldowns,
        },
      }),
    );
    const r = props.requests;
    if (!r) return;
    // ALBRequestCountPerTarget names one target group, but blue/green alternates which group is
    // live: hold requests per task over both groups instead (target tracking with metric math).
    const requests = (qid: string, tg: string) => ({
      id: qid,
      returnData: false,
      metricStat: {
        stat: "Sum",
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName: "RequestCount",
          dimensions: [
            { name: "LoadBalancer", value: r.albArnSuffix },
            { name: "TargetGroup", value: tg },
          ],
        },
      },
    });
    this.policies.push(
      new AppautoscalingPolicy(this, "scale-on-requests", {
        ...common,
        name: `${props.name}-requests`,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: r.requestsPerTaskPerMinute,
          customizedMetricSpecification: {
            metrics: [
              requests("blue", r.targetGroupArnSuffixes[0]),
              requests("green", r.targetGroupArnSuffixes[1]),
              {
                id: "tasks",
                returnData: false,
                metricStat: {
                  stat: "Average",
                  metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                      { name: "ClusterName", value: props.clusterName },
                      { name: "ServiceName", value: props.serviceName },
                    ],
                  },
                },
              },
              {
                id: "per_task",
                expression: "(blue + green) / MAX([tasks, 1])",
                label: "Requests per task",
                returnData: true,
              },
            ],
          },
          ...cooldowns,
        },
      }),
    );
  }
}
