import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";

/** A stack output; every output carries a description (terraform-aws-modules convention). */
export function output(scope: Construct, name: string, value: unknown, description: string): TerraformOutput {
  return new TerraformOutput(scope, name, { value, description });
}
