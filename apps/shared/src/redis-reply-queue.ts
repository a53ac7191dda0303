import { SinglyLinkedList } from "@redis/client/dist/lib/client/linked-list";

/** What the list's nodes hold (the package's node type is not exported). */
interface ListNode {
  value: unknown;
  next: unknown;
}

const PATCHED = Symbol.for("fargate-connect.redis-reply-queue");

/**
 * node-redis keeps the commands waiting for a reply in a singly linked list, whose `shift()` leaves
 * the node it removes pointing at the next node and at its own command. Under steady load that list
 * is never empty, so once a removed node has reached the old generation, it keeps the next command
 * alive through every scavenge until a full GC; that one, promoted in turn, keeps the one after it,
 * and so on: each command, with the promise and request its reply resumes, is copied to the old
 * generation instead of dying young. Clearing a removed node's links ends the chain. `head` is the
 * list's own getter: the node `shift()` is about to remove.
 */
export function releaseRepliedCommands(): void {
  const proto = SinglyLinkedList.prototype as unknown as {
    readonly head: ListNode | undefined;
    shift(): unknown;
    [PATCHED]?: true;
  };
  if (proto[PATCHED]) return;
  const shift = proto.shift;
  proto.shift = function shiftAndRelease(this: typeof proto) {
    const node = this.head;
    const value = shift.call(this);
    if (node) {
      node.next = undefined;
      node.value = undefined;
    }
    return value;
  };
  proto[PATCHED] = true;
}
