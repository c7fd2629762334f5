/**
 * The requests a share has in flight (share.ts), in send order: an intrusive
 * doubly-linked list. Adding and removing cost O(1) and allocate nothing.
 *
 * Why not a `Set`: a share adds and removes tens of thousands of requests a
 * second while holding only a few dozen, so a Set's hash table is rebuilt
 * every few inserts, and V8 links each obsolete table to its successor (for
 * live iterators). Once one table of that chain has reached the old
 * generation (a quiet second before time zero is enough), every later table
 * is kept alive by its predecessor through each young-generation GC, and with
 * it the requests it held: ~250 bytes per request promoted, young GCs of 2-3 ms
 * instead of 0.3 ms, and a schedule lag p99 of 1.5-2 ms instead of 0.3 ms at
 * 25,000/s (docs/benchmarks.md). An element unlinked here drops both its
 * links, so a dead element never keeps another alive.
 */

/** An element of the list: the list owns these three fields. */
export interface Linked<T> {
  prev: T | null;
  next: T | null;
  /** In the list now. */
  listed: boolean;
}

export class InFlightList<T extends Linked<T>> {
  private first: T | null = null;
  private last: T | null = null;
  /** Elements in the list. */
  size = 0;

  /** Appends `x` (not in the list). */
  add(x: T): void {
    x.prev = this.last;
    x.next = null;
    if (this.last === null) this.first = x;
    else this.last.next = x;
    this.last = x;
    x.listed = true;
    this.size++;
  }

  /** Removes `x`; a no-op when it is not in the list. */
  delete(x: T): void {
    if (!x.listed) return;
    if (x.prev === null) this.first = x.next;
    else x.prev.next = x.next;
    if (x.next === null) this.last = x.prev;
    else x.next.prev = x.prev;
    x.prev = null;
    x.next = null;
    x.listed = false;
    this.size--;
  }

  /** The oldest element, or null. */
  get head(): T | null {
    return this.first;
  }

  /** The elements in add order, copied first: the caller may remove any of them meanwhile. */
  toArray(): T[] {
    const out: T[] = [];
    for (let x = this.first; x !== null; x = x.next) out.push(x);
    return out;
  }
}
