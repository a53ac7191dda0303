import type { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { LbListenerRule } from "@cdktn/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktn/provider-aws/lib/lb-target-group";
import { Construct } from "constructs";
import { Validator } from "../lib/validate";
import { ServiceRole } from "../service-role";
import { metricAlarm } from "../lib/metric-alarm";

/** Fargate Spot gives two minutes' notice: a target must drain well within it. */
export const SPOT_NOTICE_SEC = 120;

export interface BlueGreenTargetsProps {
  /** Prefix of the target group names ("<prefix>-blue", "<prefix>-green"); at most 26 characters. */
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly containerPort: number;
  readonly healthCheckPath: string;
  /** Seconds a deregistered target drains. */
  readonly deregistrationDelaySec: number;
  /** The service places tasks on FARGATE_SPOT, so draining must end inside the Spot notice. */
  readonly usesSpot: boolean;
  /** Production listener (HTTPS, or HTTP without a certificate). */
  readonly productionListenerArn: string;
  /** Test listener: reaches the new revision before it takes production traffic. */
  readonly testListenerArn: string;
  /** Listener rule priority on both listeners (1–50000). */
  readonly priority: number;
  /** ALB ARN suffix ("app/<name>/<id>"), the LoadBalancer metric dimension. */
  readonly albArnSuffix: string;
  readonly alarmTopicArn: string;
  readonly target5xxPerMinute: number;
  readonly p95LatencyMs: number;
}

/**
 * What ECS native blue/green needs behind an ALB: two target groups, a production rule forwarding to
 * both with weights (100/0 at rest), a test rule on the test listener, the infrastructure role ECS
 * uses to move the weights, and per-target-group alarms that roll a bad revision back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 */
export class BlueGreenTargets extends Construct {
  readonly blue: LbTargetGroup;
  readonly green: LbTargetGroup;
  readonly productionRule: LbListenerRule;
  readonly testRule: LbListenerRule;
  /** Role ECS assumes to rewrite the listener rules (AmazonECSInfrastructureRolePolicyForLoadBalancers). */
  readonly infrastructureRole: ServiceRole;
  readonly alarms: CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: BlueGreenTargetsProps) {
    super(scope, id);
    const v = new Validator(this);
    v.matches(
      "namePrefix",
      props.namePrefix,
      /^[A-Za-z0-9][A-Za-z0-9-]{0,25}$/,
      "1–26 of A-Z a-z 0-9 - (target group names cap at 32)",
    );
    v.int("containerPort", props.containerPort, { min: 1, max: 65535 });
    v.int("priority", props.priority, { min: 1, max: 50000 });
    v.int("deregistrationDelaySec", props.deregistrationDelaySec, { min: 0, max: 3600 });
    if (props.usesSpot) {
      v.check(
        props.deregistrationDelaySec < SPOT_NOTICE_SEC,
        "deregistrationDelaySec",
        props.deregistrationDelaySec,
        `below ${SPOT_NOTICE_SEC} s for a service on FARGATE_SPOT (2-minute interruption notice)`,
      );
    }
    v.matches("healthCheckPath", props.healthCheckPath, /^\/[\w./-]*$/, "an absolute path");

    const targetGroup = (color: "blue" | "green") =>
      new LbTargetGroup(this, color, {
        name: `${props.namePrefix}-${color}`,
        targetType: "ip",
        protocol: "HTTP",
        port: props.containerPort,
        vpcId: props.vpcId,
        deregistrationDelay: String(props.deregistrationDelaySec),
        healthCheck: {
          enabled: true,
          path: props.healthCheckPath,
          protocol: "HTTP",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      });
    this.blue = targetGroup("blue");
    this.green = targetGroup("green");

    // ECS rewrites the weights during every deployment (and leaves green at 100 afterwards half the
    // time): Terraform must not fight it, so the action is ignored after creation (docs/DESIGN.md).
    const rule = (ruleId: string, listenerArn: string) =>
      new LbListenerRule(this, ruleId, {
        listenerArn,
        priority: props.priority,
        condition: [{ pathPattern: { values: ["/*"] } }],
        action: [
          {
            type: "forward",
            forward: {
              targetGroup: [
                { arn: this.blue.arn, weight: 100 },
                { arn: this.green.arn, weight: 0 },
              ],
            },
          },
        ],
        lifecycle: { ignoreChanges: ["action"] },
      });
    this.productionRule = rule("production-rule", props.productionListenerArn);
    this.testRule = rule("test-rule", props.testListenerArn);

    this.infrastructureRole = new ServiceRole(this, "infrastructure-role", {
      name: `${props.namePrefix}-ecs-lb`,
      assumedBy: "ecs.amazonaws.com",
      description: "ECS moves listener-rule weights during blue/green deployments",
      trustCondition: "documented-none",
      // AWS's managed policy for exactly this (ELB describe/modify on rules and target groups):
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"],
    });

    this.alarms = [this.blue, this.green].flatMap((tg, i) => {
      const color = i === 0 ? "blue" : "green";
      const dimensions = { TargetGroup: tg.arnSuffix, LoadBalancer: props.albArnSuffix };
      const base = { namespace: "AWS/ApplicationELB", dimensions, topicArn: props.alarmTopicArn };
      return [
        metricAlarm(this, `${color}-5xx`, {
          ...base,
          name: `${props.namePrefix}-${color}-target-5xx`,
          description: `5xx answers from the ${color} targets (rolls a deployment back)`,
          metricName: "HTTPCode_Target_5XX_Count",
          stat: "Sum",
          threshold: props.target5xxPerMinute,
          comparison: "GreaterThanOrEqualToThreshold",
          periods: 2,
        }),
        metricAlarm(this, `${color}-unhealthy`, {
          ...base,
          name: `${props.namePrefix}-${color}-unhealthy-hosts`,
          description: `Unhealthy ${color} targets (rolls a deployment back)`,
          metricName: "UnHealthyHostCount",
          stat: "Maximum",
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold",
          periods: 2,
        }),
        metricAlarm(this, `${color}-p95`, {
          ...base,
          name: `${props.namePrefix}-${color}-p95-latency`,
          description: `p95 response time of the ${color} targets (rolls a deployment back)`,
          metricName: "TargetResponseTime",
          stat: "p95",
          threshold: props.p95LatencyMs / 1000,
          comparison: "GreaterThanThreshold",
          periods: 3,
        }),
      ];
    });
  }
}
