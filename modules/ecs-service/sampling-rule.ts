import { XraySamplingRule } from "@cdktn/provider-aws/lib/xray-sampling-rule";
import { Construct } from "constructs";
import { Validator } from "../lib/validate";

export interface TraceSamplingRuleProps {
  /** The name the service reports in its segments (OTEL_SERVICE_NAME); also the rule's name (X-Ray: 1–32 characters). */
  readonly serviceName: string;
  /**
   * Requests per second traced before the rate applies, shared by all the service's tasks.
   * @default 1
   */
  readonly reservoirPerSecond?: number;
  /**
   * Share of further requests traced (0–1).
   * @default 0.05
   */
  readonly fixedRate?: number;
  /**
   * Rule priority (1–9999; lower is evaluated first, X-Ray's Default rule comes last).
   * @default 9000
   */
  readonly priority?: number;
}

/**
 * One X-Ray sampling rule for one service (aws_xray_sampling_rule; the X-Ray SamplingRule API:
 * RuleName up to 32 characters, ServiceName up to 64, Priority 1–9999, FixedRate 0–1). The app's
 * remote sampler reads it through the collector's awsproxy; every other field matches anything.
 */
export class TraceSamplingRule extends Construct {
  readonly rule: XraySamplingRule;

  constructor(scope: Construct, id: string, props: TraceSamplingRuleProps) {
    super(scope, id);
    const reservoir = props.reservoirPerSecond ?? 1;
    const fixedRate = props.fixedRate ?? 0.05;
    const priority = props.priority ?? 9000;
    const v = new Validator(this);
    v.matches(
      "serviceName",
      props.serviceName,
      /^[A-Za-z0-9_.:/%&#=+@-]{1,32}$/,
      "1–32 characters (the X-Ray rule name limit)",
    );
    v.int("reservoirPerSecond", reservoir, { min: 0, max: 100_000 });
    v.check(fixedRate >= 0 && fixedRate <= 1, "fixedRate", fixedRate, "a share from 0 to 1");
    v.int("priority", priority, { min: 1, max: 9999 });
    this.rule = new XraySamplingRule(this, "rule", {
      ruleName: props.serviceName,
      priority,
      version: 1,
      reservoirSize: reservoir,
      fixedRate,
      serviceName: props.serviceName,
      serviceType: "*",
      host: "*",
      httpMethod: "*",
      urlPath: "*",
      resourceArn: "*",
    });
  }
}
