import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { Construct } from "constructs";
import { AwsContext } from "../aws-context";
import { omitFromAddress } from "../lib/address";
import { Validator } from "../lib/validate";
import { ServiceRole } from "../service-role";
import { FIS_TASK_ROLE_ACTIONS, ssmAgentContainer } from "./sidecars";
import type { ServiceTaskDefinition } from "./task-definition";

export interface ServiceFaultInjectionProps {
  /** The task definition whose app and roles the faults reach. */
  readonly taskDefinition: ServiceTaskDefinition;
  /**
   * The break/fix lab: an SSM parameter holding the failure mode (created as "none", never reset by
   * Terraform), readable by the task role. The app gets its name as FAILURE_MODE_PARAMETER.
   * @default - no lab parameter
   */
  readonly failureModeParameterName?: string;
  /**
   * AWS FIS task actions: enableFaultInjection, pidMode task, the SSM agent sidecar and its roles.
   * Relaxes the read-only-root and non-root rules for that sidecar, so only where config allows.
   * @default false
   */
  readonly fis?: boolean;
  /**
   * Whether ECS Exec is on for the service (FIS task actions need it off).
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
}

/**
 * Opt-in fault injection for one service: the break/fix lab's failure-mode parameter, and what AWS
 * FIS task actions need (https://docs.aws.amazon.com/fis/latest/userguide/ecs-task-actions.html): a
 * managed-instance role SSM attaches to the registered task, the task role's right to register it,
 * the SSM agent sidecar and the task definition's fault-injection flags.
 */
export class ServiceFaultInjection extends Construct {
  readonly failureModeParameter?: SsmParameter;
  /** Role the FIS SSM agent registers the task with (FIS only). */
  readonly managedInstanceRole?: ServiceRole;

  constructor(scope: Construct, id: string, props: ServiceFaultInjectionProps) {
    super(scope, id);
    omitFromAddress(this);
    const td = props.taskDefinition;
    const v = new Validator(this);
    if (props.failureModeParameterName !== undefined) {
      v.matches(
        "failureModeParameterName",
        props.failureModeParameterName,
        /^\/[\w./-]{1,1010}$/,
        "an SSM parameter path",
      );
    }
    if (props.fis) {
      // FIS user guide, ECS task actions: "If you enabled ECS Exec, you must disable it".
      v.check(
        !props.enableExecuteCommand,
        "fis",
        props.fis,
        "off while enableExecuteCommand is on (FIS task actions need ECS Exec disabled)",
      );
    }

    if (props.failureModeParameterName !== undefined) {
      // The lab flips the value (npm run lab); Terraform creates it once and never resets it.
      this.failureModeParameter = new SsmParameter(this, "failure-mode", {
        name: props.failureModeParameterName,
        description: `Break/fix lab failure mode of ${td.family} (none, return_500, slow, connection_leak, cpu_burn)`,
        type: "String",
        value: "none",
        lifecycle: { ignoreChanges: ["value"] },
      });
      td.grantTaskRole({
        sid: "ReadFailureMode",
        actions: ["ssm:GetParameter"],
        resources: [this.failureModeParameter.arn],
      });
    }
    if (!props.fis) return;

    const ctx = AwsContext.of(this);
    const role = new ServiceRole(this, "ssm-managed-instance-role", {
      name: `${td.family}-ssm-mi`,
      assumedBy: "ssm.amazonaws.com",
      description: `SSM managed instance the FIS agent registers each ${td.family} task as`,
      managedPolicyArns: [`arn:${ctx.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`],
    });
    // DeleteActivation has no resource type in the SSM authorization reference; deregistering can be scoped.
    td.record(
      role.addToPrincipalPolicy({ sid: "DeleteOwnActivation", actions: ["ssm:DeleteActivation"], resources: ["*"] }),
    );
    td.record(
      role.addToPrincipalPolicy({
        sid: "DeregisterOwnInstance",
        actions: ["ssm:DeregisterManagedInstance"],
        resources: [ctx.arn("ssm", "managed-instance/*")],
      }),
    );
    // CreateActivation has no resource type; its tags are written with AddTagsToResource on the new activation.
    td.grantTaskRole({ sid: "FisRegisterTask", actions: [...FIS_TASK_ROLE_ACTIONS], resources: ["*"] });
    td.grantTaskRole({
      sid: "FisPassManagedInstanceRole",
      actions: ["iam:PassRole"],
      resources: [role.arn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ssm.amazonaws.com"] }],
    });
    this.managedInstanceRole = role;
    td.addSidecar(
      ssmAgentContainer({ managedInstanceRoleName: role.name, region: ctx.region, logGroupName: td.logGroup.name }),
    );
    td.enableFaultInjection();
  }
}
