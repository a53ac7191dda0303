import type { IConstruct } from "constructs";

const OMITTED = Symbol.for("fargate-connect.omitFromAddress");

/**
 * Leaves a grouping construct's id out of the Terraform addresses of what it contains: a construct
 * that only composes others (a service's task definition, its autoscaling) does not add a level to
 * `aws_ecs_task_definition.<service>_task`. The stack still refuses two constructs that map to one
 * address.
 */
export function omitFromAddress(construct: IConstruct): void {
  (construct as unknown as Record<symbol, boolean>)[OMITTED] = true;
}

/** True for a construct whose id `omitFromAddress` leaves out. */
export function isOmittedFromAddress(construct: IConstruct): boolean {
  return (construct as unknown as Record<symbol, boolean>)[OMITTED] === true;
}
