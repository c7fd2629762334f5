/**
 * A reorder buffer: turns a stream that is sorted only approximately (access
 * logs write a request at completion with its start time, so lines are out of
 * order by up to the longest request) into a sorted one, holding at most
 * `windowMs` worth of items. An item older than what was already released is
 * "late": it is released at once with its time clamped to the last released
 * time, and counted, so counts are kept and order is never broken.
 */

/** An item with its sort key (a time in ms). */
export interface Keyed<T> { k: number; v: T }

interface Entry<T> extends Keyed<T> { seq: number }

const less = <T>(a: Entry<T>, b: Entry<T>): boolean => a.k < b.k || (a.k === b.k && a.seq < b.seq);

/** A binary min-heap on (key, insertion order): equal keys come out in the order they went in. */
export interface MinHeap<T> {
  readonly size: number;
  /** Smallest key, or Infinity when empty. */
  peekKey(): number;
  push(k: number, v: T): void;
  pop(): Keyed<T> | undefined;
}

export const createMinHeap = <T>(): MinHeap<T> => {
  const a: Entry<T>[] = [];
  let seq = 0;
  const swap = (i: number, j: number): void => {
    const t = a[i] as Entry<T>;
    a[i] = a[j] as Entry<T>;
    a[j] = t;
  };
  return {
    get size() {
      return a.length;
    },
    peekKey: () => a[0]?.k ?? Infinity,
    push(k, v) {
      a.push({ k, v, seq: seq++ });
      let i = a.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(a[i] as Entry<T>, a[p] as Entry<T>)) break;
        swap(i, p);
        i = p;
      }
    },
    pop() {
      const top = a[0];
      const last = a.pop();
      if (top === undefined || last === undefined) return undefined;
      if (a.length > 0) {
        a[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < a.length && less(a[l] as Entry<T>, a[m] as Entry<T>)) m = l;
          if (r < a.length && less(a[r] as Entry<T>, a[m] as Entry<T>)) m = r;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
      return { k: top.k, v: top.v };
    },
  };
};

/** Counts of a reorder buffer. */
export interface ReorderStats {
  /** Items that arrived after newer ones had already been released (released clamped). */
  late: number;
  /** Largest lateness seen among late items, ms. */
  maxLateMs: number;
  /** Most items held at once. */
  peakHeld: number;
}

/**
 * A reorder buffer with a window in key units (ms). `push` appends to `out`
 * the items it can release (sorted); `flush` releases the rest at the end.
 */
export interface ReorderBuffer<T> {
  readonly windowMs: number;
  readonly stats: ReorderStats;
  /** Number of items held. */
  readonly held: number;
  push(k: number, v: T, out?: Keyed<T>[]): Keyed<T>[];
  flush(out?: Keyed<T>[]): Keyed<T>[];
}

export const createReorderBuffer = <T>(windowMs: number): ReorderBuffer<T> => {
  if (!(windowMs >= 0)) throw new RangeError('the reorder window must be >= 0 ms');
  const stats: ReorderStats = { late: 0, maxLateMs: 0, peakHeld: 0 };
  const heap = createMinHeap<T>();
  let maxKey = -Infinity;
  let lastOut = -Infinity;
  return {
    windowMs,
    stats,
    get held() {
      return heap.size;
    },
    push(k, v, out = []) {
      if (k < lastOut) {
        stats.late++;
        stats.maxLateMs = Math.max(stats.maxLateMs, lastOut - k);
        out.push({ k: lastOut, v });
        return out;
      }
      heap.push(k, v);
      if (heap.size > stats.peakHeld) stats.peakHeld = heap.size;
      if (k > maxKey) maxKey = k;
      const until = maxKey - windowMs;
      while (heap.size > 0 && heap.peekKey() <= until) {
        const e = heap.pop() as Keyed<T>;
        lastOut = e.k;
        out.push(e);
      }
      return out;
    },
    flush(out = []) {
      for (let e = heap.pop(); e !== undefined; e = heap.pop()) {
        lastOut = e.k;
        out.push(e);
      }
      return out;
    },
  };
};
