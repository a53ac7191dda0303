import { TerraformResource, TerraformStack } from "cdktn";

/** A resource whose Terraform address changed: the state entry moves instead of the resource being replaced. */
export interface Move {
  /** The old address, e.g. "aws_ecs_service.orders_service". */
  readonly from: string;
  /** The new address; a resource of the same type in the same stack. */
  readonly to: string;
}

/**
 * Every address that changed after environments were deployed, by stack name. Each becomes a
 * `moved` block (Terraform ≥ 1.1), so `terraform plan` shows a move, not a destroy and a create.
 * Keep an entry while any environment's state may still hold the old address. Addresses come from
 * construct paths (FcStack.allocateLogicalId): renaming a construct id, or a service in config,
 * changes them.
 */
export const MOVES: Readonly<Record<string, readonly Move[]>> = {};

/** The stack's resources by address ("<type>.<name>"). */
export function resourcesByAddress(stack: TerraformStack): Map<string, TerraformResource> {
  const byAddress = new Map<string, TerraformResource>();
  for (const c of stack.node.findAll()) {
    if (c instanceof TerraformResource && TerraformStack.of(c) === stack) {
      byAddress.set(`${c.terraformResourceType}.${c.friendlyUniqueId}`, c);
    }
  }
  return byAddress;
}

/**
 * Writes a `moved` block into `stack` for each move. A move to an address that does not exist, or
 * to another resource type (which Terraform cannot move), fails the synth instead of silently
 * turning into a replacement.
 */
export function applyMoves(stack: TerraformStack, moves: readonly Move[]): void {
  if (moves.length === 0) return;
  const resources = resourcesByAddress(stack);
  for (const move of moves) {
    const target = resources.get(move.to);
    const where = `moved block in stack "${stack.node.id}" from ${move.from}`;
    if (target === undefined) throw new Error(`${where}: no resource has the address ${move.to}`);
    if (move.from.split(".")[0] !== target.terraformResourceType) {
      throw new Error(`${where}: a ${target.terraformResourceType} cannot take the state of another resource type`);
    }
    if (resources.has(move.from)) throw new Error(`${where}: ${move.from} still exists; nothing moved`);
    target.moveFromId(move.from);
  }
}
