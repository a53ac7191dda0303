import type { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktn/provider-aws/lib/iam-role-policy-attachment";
import type { Construct } from "constructs";
import type { Validator } from "./validate";

/**
 * Attaches AWS managed policies to a role, one attachment per policy named after it (so adding one
 * never moves another's address). Each ARN must be an AWS managed policy in any partition.
 */
export function attachManagedPolicies(
  scope: Construct,
  v: Validator,
  role: IamRole,
  policyArns: readonly string[],
): IamRolePolicyAttachment[] {
  return policyArns.map((policyArn, i) => {
    v.matches(
      `managedPolicyArns[${i}]`,
      policyArn,
      /^arn:[a-z-]+:iam::aws:policy\/[\w+=,.@/-]+$/,
      "an AWS managed policy ARN",
    );
    const policyName = policyArn.split("/").pop()!;
    return new IamRolePolicyAttachment(scope, `managed-${policyName}`, { role: role.name, policyArn });
  });
}
