import { LbListenerRule } from "@cdktn/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktn/provider-aws/lib/lb-target-group";
import { Construct } from "constructs";
import { Validator } from "../lib/validate";
import { ServiceRole } from "../service-role";

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
  /**
   * Path patterns of both rules (ELB path-pattern condition, up to 3).
   * @default ["/*"] when no hostHeaders are given, else no path condition
   */
  readonly pathPatterns?: readonly string[];
  /**
   * Host headers of both rules (ELB host-header condition, up to 3).
   * @default - any host
   */
  readonly hostHeaders?: readonly string[];
}

/**
 * What ECS native blue/green needs behind an ALB: two target groups, a production rule forwarding to
 * both with weights (100/0 at rest), a test rule on the test listener with the same conditions, and
 * the infrastructure role ECS uses to move the weights (the alarms are DeploymentAlarms').
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 */
export class BlueGreenTargets extends Construct {
  readonly blue: LbTargetGroup;
  readonly green: LbTargetGroup;
  readonly productionRule: LbListenerRule;
  readonly testRule: LbListenerRule;
  /** Role ECS assumes to rewrite the listener rules (AmazonECSInfrastructureRolePolicyForLoadBalancers). */
  readonly infrastructureRole: ServiceRole;

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
    const paths = props.pathPatterns ?? (props.hostHeaders ? [] : ["/*"]);
    const hosts = props.hostHeaders ?? [];
    v.check(paths.length <= 3, "pathPatterns", paths, "at most 3 patterns (ELB condition values)");
    v.check(hosts.length <= 3, "hostHeaders", hosts, "at most 3 host names (ELB condition values)");
    v.check(
      paths.length + hosts.length <= 5,
      "pathPatterns",
      paths,
      "at most 5 values with hostHeaders (ELB rule limit)",
    );
    const condition = [
      ...(paths.length > 0 ? [{ pathPattern: { values: [...paths] } }] : []),
      ...(hosts.length > 0 ? [{ hostHeader: { values: [...hosts] } }] : []),
    ];

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
        condition,
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
  }
}
