/**
 * A set of objects that come and go at request rate (open responses, connected sockets), kept in an
 * array rather than a `Set` or `Map`.
 *
 * V8's Set and Map are hash tables that it rebuilds as entries come and go, and a table left behind
 * keeps pointing at the one that replaced it. A table that has reached the old generation (after any
 * full GC) is not traced by young-generation GCs, which keep everything it points at: the next table,
 * and the entries in it. Each of those is then promoted in turn and holds the one after it, so every
 * entry, with the request objects it references, moves to the old generation instead of dying young,
 * until the next full GC, which starts the chain again from whatever table it finds. Measured on the
 * caller's GET /get-cache: about 1.8 MB promoted per scavenge and 30-60 % more CPU per request, in any
 * process that had a full GC while serving. An array slot is overwritten when its object leaves, so
 * the array points at nothing it has let go.
 *
 * add and delete are O(1): each object holds its index under a symbol of this set's own.
 */
export class LiveSet<T extends object> implements Iterable<T> {
  private readonly items: T[] = [];
  private readonly slot = Symbol("live-set slot");

  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    if (this.indexOf(item) >= 0) return;
    (item as Record<symbol, number>)[this.slot] = this.items.length;
    this.items.push(item);
  }

  has(item: T): boolean {
    return this.indexOf(item) >= 0;
  }

  /** Removes `item` (false when it is not here); the last object takes its slot. */
  delete(item: T): boolean {
    const index = this.indexOf(item);
    if (index < 0) return false;
    const last = this.items.pop()!;
    if (last !== item) {
      this.items[index] = last;
      (last as Record<symbol, number>)[this.slot] = index;
    }
    // Kept as a number (not deleted): objects keep one shape whether they are in the set or not.
    (item as Record<symbol, number>)[this.slot] = -1;
    return true;
  }

  private indexOf(item: T): number {
    const index = (item as Record<symbol, number | undefined>)[this.slot];
    return index !== undefined && index >= 0 && this.items[index] === item ? index : -1;
  }

  /** The objects here now; adding or deleting while iterating does not change what the loop sees. */
  [Symbol.iterator](): Iterator<T> {
    return [...this.items][Symbol.iterator]();
  }
}
